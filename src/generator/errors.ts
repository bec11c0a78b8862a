/**
 * The one error the generator throws on purpose: the spec or the overlay says something we cannot turn
 * into a safe catalog. The CLI prints its message and exits 1; anything else is a bug in the generator.
 */

/** A problem in the input documents, worded so the author of the spec or overlay can fix it. */
export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}
