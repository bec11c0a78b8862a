// `npm run bundle`: builds, stages what a desktop host needs to run the server (dist/, manifest.json, a
// package.json without dev dependencies, README) and packs it with `mcpb pack` into
// tenant-mcp-<version>.mcpb. dist/ is self-contained (esbuild bundles every dependency), so the bundle
// carries no node_modules and nothing is installed at run time.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'skip-build': { type: 'boolean' },
    'stage-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
if (manifest.version !== pkg.version) {
  throw new Error(`manifest.json version ${manifest.version} differs from package.json's ${pkg.version}.`);
}
// Staged outside the checkout, so nothing there can resolve the repository's node_modules by accident.
const stage = resolve(values['stage-dir'] ?? mkdtempSync(join(tmpdir(), 'tenant-mcp-bundle-')));
const out = resolve(values.out ?? join(root, `${pkg.name}-${pkg.version}.mcpb`));

if (!values['skip-build'])
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build.');

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true });
copyFileSync(join(root, 'manifest.json'), join(stage, 'manifest.json'));
for (const file of ['README.md', 'LICENSE']) {
  if (existsSync(join(root, file))) copyFileSync(join(root, file), join(stage, file));
}
// Every library the server runs on is inside dist/ (package.json lists them as devDependencies, so
// neither npm nor a desktop host installs anything at run time).
const { devDependencies: _dev, scripts: _scripts, files: _files, ...shipped } = pkg;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);

const mcpb = join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
execFileSync(process.execPath, [mcpb, 'pack', stage, out], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const kb = statSync(out).size / 1024;
process.stdout.write(`${out} (${kb.toFixed(0)} kB), staged in ${stage}\n`);
