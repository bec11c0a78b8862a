// Pins the deferred executor the CLI uses to answer `initialize` before the tenant side exists.
import { describe, expect, it } from 'vitest';
import { createDeferredExecutor } from '../../src/executor/deferred.js';
import { TenantError } from '../../src/executor/errors.js';
import type { Executor } from '../../src/executor/types.js';

const fake: Executor = {
  baseUrl: 'http://real/api/v2',
  send: async (request) => ({ status: 200, headers: {}, body: request.path, attempts: 1, durationMs: 0 }),
  close: async () => {},
};

describe('createDeferredExecutor', () => {
  it('builds the real executor once, on first use, and forwards to it', async () => {
    let built = 0;
    const deferred = createDeferredExecutor(async () => {
      built++;
      return fake;
    }, 'pending');
    expect(built).toBe(0);
    expect(deferred.baseUrl).toBe('pending');
    const answers = await Promise.all([1, 2, 3].map(() => deferred.send({ method: 'GET', path: '/roles' })));
    expect(answers.map((a) => a.body)).toEqual(['/roles', '/roles', '/roles']);
    expect(built).toBe(1);
    expect(deferred.baseUrl).toBe('http://real/api/v2');
  });

  it('turns a failed set-up into a TenantError an agent can read', async () => {
    const deferred = createDeferredExecutor(async () => {
      throw new Error('port 4010 is in use');
    }, 'pending');
    const failure = deferred.send({ method: 'GET', path: '/roles' });
    await expect(failure).rejects.toBeInstanceOf(TenantError);
    await expect(failure).rejects.toThrow(
      /Could not set up the connection to the tenant: port 4010 is in use/,
    );
  });

  it('closes without building anything when never used', async () => {
    let built = 0;
    const deferred = createDeferredExecutor(async () => {
      built++;
      return fake;
    }, 'pending');
    await deferred.close();
    expect(built).toBe(0);
  });
});
