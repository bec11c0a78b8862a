import { spawn } from 'node:child_process';
import { startSandbox } from '../src/sandbox/index.js';
const era = process.argv[2] ?? 'legacy';
const sandbox = await startSandbox({ port: 0 });
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof-call', 'dist/cli.js'], {
  env: { PATH: process.env.PATH!, HOME: process.env.HOME!, TENANT_MCP_STATE_DIR: '/tmp/bst-call', AUTH0_DOMAIN: sandbox.url, AUTH0_CLIENT_ID: sandbox.clientId, AUTH0_CLIENT_SECRET: sandbox.clientSecret },
  stdio: ['pipe', 'pipe', 'inherit'],
});
let buf = ''; const waiting = new Map<number, () => void>();
child.stdout.on('data', (c: Buffer) => { buf += c; let i; while ((i = buf.indexOf('\n')) >= 0) { const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1); waiting.get(m.id)?.(); } });
let id = 0;
const meta = era === 'modern' ? { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'p', version: '1' } } } : {};
const send = (method: string, params: object) => new Promise<void>((r) => { id++; waiting.set(id, r); child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, ...meta } }) + '\n'); });
if (era === 'legacy') { await send('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'p', version: '1' } }); child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n'); }
else await send('server/discover', {});
for (let i = 0; i < 200; i++) await send('tools/call', { name: 'invoke_read_operation', arguments: { operation: 'get_roles', arguments: {} } });
const t = performance.now();
const N = 2000;
for (let i = 0; i < N; i++) await send('tools/call', { name: 'invoke_read_operation', arguments: { operation: 'get_roles', arguments: {} } });
console.log('per call', ((performance.now() - t) / N).toFixed(3), 'ms');
child.stdin.end();
await new Promise((r) => child.once('exit', r));
await sandbox.close();
