/**
 * The list of emitters `npm run generate` runs. To add an output file, write a function that takes an
 * {@link EmitInput} and returns `{ file, content }` (or a promise of it), and add one line below.
 */
import { emitCatalog } from './emit-catalog.js';
import { emitInputs } from './emit-inputs.js';
import type { Emitter } from './generate.js';
import { emitSandboxSamples } from './sandbox-samples.js';

/** Every emitter, in the order their files are written and reported. */
export const EMITTERS: readonly Emitter[] = [
  emitCatalog,
  emitInputs,
  (input) => emitSandboxSamples(input.doc, { resolve: input.resolver.get }),
];
