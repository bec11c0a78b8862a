/**
 * The Auth0 catalog: every Management API operation as plain data, plus their input schemas loaded on
 * first use. Importing this module is cheap; the schema module (about a thousand component factories) is
 * only imported when a schema is first asked for.
 */
import type { z } from 'zod';
import type { Catalog } from '../types.js';
import { operations } from './catalog.generated.js';

/** Thrown when a schema is asked for an operation id the catalog does not have. */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
  /** Stable code for callers that map errors to responses. */
  readonly code = 'unknown_operation';

  constructor(
    /** The id that was asked for. */
    readonly operationId: string,
  ) {
    super(`No Auth0 operation has the id "${operationId}".`);
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

/** The Auth0 Management API v2 catalog. */
export const auth0Catalog: Catalog = {
  provider: 'auth0',
  apiBasePath: '/api/v2',
  operations,
  async inputSchema(operationId: string): Promise<z.ZodObject> {
    const { inputSchemas } = await loadInputs();
    const build = Object.hasOwn(inputSchemas, operationId) ? inputSchemas[operationId] : undefined;
    if (!build) throw new UnknownOperationError(operationId);
    return build();
  },
};
