// The person's token goes only to the calls that create the application, and no message carries it;
// a grant that fails takes the half-made application away again.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApplication, Masker, TenantApiError } from '../../src/setup/tenant-api.js';

const TOKEN = 'person-token-eyJhbGciOi-0123456789';
let close: (() => void) | undefined;
afterEach(() => close?.());

/** A tenant that creates clients, refuses grants with a message quoting the token, and records each call. */
async function refusingTenant(deleteStatus = 204) {
  const calls: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    calls.push({
      method: String(req.method),
      url: String(req.url),
      authorization: req.headers.authorization,
    });
    req.resume();
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/api/v2/clients') {
      res.statusCode = 201;
      res.end(JSON.stringify({ client_id: 'cid123', client_secret: 'created-secret-0123456789' }));
    } else if (req.url === '/api/v2/client-grants') {
      res.statusCode = 403;
      res.end(JSON.stringify({ message: `Insufficient scope for ${TOKEN}` }));
    } else {
      res.statusCode = deleteStatus;
      res.end(deleteStatus === 204 ? '' : JSON.stringify({ message: 'nope' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const options = { personToken: TOKEN, name: 'n', description: 'd', audience: 'a', scopes: ['read:users'] };

describe('createApplication', () => {
  it('deletes the application again when the grant fails, and masks the token in the message', async () => {
    const { origin, calls } = await refusingTenant();
    const masker = new Masker();
    masker.add(TOKEN);
    const error = (await createApplication({ origin, masker }, options).catch(
      (e: unknown) => e,
    )) as TenantApiError;
    expect(error).toBeInstanceOf(TenantApiError);
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      'granting the application its scopes: 403 Insufficient scope for *** (the token or key lacks the right for this); the application cid123 was deleted again',
    );
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v2/clients',
      'POST /api/v2/client-grants',
      'DELETE /api/v2/clients/cid123',
    ]);
    expect(calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('says so when even the clean-up fails, naming the application to delete by hand', async () => {
    const { origin } = await refusingTenant(500);
    const error = (await createApplication({ origin, masker: new Masker() }, options).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(
      /deleting the application cid123 failed too \(deleting the application: 500 nope\): delete it in the dashboard$/,
    );
  });

  it('names an unreachable tenant without a stack', async () => {
    const { origin } = await refusingTenant();
    close?.();
    close = undefined;
    const error = (await createApplication({ origin, masker: new Masker() }, options).catch(
      (e: unknown) => e,
    )) as TenantApiError;
    expect([error.status, error.message]).toEqual([
      0,
      `creating the application: ${origin} cannot be reached (ECONNREFUSED)`,
    ]);
  });
});
