// The stdio transport under hostile frames, against the built CLI: a line over the limit once ended the
// server with exit 0 and nothing on stderr, and malformed JSON-RPC got no answer at all. Now each gets
// the spec's error (for the request's own id when the frame shows it) and the server keeps serving.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStdioTransport, idOfFrame, MAX_STDIO_MESSAGE_BYTES } from '../../src/server/stdio.js';
import { CLI } from '../helpers/mcp-client.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC answers are read by path
type Answer = Record<string, any>;

describe('idOfFrame', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":7,"method":"tools/call"', '', 7],
    ['{"id":"abc","jsonrpc":"2.0"', '', 'abc'],
    ['{"method":"tools/call","params":{"arguments":{"id":"auth0|1"', '"x"}},"jsonrpc":"2.0","id":12}', 12],
    ['{"method":"tools/call","params":{"id":3', 'xxxx', null],
  ])('reads the id of %s … %s', (head, tail, id) => {
    expect(idOfFrame(head, tail)).toBe(id);
  });
});

describe('createStdioTransport', () => {
  it('drops an oversized line as it arrives, answers for its id and takes the next line', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const transport = createStdioTransport({ stdin, stdout, maxMessageBytes: 1000 });
    const received: unknown[] = [];
    transport.onmessage = (message) => received.push(message);
    await transport.start();
    stdin.write('{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"x":"');
    for (let i = 0; i < 50; i++) stdin.write('y'.repeat(1000));
    stdin.write('"}}\n{"jsonrpc":"2.0","id":42,"method":"ping"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    const answers = String(stdout.read() ?? '')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toEqual([
      {
        jsonrpc: '2.0',
        id: 41,
        error: { code: -32600, message: expect.stringContaining('over the 1000-byte limit') },
      },
    ]);
    expect(received).toEqual([{ jsonrpc: '2.0', id: 42, method: 'ping' }]);
    await transport.close();
  });
});

describe('the stdio server with hostile frames (built CLI, embedded sandbox)', () => {
  let child: ChildProcessWithoutNullStreams;
  let stderr = '';
  let buffered = '';
  const waiting: Array<(answer: Answer) => void> = [];
  const answers: Answer[] = [];

  function next(): Promise<Answer> {
    const ready = answers.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => waiting.push(resolve));
  }

  async function send(line: string | Buffer): Promise<Answer> {
    child.stdin.write(line);
    child.stdin.write('\n');
    return next();
  }

  beforeAll(async () => {
    child = spawn(process.execPath, [CLI], {
      env: {
        PATH: process.env.PATH ?? '',
        TENANT_MCP_STATE_DIR: mkdtempSync(join(tmpdir(), 'tenant-mcp-stdio-')),
      },
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let at = buffered.indexOf('\n'); at !== -1; at = buffered.indexOf('\n')) {
        const answer = JSON.parse(buffered.slice(0, at)) as Answer;
        buffered = buffered.slice(at + 1);
        const resolve = waiting.shift();
        if (resolve) resolve(answer);
        else answers.push(answer);
      }
    });
    const init = await send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'hostile', version: '1' },
        },
      }),
    );
    expect(init.result.serverInfo.name).toBe('tenant-mcp');
    child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill();
  });

  it('answers a 10 MiB line with an error for its id and keeps serving', async () => {
    const big = Buffer.from(
      `{"method":"tools/call","params":{"name":"find_users","arguments":{"query":"${'x'.repeat(10 * 1024 * 1024)}"}},"jsonrpc":"2.0","id":7}`,
    );
    const answer = await send(big);
    expect(answer.id).toBe(7);
    expect(answer.error.code).toBe(-32600);
    expect(answer.error.message).toContain(`over the ${MAX_STDIO_MESSAGE_BYTES}-byte limit`);
    const listed = await send('{"jsonrpc":"2.0","id":8,"method":"tools/list"}');
    expect(listed.result.tools.length).toBeGreaterThan(3);
    expect(stderr).toContain('refused a stdio message of');
    expect(child.exitCode).toBeNull();
  });

  it.each([
    ['a line that is not JSON', '{"jsonrpc":"2.0","id":', -32700, null],
    ['JSON that is not JSON-RPC', '{"hello":"world","id":3}', -32600, 3],
    ['a batch', '[{"jsonrpc":"2.0","id":9,"method":"tools/list"}]', -32600, null],
    ['a request with a wrong jsonrpc version', '{"jsonrpc":"1.0","id":"q","method":"ping"}', -32600, 'q'],
    ['tools/call without params', '{"jsonrpc":"2.0","id":10,"method":"tools/call"}', -32602, 10],
    [
      'an unknown tool',
      '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"nope"}}',
      -32602,
      11,
    ],
  ])('answers %s with %s', async (_what, line, code, id) => {
    const answer = await send(line);
    expect(answer.error.code).toBe(code);
    expect(answer.id).toBe(id);
    expect(answer.error.message).not.toContain('"expected"');
  });

  it('still answers a tool call after all of that, and exits 0 when stdin ends', async () => {
    const call = await send(
      '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search_operations","arguments":{"query":"failed logins"}}}',
    );
    expect(call.result.content[0].text).toContain('get_logs');
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });
});
