// Every shared-state and proxy setting refuses a bad value with one line naming it (and never echoes a
// Redis password); the redacted URL is what reaches the logs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, sharedStateFrom } from '../../src/server/config.js';
import { clientAddress, parseTrustedProxies } from '../../src/server/http/guards.js';
import { httpSettingsFrom } from '../../src/server/http/settings.js';
import { connectSharedRedis, redactRedisUrl } from '../../src/shared/redis.js';
import { freePort } from './redis-server.js';

const KEY = 'k'.repeat(32);
const base = { TENANT_MCP_REDIS_URL: 'redis://127.0.0.1:6379', TENANT_MCP_STATE_KEY: KEY };

function refused(env: Record<string, string>): string {
  try {
    sharedStateFrom(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('TENANT_MCP_REDIS_*', () => {
  it('is off when unset, with defaults when only the URL and key are given', () => {
    expect(sharedStateFrom({})).toBeUndefined();
    expect(sharedStateFrom(base)).toEqual({
      url: 'redis://127.0.0.1:6379',
      namespace: 'tenant-mcp',
      timeoutMs: 1000,
      degraded: 'none',
    });
    expect(
      sharedStateFrom({
        ...base,
        TENANT_MCP_REDIS_URL: 'rediss://u:p@redis.internal:6380/2',
        TENANT_MCP_REDIS_NAMESPACE: 'prod.mcp-1',
        TENANT_MCP_REDIS_TIMEOUT_MS: '250',
        TENANT_MCP_REDIS_DEGRADED: 'reads',
      }),
    ).toMatchObject({ namespace: 'prod.mcp-1', timeoutMs: 250, degraded: 'reads' });
  });

  it.each([
    [
      { TENANT_MCP_REDIS_URL: 'http://u:hunter2secret@h:6379' },
      /TENANT_MCP_REDIS_URL must start with redis:\/\/ or rediss:\/\//,
    ],
    [{ TENANT_MCP_REDIS_URL: 'not a url hunter2secret' }, /TENANT_MCP_REDIS_URL is not a URL/],
    [
      { TENANT_MCP_REDIS_URL: 'redis://u:hunter2secret@h:6379/x' },
      /TENANT_MCP_REDIS_URL: the path must be a database number/,
    ],
    [{ TENANT_MCP_REDIS_NAMESPACE: 'has space' }, /TENANT_MCP_REDIS_NAMESPACE "has space" must be 1 to 64/],
    [{ TENANT_MCP_REDIS_NAMESPACE: `${'n'.repeat(65)}` }, /TENANT_MCP_REDIS_NAMESPACE/],
    [
      { TENANT_MCP_REDIS_TIMEOUT_MS: '5' },
      /TENANT_MCP_REDIS_TIMEOUT_MS "5" must be a whole number from 10 to 60000/,
    ],
    [{ TENANT_MCP_REDIS_TIMEOUT_MS: '1.5' }, /TENANT_MCP_REDIS_TIMEOUT_MS/],
    [{ TENANT_MCP_REDIS_DEGRADED: 'writes' }, /TENANT_MCP_REDIS_DEGRADED "writes" must be reads/],
    [{ TENANT_MCP_STATE_KEY: '' }, /TENANT_MCP_REDIS_URL is set but TENANT_MCP_STATE_KEY is not/],
  ])('refuses %o, naming the setting', (change, message) => {
    const text = refused({ ...base, ...change });
    expect(text).toMatch(message);
    expect(text).not.toContain('hunter2secret');
  });

  it('refuses a companion setting without the URL', () => {
    expect(refused({ TENANT_MCP_REDIS_DEGRADED: 'reads' })).toBe(
      'TENANT_MCP_REDIS_DEGRADED is set but TENANT_MCP_REDIS_URL is not.',
    );
  });

  it('stops the built CLI with exit 2 and the one line', () => {
    const run = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'dist', 'cli.js')], {
      env: { PATH: process.env.PATH ?? '', ...base, TENANT_MCP_REDIS_TIMEOUT_MS: 'soon' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'tenant-mcp: TENANT_MCP_REDIS_TIMEOUT_MS "soon" must be a whole number from 10 to 60000.',
    );
  });

  it('never logs the password: the URL is redacted', async () => {
    expect(redactRedisUrl('redis://app:hunter2secret@h:6379/0')).toBe('redis://app:***@h:6379/0');
    const lines: string[] = [];
    const port = await freePort();
    const redis = connectSharedRedis({
      url: `redis://app:hunter2secret@127.0.0.1:${port}`,
      namespace: 't',
      timeoutMs: 100,
      log: (line) => lines.push(line),
    });
    await expect(redis.ready(300)).rejects.toMatchObject({ name: 'SharedStateUnavailable' });
    await expect(redis.eval('return 1', [], [])).rejects.toThrow(
      /Redis \(TENANT_MCP_REDIS_URL\) is unavailable/,
    );
    await redis.close();
    expect(lines.join('\n')).toContain('redis://app:***@127.0.0.1');
    expect(lines.join('\n')).not.toContain('hunter2secret');
  });
});

describe('TENANT_MCP_TRUSTED_PROXIES', () => {
  const http = (value: string) =>
    httpSettingsFrom({ insecureNoAuth: true }, { TENANT_MCP_TRUSTED_PROXIES: value });

  it('takes addresses and CIDR ranges, v4 and v6', () => {
    expect(http('127.0.0.1, 10.0.0.0/8, ::1, fd00::/8').trustedProxies).toBeDefined();
  });

  it.each(['localhost', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '300.1.1.1', '10.0.0.0/x'])(
    'refuses %s, naming the setting',
    (value) => {
      expect(() => http(value)).toThrow(
        new ConfigError(
          `TENANT_MCP_TRUSTED_PROXIES: "${value}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1).`,
        ),
      );
    },
  );

  it('believes X-Forwarded-For only from a trusted peer, read from the right', () => {
    const list = (parseTrustedProxies('127.0.0.1,10.0.0.0/8') as { list: import('node:net').BlockList }).list;
    const request = (peer: string, forwarded?: string) =>
      ({
        socket: { remoteAddress: peer },
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      }) as never;
    expect(clientAddress(request('203.0.113.5', '198.51.100.1'), list)).toBe('203.0.113.5');
    expect(clientAddress(request('::ffff:127.0.0.1', '198.51.100.1'), list)).toBe('198.51.100.1');
    expect(clientAddress(request('127.0.0.1', '198.51.100.9, 198.51.100.1, 10.1.2.3'), list)).toBe(
      '198.51.100.1',
    );
    expect(clientAddress(request('127.0.0.1', 'garbage'), list)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1'), list)).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.1', '198.51.100.1'), undefined)).toBe('127.0.0.1');
  });
});

describe('TENANT_MCP_SHUTDOWN_GRACE_SECONDS', () => {
  it('defaults to 10 s and refuses what is not whole seconds up to 300', () => {
    expect(httpSettingsFrom({ insecureNoAuth: true }, {}).shutdownGraceMs).toBe(10_000);
    expect(() =>
      httpSettingsFrom({ insecureNoAuth: true }, { TENANT_MCP_SHUTDOWN_GRACE_SECONDS: '301' }),
    ).toThrow(/TENANT_MCP_SHUTDOWN_GRACE_SECONDS "301" must be a whole number of seconds from 0 to 300/);
  });
});
