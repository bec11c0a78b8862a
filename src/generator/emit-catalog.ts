/**
 * Emits `src/tools/auth0/catalog.generated.ts`: the catalog entry of every operation as plain data, cheap
 * to import.
 */
import type { EmitInput, GeneratedFile } from './generate.js';
import { literal } from './ts-literal.js';

/** Where the catalog goes, relative to the repository root. */
export const CATALOG_FILE = 'src/tools/auth0/catalog.generated.ts';

/** Emits the operations array. */
export function emitCatalog(input: EmitInput): GeneratedFile {
  const items = input.operations.map(({ spec }) => `  ${literal(spec, 2)},`);
  const content = [
    input.header,
    "import type { OperationSpec } from '../types.js';",
    '',
    '/** Every Auth0 Management API operation, in the order of the source document. */',
    'export const operations: OperationSpec[] = [',
    ...items,
    '];',
    '',
  ].join('\n');
  return { file: CATALOG_FILE, content };
}
