/**
 * `npm run generate [-- --check] [--provider NAME [--spec FILE] [--overlay FILE]]`: regenerates every
 * provider's catalog (Auth0 from its Management API document and our overlay, MonoCloud from our own
 * document), or one provider's. With `--check` nothing is written and the exit code says whether the
 * committed files are fresh (0) or stale (1), for CI.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { GeneratorError } from './errors.js';
import { findStale, type GeneratedFile, generate, writeFiles } from './generate.js';
import type { OpenApiDocument } from './openapi.js';
import { findProvider, PROVIDERS, type ProviderConfig } from './providers.js';

/** The repository root, two folders above this file. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const NAMES = PROVIDERS.map((p) => p.name).join('|');
const USAGE = `usage: npm run generate -- [--check] [--provider ${NAMES} [--spec FILE] [--overlay FILE]]
  --check            write nothing; exit 1 naming each stale generated file
  --provider NAME    generate only this provider (default: all of them)
  --spec FILE        that provider's OpenAPI document, JSON or YAML (defaults:
${PROVIDERS.map((p) => `                       ${p.name}: ${p.specEnv ? `$${p.specEnv} or ` : ''}${p.spec}`).join('\n')})
  --overlay FILE     our overlay for that provider (default: ${PROVIDERS.filter((p) => p.overlay)
    .map((p) => `${p.name}: ${p.overlay}`)
    .join('; ')})`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      check: { type: 'boolean', default: false },
      provider: { type: 'string' },
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
  let providers = PROVIDERS;
  if (values.provider !== undefined) {
    const one = findProvider(values.provider);
    if (!one) throw new GeneratorError(`unknown provider "${values.provider}" (known: ${NAMES})`);
    providers = [one];
  } else if (values.spec !== undefined || values.overlay !== undefined) {
    throw new GeneratorError('--spec and --overlay need --provider to say whose document they replace');
  }
  const started = performance.now();
  const files: GeneratedFile[] = [];
  for (const provider of providers) {
    files.push(...(await run(provider, values.spec, values.overlay)));
  }
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

/** Reads one provider's inputs and generates its files in memory. */
async function run(provider: ProviderConfig, spec?: string, overlay?: string): Promise<GeneratedFile[]> {
  const envSpec = provider.specEnv ? process.env[provider.specEnv] : undefined;
  const specPath = resolve(ROOT, spec ?? envSpec ?? provider.spec);
  const overlayFile = overlay ?? provider.overlay;
  const overlayPath = overlayFile === undefined ? undefined : resolve(ROOT, overlayFile);
  return generate({
    provider,
    spec: await readDocument(specPath),
    ...(overlayPath === undefined
      ? {}
      : {
          overlay: await readFile(overlayPath, 'utf8').catch((error: Error) => {
            throw new GeneratorError(`cannot read the overlay at ${overlayPath}: ${error.message}`);
          }),
          overlayName: relative(ROOT, overlayPath) || overlayPath,
        }),
    // A document given on the command line is named by its file name; the default one as generate() names it.
    ...((spec ?? envSpec) ? { specName: basename(specPath) } : {}),
  });
}

/** Reads an OpenAPI document written as JSON or (by its extension) YAML. */
async function readDocument(path: string): Promise<OpenApiDocument> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new GeneratorError(`cannot read the spec at ${path}: ${error.message}`);
  });
  const yaml = /\.ya?ml$/i.test(path);
  try {
    return (yaml ? parseYaml(text) : JSON.parse(text)) as OpenApiDocument;
  } catch (error) {
    throw new GeneratorError(`${path}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
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
