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
  return {
    provider: options.provider,
    apiBasePath: options.apiBasePath,
    operations: options.operations,
    async inputSchema(operationId: string): Promise<z.ZodObject> {
      const { inputSchemas } = await load();
      const build = Object.hasOwn(inputSchemas, operationId) ? inputSchemas[operationId] : undefined;
      if (!build) throw new UnknownOperationError(operationId, options.displayName);
      return build();
    },
  };
}
