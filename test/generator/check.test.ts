// `npm run generate -- --check` is the CI guard against hand edits and forgotten regenerations: it must
// pass on the committed files and name each stale one otherwise.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG_FILE } from '../../src/generator/emit-catalog.js';
import { INPUTS_FILE } from '../../src/generator/emit-inputs.js';
import { findStale, generate, writeFiles } from '../../src/generator/generate.js';
import { SANDBOX_SAMPLES_FILE } from '../../src/generator/sandbox-samples.js';
import { loadOverlay, loadSpec, ROOT } from './fixtures.js';

const run = promisify(execFile);
const temp = await mkdtemp(join(tmpdir(), 'tenant-mcp-generate-'));
afterAll(() => rm(temp, { recursive: true, force: true }));

/** Our overlay plus one more summary override, which changes the catalog but not the input schemas. */
const changedOverlay = `${loadOverlay()}
  - target: $.paths.*[?(@.operationId == 'get_logs')]
    update:
      x-tenant-mcp-summary: A different summary
`;

describe('staleness check', () => {
  it('finds the committed files fresh', async () => {
    const files = await generate({ spec: loadSpec(), overlay: loadOverlay() });
    expect(files.map((f) => f.file)).toEqual([CATALOG_FILE, INPUTS_FILE, SANDBOX_SAMPLES_FILE]);
    expect(await findStale(files, ROOT)).toEqual([]);
  });

  it('names exactly the files a changed overlay would change', async () => {
    const files = await generate({ spec: loadSpec(), overlay: changedOverlay });
    expect(await findStale(files, ROOT)).toEqual([CATALOG_FILE]);
  });

  it('writes only what changed, then finds it fresh', async () => {
    const files = await generate({ spec: loadSpec(), overlay: loadOverlay() });
    expect(await writeFiles(files, temp)).toEqual([CATALOG_FILE, INPUTS_FILE, SANDBOX_SAMPLES_FILE]);
    expect(await writeFiles(files, temp)).toEqual([]);
    await writeFile(join(temp, INPUTS_FILE), '// hand edit\n');
    expect(await findStale(files, temp)).toEqual([INPUTS_FILE]);
    expect(await readFile(join(temp, CATALOG_FILE), 'utf8')).toBe(files[0]!.content);
  });

  it('exits 1 from the CLI naming the stale file, 0 when fresh', async () => {
    const cli = join(ROOT, 'src', 'generator', 'cli.ts');
    const fresh = await run(process.execPath, ['--import', 'tsx', cli, '--check'], { cwd: ROOT });
    expect(fresh.stdout).toContain('fresh');
    const overlay = join(temp, 'overlay.yaml');
    await writeFile(overlay, changedOverlay);
    const stale = run(process.execPath, ['--import', 'tsx', cli, '--check', '--overlay', overlay], {
      cwd: ROOT,
    });
    await expect(stale).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`stale: ${CATALOG_FILE}`),
    });
  });
});
