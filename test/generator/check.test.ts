// `npm run generate -- --check` is the CI guard against hand edits and forgotten regenerations: it must
// pass on the committed files of every provider and name each stale one otherwise.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { catalogFile } from '../../src/generator/emit-catalog.js';
import { inputsFile } from '../../src/generator/emit-inputs.js';
import { findStale, generate, writeFiles } from '../../src/generator/generate.js';
import { AUTH0, MONOCLOUD } from '../../src/generator/providers.js';
import { SANDBOX_MODEL_FILES } from '../../src/generator/sandbox-model.js';
import { loadMonocloudSpec, loadOverlay, loadSpec, ROOT } from './fixtures.js';

const run = promisify(execFile);
const temp = await mkdtemp(join(tmpdir(), 'tenant-mcp-generate-'));
afterAll(() => rm(temp, { recursive: true, force: true }));
const cli = join(ROOT, 'src', 'generator', 'cli.ts');
const generateCli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: ROOT });

const AUTH0_CATALOG = catalogFile(AUTH0);
const AUTH0_INPUTS = inputsFile(AUTH0);
const MONOCLOUD_CATALOG = catalogFile(MONOCLOUD);
const MONOCLOUD_INPUTS = inputsFile(MONOCLOUD);

/** Our overlay plus one more summary override, which changes the catalog but not the input schemas. */
const changedOverlay = `${loadOverlay()}
  - target: $.paths.*[?(@.operationId == 'get_logs')]
    update:
      x-tenant-mcp-summary: A different summary
`;

/** Our MonoCloud document with one summary changed. */
function changedMonocloud() {
  const doc = structuredClone(loadMonocloudSpec());
  const op = doc.paths['/users']!.get as { summary: string };
  op.summary = 'A different summary';
  return doc;
}

describe('staleness check', () => {
  it('finds the committed files of both providers fresh', async () => {
    const auth0 = await generate({ spec: loadSpec(), overlay: loadOverlay() });
    expect(auth0.map((f) => f.file)).toEqual([AUTH0_CATALOG, AUTH0_INPUTS, SANDBOX_MODEL_FILES.auth0.file]);
    expect(await findStale(auth0, ROOT)).toEqual([]);
    const monocloud = await generate({ provider: MONOCLOUD, spec: loadMonocloudSpec() });
    expect(monocloud.map((f) => f.file)).toEqual([
      MONOCLOUD_CATALOG,
      MONOCLOUD_INPUTS,
      SANDBOX_MODEL_FILES.monocloud.file,
    ]);
    expect(await findStale(monocloud, ROOT)).toEqual([]);
  });

  it('names exactly the files a changed overlay or document would change', async () => {
    const auth0 = await generate({ spec: loadSpec(), overlay: changedOverlay });
    expect(await findStale(auth0, ROOT)).toEqual([AUTH0_CATALOG]);
    // Our MonoCloud document is the only input, so its digest in every header changes with any edit.
    const monocloud = await generate({ provider: MONOCLOUD, spec: changedMonocloud() });
    expect(await findStale(monocloud, ROOT)).toEqual([
      MONOCLOUD_CATALOG,
      MONOCLOUD_INPUTS,
      SANDBOX_MODEL_FILES.monocloud.file,
    ]);
  });

  it('refuses to generate Auth0 without our overlay', async () => {
    await expect(generate({ spec: loadSpec() })).rejects.toThrow(/our overlay must be given/);
  });

  it('writes only what changed, then finds it fresh', async () => {
    const files = await generate({ spec: loadSpec(), overlay: loadOverlay() });
    expect(await writeFiles(files, temp)).toEqual([
      AUTH0_CATALOG,
      AUTH0_INPUTS,
      SANDBOX_MODEL_FILES.auth0.file,
    ]);
    expect(await writeFiles(files, temp)).toEqual([]);
    await writeFile(join(temp, AUTH0_INPUTS), '// hand edit\n');
    expect(await findStale(files, temp)).toEqual([AUTH0_INPUTS]);
    expect(await readFile(join(temp, AUTH0_CATALOG), 'utf8')).toBe(files[0]!.content);
  });

  it('exits 0 from the CLI when both providers are fresh, 1 naming the stale file of either', async () => {
    const fresh = await generateCli('--check');
    expect(fresh.stdout).toContain('fresh (6 checked)');

    const overlay = join(temp, 'overlay.yaml');
    await writeFile(overlay, changedOverlay);
    await expect(generateCli('--check', '--provider', 'auth0', '--overlay', overlay)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`stale: ${AUTH0_CATALOG}`),
    });

    const spec = join(temp, 'management.yaml');
    await writeFile(spec, stringify(changedMonocloud()));
    await expect(generateCli('--check', '--provider', 'monocloud', '--spec', spec)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`stale: ${MONOCLOUD_CATALOG}`),
    });
  });

  it('refuses --spec without --provider and an unknown provider', async () => {
    await expect(generateCli('--check', '--spec', 'x.json')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('need --provider'),
    });
    await expect(generateCli('--check', '--provider', 'okta')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown provider "okta"'),
    });
  });
});
