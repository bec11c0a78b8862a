// Proves every one of the 148 MonoCloud operations answers as our OpenAPI document says or refuses as
// MonoCloud would: a realistic request gets the documented status with a body (and x-pagination
// header) the document's schemas accept; an unknown id in any path parameter is a 404 problem; a body
// missing required fields or carrying one the model lacks is a 422 naming them; and no operation is
// left unserved (501) or answers 404 for want of a route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORT_FIELDS } from '../../src/sandbox/monocloud/engine.js';
import {
  MONOCLOUD_OPERATIONS,
  type MonoCloudSandbox,
  startMonoCloudSandbox,
  VALIDATION_ERROR_TYPE,
} from '../../src/sandbox/monocloud/index.js';
import { MONOCLOUD_MODEL } from '../../src/sandbox/monocloud/model.generated.js';
import {
  componentSchema,
  loadMonoSpec,
  type MonoReply,
  monoCall,
  monoSchemaErrors,
  paginationOf,
} from './monocloud-harness.js';
import { MONO_REQUESTS, pathOf, prepare } from './monocloud-requests.js';

const { operations } = loadMonoSpec();
const UNKNOWN = '00000000-0000-4000-8000-00000000dead';

function expectProblem(reply: MonoReply, status: number): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(reply.body.traceId).toBe(reply.headers.get('x-trace-id'));
}

describe('MonoCloud sandbox: all 148 operations', () => {
  let sandbox: MonoCloudSandbox;
  const api = (method: string, path: string, body?: unknown) => monoCall(sandbox, method, path, body);

  beforeAll(async () => {
    sandbox = await startMonoCloudSandbox();
  });
  afterAll(() => sandbox.close());

  it('serves exactly the operations of the document, and has a request for each', () => {
    expect(operations).toHaveLength(148);
    const documented = operations.map((o) => `${o.id} ${o.method} ${o.path}`).sort();
    expect(MONOCLOUD_MODEL.operations.map((o) => `${o.id} ${o.method} ${o.path}`).sort()).toEqual(documented);
    expect(Object.keys(MONO_REQUESTS).sort()).toEqual(operations.map((o) => o.id).sort());
  });

  it('has a schema check that notices a missing field, a wrong type and a bad enum value', () => {
    const app = componentSchema('ApplicationGroup');
    expect(monoSchemaErrors(app, { group_id: 'g', group_name: 'n', creation_time: 1 })).toBeUndefined();
    expect(monoSchemaErrors(app, { group_id: 'g', group_name: 'n' })).toMatch(/creation_time/);
    expect(monoSchemaErrors(app, { group_id: 'g', group_name: 'n', creation_time: '1' })).toMatch(/integer/);
    expect(monoSchemaErrors(componentSchema('PolicyTypes'), 'simple')).toMatch(/allowed values/);
  });

  it('answers each Users operation with the status the document gives it', () => {
    for (const op of MONOCLOUD_OPERATIONS)
      expect(op.status, op.id).toBe(operations.find((o) => o.id === op.id)?.status);
  });

  it('sorts by the fields each list’s sort parameter names', () => {
    for (const op of operations.filter(
      (o) => o.sortFields && !MONOCLOUD_OPERATIONS.some((u) => u.id === o.id),
    ))
      expect(SORT_FIELDS[op.id], op.id).toEqual(op.sortFields);
  });

  describe.each(operations.map((op) => [`${op.id}: ${op.method} ${op.path}`, op] as const))(
    '%s',
    (_name, op) => {
      const request = MONO_REQUESTS[op.id]!;

      it('answers a realistic request as documented', async () => {
        sandbox.reset();
        const { params, body } = await prepare(sandbox, request);
        const reply = await api(op.method, pathOf(op.path, params, request.query), body);
        expect(reply.status, reply.text.slice(0, 600)).toBe(op.status);
        expect(reply.headers.get('x-trace-id')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
        if (op.status === 204 || op.schema === undefined) {
          expect(reply.text).toBe('');
        } else {
          expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
          expect(monoSchemaErrors(op.schema, reply.body), reply.text.slice(0, 600)).toBeUndefined();
        }
        const pagination = paginationOf(reply);
        if (op.paged) {
          expect(monoSchemaErrors(componentSchema('PaginationHeader'), pagination)).toBeUndefined();
          expect(pagination!.total_count).toBeGreaterThanOrEqual((reply.body as unknown[]).length);
        } else {
          expect(pagination).toBeNull();
        }
      });

      if (op.params.length > 0) {
        it.each(op.params)('answers 404 for an unknown %s', async (param) => {
          sandbox.reset();
          const { params, body } = await prepare(sandbox, request);
          const reply = await api(
            op.method,
            pathOf(op.path, { ...params, [param]: UNKNOWN }, request.query),
            body,
          );
          expectProblem(reply, 404);
          expect(reply.body.detail).not.toMatch(/No operation answers/);
        });
      }

      if (op.body !== undefined) {
        it('refuses a field the request model does not have, naming it', async () => {
          sandbox.reset();
          const { params, body } = await prepare(sandbox, request);
          const reply = await api(op.method, pathOf(op.path, params), {
            ...(body as object),
            colour_scheme: 'teal',
          });
          expectProblem(reply, 422);
          expect(reply.body.type).toBe(VALIDATION_ERROR_TYPE);
          expect(Object.keys(reply.body.errors)).toContain('colour_scheme');
        });

        const ref = (op.body as { $ref?: string }).$ref?.split('/').pop();
        const schema = ref
          ? ((loadMonoSpec().doc.components as { schemas: Record<string, { required?: string[] }> }).schemas[
              ref
            ] ?? {})
          : {};
        if ((schema.required ?? []).length > 0) {
          it('refuses a body without its required fields, naming each', async () => {
            sandbox.reset();
            const { params } = await prepare(sandbox, request);
            const reply = await api(op.method, pathOf(op.path, params), {});
            expectProblem(reply, 422);
            expect(reply.body.type).toBe(VALIDATION_ERROR_TYPE);
            for (const field of schema.required!)
              expect(Object.keys(reply.body.errors), field).toContain(field);
          });
        }
      }

      if (op.method === 'GET' && op.query.length > 0 && !op.query.includes('page')) {
        it('refuses a query parameter it does not take', async () => {
          sandbox.reset();
          const { params } = await prepare(sandbox, request);
          const reply = await api('GET', pathOf(op.path, params, 'colour=teal'));
          expectProblem(reply, 422);
          expect(Object.keys(reply.body.errors)).toEqual(['colour']);
        });
      }

      if (op.paged) {
        it('pages with page and size, and refuses what it does not take', async () => {
          sandbox.reset();
          const { params } = await prepare(sandbox, request);
          const first = await api('GET', pathOf(op.path, params, 'page=1&size=1'));
          expect(first.status, first.text).toBe(200);
          expect(first.body.length).toBeLessThanOrEqual(1);
          const facts = paginationOf(first)!;
          expect(facts).toMatchObject({ page_size: 1, current_page: 1, has_previous: false });
          expect(facts.has_next).toBe((facts.total_count as number) > 1);
          expectProblem(await api('GET', pathOf(op.path, params, 'page=0')), 422);
          const unknown = await api('GET', pathOf(op.path, params, 'colour=teal'));
          expectProblem(unknown, 422);
          expect(Object.keys(unknown.body.errors)).toEqual(['colour']);
        });
      } else if (op.method === 'GET' && op.schema && (op.schema as { type?: string }).type === 'array') {
        it('answers the whole list with no page header, and takes no paging', async () => {
          sandbox.reset();
          const { params } = await prepare(sandbox, request);
          expectProblem(await api('GET', pathOf(op.path, params, 'page=1')), 422);
        });
      }
    },
  );
});
