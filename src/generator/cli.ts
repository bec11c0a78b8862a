/**
 * `npm run generate [-- --check] [--spec FILE] [--overlay FILE]`: regenerates the Auth0 catalog from the
 * Management API document and our overlay. With `--check` nothing is written and the exit code says
 * whether the committed files are fresh (0) or stale (1), for CI.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GeneratorError } from './errors.js';
import { findStale, generate, writeFiles } from './generate.js';

/** The repository root, two folders above this file. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the Auth0 document lives by default, relative to the repository root. */
const DEFAULT_SPEC = '../shared/openapi/auth0-management-api-v2.json';
/** Our overlay, relative to the repository root. */
const DEFAULT_OVERLAY = 'openapi/auth0/overlay.yaml';

const USAGE = `usage: npm run generate -- [--check] [--spec FILE] [--overlay FILE]
  --check          write nothing; exit 1 naming each stale generated file
  --spec FILE      Auth0 Management API OpenAPI document (default: $TENANT_MCP_AUTH0_SPEC or ${DEFAULT_SPEC})
  --overlay FILE   our OpenAPI overlay (default: ${DEFAULT_OVERLAY})`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      check: { type: 'boolean', default: false },
      spec: { type: 'string' },
      overlay: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const specPath = resolve(ROOT, values.spec ?? process.env.TENANT_MCP_AUTH0_SPEC ?? DEFAULT_SPEC);
  const overlayPath = resolve(ROOT, values.overlay ?? DEFAULT_OVERLAY);
  const specText = await readFile(specPath, 'utf8').catch((error: Error) => {
    throw new GeneratorError(`cannot read the spec at ${specPath}: ${error.message}`);
  });
  let spec: unknown;
  try {
    spec = JSON.parse(specText);
  } catch (error) {
    throw new GeneratorError(`${specPath}: not valid JSON: ${(error as Error).message}`);
  }
  const overlay = await readFile(overlayPath, 'utf8').catch((error: Error) => {
    throw new GeneratorError(`cannot read the overlay at ${overlayPath}: ${error.message}`);
  });
  const started = performance.now();
  const files = await generate({
    spec: spec as never,
    overlay,
    specName: basename(specPath),
    overlayName: relative(ROOT, overlayPath) || overlayPath,
  });
  if (values.check) {
    const stale = await findStale(files, ROOT);
    for (const file of stale) console.error(`stale: ${file} (run npm run generate)`);
    if (stale.length === 0) console.log(`generated files are fresh (${files.length} checked)`);
    return stale.length === 0 ? 0 : 1;
  }
  const changed = await writeFiles(files, ROOT);
  for (const { file, content } of files) {
    const state = changed.includes(file) ? 'written' : 'unchanged';
    console.log(`${state}: ${file} (${Buffer.byteLength(content)} bytes)`);
  }
  console.log(`done in ${Math.round(performance.now() - started)} ms`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof GeneratorError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`generate: ${(error as Error).message}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
