/**
 * Starts a server the way an MCP client would, from a config entry's command, arguments and
 * environment, and speaks just enough MCP over stdio (initialize, initialized, tools/list) to know it
 * serves. Bounded in time and in what it reads; the child is ended however the probe ends.
 */
import { spawn } from 'node:child_process';
import type { ServerLaunch } from './client-configs.js';

/** What the probe saw. */
export type ProbeResult =
  | {
      /** The server answered initialize and tools/list. */
      ok: true;
      /** `serverInfo.name` and version. */
      server: string;
      /** Tools listed. */
      tools: number;
    }
  | {
      /** It did not. */
      ok: false;
      /** Why, with the last stderr line when there is one. */
      reason: string;
    };

const MAX_LINE = 4 * 1024 * 1024;

/** Runs `launch` with `baseEnv` plus its own env and checks it serves MCP over stdio. */
export function probeServer(
  launch: ServerLaunch,
  baseEnv: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(launch.command, launch.args, {
        env: { ...baseEnv, ...launch.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      resolve({ ok: false, reason: `${launch.command} cannot start: ${(error as Error).message}` });
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    let serverName = '';
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin?.end();
      // Closing stdin ends a stdio server; one that lingers is killed.
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => clearTimeout(kill));
      if (child.exitCode !== null || child.signalCode !== null) clearTimeout(kill);
      resolve(result);
    };
    const lastError = () => {
      const line = stderr.trim().split('\n').filter(Boolean).pop();
      return line ? `: ${line.slice(0, 400)}` : '';
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `no answer within ${Math.round(timeoutMs / 1000)} s${lastError()}` }),
      timeoutMs,
    );
    const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);
    child.once('error', (error) =>
      finish({ ok: false, reason: `${launch.command} cannot start: ${(error as Error).message}` }),
    );
    child.once('exit', (code, signal) =>
      finish({
        ok: false,
        reason: `the server exited (${signal ?? `code ${code}`}) before answering${lastError()}`,
      }),
    );
    child.stdin?.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.length > MAX_LINE) {
        finish({ ok: false, reason: 'the server wrote more than 4 MiB without a line break' });
        return;
      }
      let newline = stdout.indexOf('\n');
      while (newline >= 0) {
        const line = stdout.slice(0, newline).trim();
        stdout = stdout.slice(newline + 1);
        newline = stdout.indexOf('\n');
        if (!line) continue;
        let message: { id?: unknown; result?: Record<string, unknown>; error?: { message?: unknown } };
        try {
          message = JSON.parse(line);
        } catch {
          finish({
            ok: false,
            reason: `the server wrote something that is not JSON-RPC on stdout: ${line.slice(0, 120)}`,
          });
          return;
        }
        if (message.error) {
          finish({ ok: false, reason: `the server refused: ${String(message.error.message)}` });
          return;
        }
        if (message.id === 1) {
          const info = message.result?.serverInfo as { name?: unknown; version?: unknown } | undefined;
          serverName = `${String(info?.name ?? '?')} ${String(info?.version ?? '')}`.trim();
          send({ jsonrpc: '2.0', method: 'notifications/initialized' });
          send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
        } else if (message.id === 2) {
          const tools = message.result?.tools;
          finish({ ok: true, server: serverName, tools: Array.isArray(tools) ? tools.length : 0 });
          return;
        }
      }
    });
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'tenant-mcp-doctor', version: '1' },
      },
    });
  });
}
