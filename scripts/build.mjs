// Bundles the CLI with esbuild: one small entry plus lazily loaded chunks (input schemas, sandbox), so a
// cold start parses only what answering `initialize` needs.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "import { createRequire as __tenantMcpRequire } from 'node:module'; const require = __tenantMcpRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
