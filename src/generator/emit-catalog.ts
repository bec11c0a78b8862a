/**
 * Emits `<outDir>/catalog.generated.ts` (e.g. `src/tools/auth0/catalog.generated.ts`): the catalog entry of
 * every operation as plain data, cheap to import.
 */
import type { EmitInput, GeneratedFile } from './generate.js';
import type { ProviderConfig } from './providers.js';
import { literal } from './ts-literal.js';

/** Where a provider's catalog goes, relative to the repository root. */
export function catalogFile(provider: Pick<ProviderConfig, 'outDir'>): string {
  return `${provider.outDir}/catalog.generated.ts`;
}

/** Emits the operations array. */
export function emitCatalog(input: EmitInput): GeneratedFile {
  const items = input.operations.map(({ spec }) => `  ${literal(spec, 2)},`);
  const content = [
    input.header,
    "import type { OperationSpec } from '../types.js';",
    '',
    `/** Every ${input.provider.title} operation, in the order of the source document. */`,
    'export const operations: OperationSpec[] = [',
    ...items,
    '];',
    '',
  ].join('\n');
  return { file: catalogFile(input.provider), content };
}
