/**
 * Shared by the MonoCloud sandbox tests: our OpenAPI document of the management API with ajv
 * validators for its success bodies and the `x-pagination` header (tests may read the document; the
 * sandbox itself may not), and a small client that sends the API key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import type { MonoCloudSandbox } from '../../src/sandbox/monocloud/index.js';

/** Our description of the MonoCloud management API. */
export const MONOCLOUD_SPEC_PATH = join(
  import.meta.dirname,
  '..',
  '..',
  'openapi',
  'monocloud',
  'management.yaml',
);

type Json = Record<string, unknown>;

/** One operation as the document states it. */
export interface MonoSpecOperation {
  /** Operation id. */
  id: string;
  /** HTTP method, upper case. */
  method: string;
  /** Path template below `/api`. */
  path: string;
  /** The success status. */
  status: number;
  /** Schema of the success body, when there is one. */
  schema?: unknown;
  /** Whether the success answer carries `x-pagination`. */
  paged: boolean;
  /** Query parameter names. */
  query: string[];
  /** Path parameter names, in template order. */
  params: string[];
  /** Schema of the request body, when the operation takes one. */
  body?: unknown;
  /** The `Fields: ...` a `sort` parameter's description lists. */
  sortFields?: string[];
}

let cached: { doc: Json; operations: MonoSpecOperation[]; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

/** Loads (once) the document and lists its operations. */
export function loadMonoSpec(): { doc: Json; operations: MonoSpecOperation[]; ajv: Ajv2020 } {
  if (cached) return cached;
  const doc = parse(readFileSync(MONOCLOUD_SPEC_PATH, 'utf8')) as Json;
  const components = doc.components as Json;
  const deref = (p: Json): Json => {
    const ref = p.$ref as string | undefined;
    if (!ref) return p;
    return (components.parameters as Json)[ref.split('/').pop()!] as Json;
  };
  const operations: MonoSpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      if (typeof op.operationId !== 'string') continue;
      const responses = op.responses as Record<string, Json>;
      const code = Object.keys(responses).find((c) => /^2\d\d$/.test(c))!;
      const response = responses[code]!;
      const content = response.content as Record<string, Json> | undefined;
      const params = ((op.parameters as Json[] | undefined) ?? []).map(deref);
      const sort = params.find((p) => p.name === 'sort');
      const fields = /Fields: ([^.]+)\./.exec(String(sort?.description ?? ''))?.[1];
      const requestBody = op.requestBody as Json | undefined;
      operations.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        status: Number(code),
        paged: !!(response.headers as Json | undefined)?.['x-pagination'],
        query: params.filter((p) => p.in === 'query').map((p) => String(p.name)),
        params: params.filter((p) => p.in === 'path').map((p) => String(p.name)),
        ...(content ? { schema: content['application/json']?.schema } : {}),
        ...(requestBody
          ? { body: ((requestBody.content as Json)['application/json'] as Json | undefined)?.schema }
          : {}),
        ...(fields ? { sortFields: fields.split(',').map((f) => f.trim()) } : {}),
      });
    }
  }
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  ajv.addSchema({ $id: 'monocloud.json', components }, 'monocloud.json');
  cached = { doc, operations, ajv };
  return cached;
}

/** ajv's error text when `value` does not match `schema` (a schema of the document), else undefined. */
export function monoSchemaErrors(schema: unknown, value: unknown): string | undefined {
  const { ajv } = loadMonoSpec();
  const text = JSON.stringify(schema);
  let validate = validators.get(text);
  if (!validate) {
    validate = ajv.compile(
      JSON.parse(text.replaceAll('"#/components/', '"monocloud.json#/components/')) as object,
    );
    validators.set(text, validate);
  }
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

/** A named schema of the document, as a `$ref` ajv resolves. */
export function componentSchema(name: string): unknown {
  return { $ref: `#/components/schemas/${name}` };
}

/** An answer read whole. */
export interface MonoReply {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** Parsed JSON when the body is JSON, the text otherwise, undefined when empty. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read many ad-hoc shapes; expect() does the checking.
  body: any;
  /** The raw body. */
  text: string;
}

/** Sends one request to the MonoCloud sandbox's API (`path` below `/api`) with its key. */
export async function monoCall(
  sandbox: Pick<MonoCloudSandbox, 'url' | 'apiKey'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<MonoReply> {
  const res = await fetch(`${sandbox.url}/api${path}`, {
    method,
    headers: {
      'x-api-key': sandbox.apiKey,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  return {
    status: res.status,
    headers: res.headers,
    body: json ? JSON.parse(text) : text || undefined,
    text,
  };
}

/** The `x-pagination` facts of an answer, or null. */
export function paginationOf(reply: MonoReply): Record<string, unknown> | null {
  const raw = reply.headers.get('x-pagination');
  return raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
}
