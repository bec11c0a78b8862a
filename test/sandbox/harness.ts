/**
 * Shared by the sandbox tests: the API description's operations with ajv validators for their success
 * bodies (tests may read the description; the sandbox itself may not), and a small HTTP client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Sandbox } from '../../src/sandbox/index.js';

/** The Auth0 Management API description beside the repository. */
export const SPEC_PATH = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'openapi',
  'auth0-management-api-v2.json',
);

/** One operation as the description states it. */
export interface SpecOperation {
  /** Operation id. */
  id: string;
  /** HTTP method, upper case. */
  method: string;
  /** Path template below `/api/v2`. */
  path: string;
  /** First success status. */
  status: number;
  /** Media type of the success body, when there is one. */
  contentType?: string;
  /** Schema of the success body, with the description's `$ref`s. */
  schema?: unknown;
  /** Scopes, any one of which allows the call. */
  scopes: string[];
}

type Json = Record<string, unknown>;

let cached: { doc: Json; operations: SpecOperation[]; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

/** Loads (once) the description and lists its operations with their first success response. */
export function loadSpec(): { doc: Json; operations: SpecOperation[]; ajv: Ajv2020 } {
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      if (typeof op.operationId !== 'string') continue;
      const responses = op.responses as Record<string, Json>;
      const code = Object.keys(responses).find((c) => /^2\d\d$/.test(c))!;
      const content = responses[code]?.content as Record<string, Json> | undefined;
      const type = content ? Object.keys(content)[0] : undefined;
      const scopes = ((op.security as Json[] | undefined) ?? []).flatMap(
        (s) => (s.oAuth2ClientCredentials as string[] | undefined) ?? [],
      );
      operations.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        status: Number(code),
        scopes,
        ...(type && code !== '204' ? { contentType: type, schema: content?.[type]?.schema } : {}),
      });
    }
  }
  // Patterns in the description use syntax that is invalid in unicode mode; formats are Auth0's own.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, unicodeRegExp: false });
  ajv.addSchema({ $id: 'auth0.json', components: doc.components }, 'auth0.json');
  cached = { doc, operations, ajv };
  return cached;
}

/** ajv's error text when `value` does not match `schema` (a schema from the description), else undefined. */
export function schemaErrors(schema: unknown, value: unknown): string | undefined {
  const { ajv } = loadSpec();
  const text = JSON.stringify(schema);
  let validate = validators.get(text);
  if (!validate) {
    validate = ajv.compile(
      JSON.parse(text.replaceAll('"#/components/', '"auth0.json#/components/')) as object,
    );
    validators.set(text, validate);
  }
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

/**
 * Like {@link schemaErrors}, but a body that matches more than one branch of a `oneOf` passes: the
 * description's list answers overlap (a last checkpoint page without `next` fits the offset shape too),
 * so a real tenant's bodies fail the strict reading as well.
 */
export function schemaErrorsAllowingOverlap(schema: unknown, value: unknown): string | undefined {
  const strict = schemaErrors(schema, value);
  if (!strict?.includes('must match exactly one schema in oneOf')) return strict;
  const ref = (schema as { $ref?: string }).$ref;
  const name = ref?.startsWith('#/components/schemas/')
    ? ref.slice('#/components/schemas/'.length)
    : undefined;
  const schemas = (loadSpec().doc.components as { schemas: Record<string, unknown> }).schemas;
  const top = name ? schemas[name] : schema;
  return schemaErrors(JSON.parse(JSON.stringify(top).replaceAll('"oneOf"', '"anyOf"')), value);
}

/** An answer read whole. */
export interface Reply {
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

/** Sends one request to the sandbox and reads the answer. */
export async function call(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  else parsed = text === '' ? undefined : text;
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A Management API token from the sandbox, optionally limited to `scopes`. */
export async function token(sandbox: Sandbox, scopes?: string[]): Promise<string> {
  const reply = await call(sandbox, 'POST', '/oauth/token', {
    body: {
      grant_type: 'client_credentials',
      client_id: sandbox.clientId,
      client_secret: sandbox.clientSecret,
      audience: sandbox.audience,
      ...(scopes ? { scope: scopes.join(' ') } : {}),
    },
  });
  if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${reply.text}`);
  return reply.body.access_token as string;
}

/** Shorthand for `/api/v2` calls with a token. */
export function api(sandbox: Sandbox, bearer: string) {
  return (method: string, path: string, body?: unknown) =>
    call(sandbox, method, `/api/v2${path}`, { token: bearer, ...(body !== undefined ? { body } : {}) });
}
