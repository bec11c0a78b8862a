// Guessing tokens is slow: after ten failed authentications an address waits (429 with Retry-After),
// while a client that authenticates never counts against itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpCli, startHttpCli } from '../helpers/mcp-client.js';
import { INITIALIZE, raw } from './raw-request.js';

const TOKEN = 'lockout-test-token-0123456789';

describe('failed authentications per address', () => {
  let cli: HttpCli;
  beforeAll(async () => {
    cli = await startHttpCli([], { TENANT_MCP_HTTP_TOKEN: TOKEN });
  });
  afterAll(() => cli?.stop());

  it('lets a good token through any number of times', async () => {
    for (let i = 0; i < 15; i++) {
      const answer = await raw(cli.url, { body: INITIALIZE, token: TOKEN });
      expect(answer.status).toBe(200);
    }
  });

  it('answers 401 ten times, then 429 with Retry-After, to wrong tokens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await raw(cli.url, { body: INITIALIZE, token: `wrong-${i}` })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const locked = await raw(cli.url, { body: INITIALIZE, token: TOKEN });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
