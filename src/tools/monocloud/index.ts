/**
 * The MonoCloud catalog: every operation of our MonoCloud management API document as plain data, plus
 * their input schemas loaded on first use. Importing this module is cheap; the schema module is only
 * imported when a schema is first asked for. MonoCloud authenticates with an API key, so every
 * operation's `scopes` is empty.
 */
import type { z } from 'zod';
import type { Catalog } from '../types.js';
import { operations } from './catalog.generated.js';

/**
 * Thrown when a schema is asked for an operation id the catalog does not have. Same name and code as
 * Auth0's, without importing Auth0's catalog.
 */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
  /** Stable code for callers that map errors to responses. */
  readonly code = 'unknown_operation';

  constructor(
    /** The id that was asked for. */
    readonly operationId: string,
  ) {
    super(`No MonoCloud operation has the id "${operationId}".`);
  }
}

type InputsModule = typeof import('./inputs.generated.js');

let inputs: Promise<InputsModule> | undefined;

function loadInputs(): Promise<InputsModule> {
  inputs ??= import('./inputs.generated.js').catch((error: unknown) => {
    // Let a later call retry instead of caching the failure for the life of the process.
    inputs = undefined;
    throw error;
  });
  return inputs;
}

/** The MonoCloud management API catalog (users, applications, groups, resources, keys, logs, ...). */
export const monocloudCatalog: Catalog = {
  provider: 'monocloud',
  apiBasePath: '/api',
  operations,
  async inputSchema(operationId: string): Promise<z.ZodObject> {
    const { inputSchemas } = await loadInputs();
    const build = Object.hasOwn(inputSchemas, operationId) ? inputSchemas[operationId] : undefined;
    if (!build) throw new UnknownOperationError(operationId);
    return build();
  },
};
