/**
 * One way to make a provider's catalog from its generated files: the operations as plain data, and the
 * input schemas imported on first use (importing a catalog stays cheap; the schema module, hundreds of
 * component factories, loads when a schema is first asked for).
 */
import type { z } from 'zod';
import type { Catalog, OperationSpec } from './types.js';

/** Thrown when a schema is asked for an operation id the catalog does not have. */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
  /** Stable code for callers that map errors to responses. */
  readonly code = 'unknown_operation';

  constructor(
    /** The id that was asked for. */
    readonly operationId: string,
    /** The provider's display name, for the message. */
    provider: string,
  ) {
    super(`No ${provider} operation has the id "${operationId}".`);
  }
}

/** What a generated `inputs.generated.ts` exports. */
export interface InputsModule {
  /** A memoized schema factory per operation id. */
  inputSchemas: Record<string, () => z.ZodObject>;
}

/** Makes a catalog over generated operations and a lazy import of their input schemas. */
export function createCatalog(options: {
  /** Provider id, e.g. `auth0`. */
  provider: string;
  /** Display name for messages, e.g. `Auth0`. */
  displayName: string;
  /** Base path of the management API. */
  apiBasePath: string;
  /** The generated operations. */
  operations: readonly OperationSpec[];
  /** Imports the generated input schemas. */
  loadInputs: () => Promise<InputsModule>;
}): Catalog {
  let inputs: Promise<InputsModule> | undefined;
  const load = () => {
    inputs ??= options.loadInputs().catch((error: unknown) => {
      // Let a later call retry instead of caching the failure for the life of the process.
      inputs = undefined;
      throw error;
    });
    return inputs;
  };
  const byId = new Map(options.operations.map((op) => [op.id, op]));
  const checked = new Map<string, z.ZodObject>();
  return {
    provider: options.provider,
    apiBasePath: options.apiBasePath,
    operations: options.operations,
    async inputSchema(operationId: string): Promise<z.ZodObject> {
      const { inputSchemas } = await load();
      const build = Object.hasOwn(inputSchemas, operationId) ? inputSchemas[operationId] : undefined;
      if (!build) throw new UnknownOperationError(operationId, options.displayName);
      let schema = checked.get(operationId);
      if (!schema) {
        schema = withPathSegments(build(), byId.get(operationId));
        checked.set(operationId, schema);
      }
      return schema;
    },
  };
}

/**
 * `schema` refusing, by name, what the executor could not send as validated: an empty path parameter
 * (`/users/{id}` with an empty id is `/users/`, another operation altogether) and a header value HTTP
 * would change (surrounding whitespace is dropped, control and non-ASCII characters are refused or
 * mangled). Checked here, before anyone is asked to confirm a call that could not be sent.
 */
function withPathSegments(schema: z.ZodObject, op: OperationSpec | undefined): z.ZodObject {
  const paths = op?.params.filter((param) => param.in === 'path').map((param) => param.name) ?? [];
  const headers = op?.params.filter((param) => param.in === 'header').map((param) => param.name) ?? [];
  if (paths.length === 0 && headers.length === 0) return schema;
  return schema.superRefine((args, ctx) => {
    const values = args as Record<string, unknown>;
    for (const name of paths) {
      if (values[name] === '') {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'must not be empty: it is a segment of the path',
        });
      }
    }
    for (const name of headers) {
      const value = values[name];
      if (value !== undefined && !isHeaderText(String(value))) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'must be printable ASCII with no leading or trailing space: it travels as an HTTP header',
        });
      }
    }
  });
}

/** Whether HTTP carries `text` as a header value unchanged: visible ASCII, inner spaces only. */
function isHeaderText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const edge = i === 0 || i === text.length - 1;
    if (c > 0x7e || c < 0x20 || (edge && c === 0x20)) return false;
  }
  return true;
}
