/** The package version, taken from package.json at build time (bundled) or load time (tests). */
import pkg from '../package.json' with { type: 'json' };

/** tenant-mcp's version, e.g. `0.1.0`. */
export const VERSION: string = pkg.version;
