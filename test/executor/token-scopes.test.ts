// Pins how the executor reads a token's granted scopes, which the gate uses to refuse before sending.
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/executor/index.js';
import { scopesOfToken } from '../../src/executor/token-scopes.js';
import { startRecordingUpstream } from '../helpers/recording-upstream.js';

const jwt = (payload: object) =>
  ['e30', Buffer.from(JSON.stringify(payload)).toString('base64url'), 'sig'].join('.');

describe('scopesOfToken', () => {
  it('reads the space-separated scope claim', () => {
    expect(scopesOfToken(jwt({ scope: 'read:users  update:users' }))).toEqual(
      new Set(['read:users', 'update:users']),
    );
  });

  it.each([['opaque-token'], [jwt({ sub: 'x' })], ['a.%%%.c']])('answers undefined for %s', (token) => {
    expect(scopesOfToken(token)).toBeUndefined();
  });
});

describe('executor.grantedScopes', () => {
  it('reads the static token', async () => {
    const executor = createExecutor({
      domain: 'http://127.0.0.1:9',
      auth: { kind: 'token', token: jwt({ scope: 'read:logs' }) },
    });
    expect(await executor.grantedScopes?.()).toEqual(new Set(['read:logs']));
    await executor.close();
  });

  it('fetches a client-credentials token once and reads it', async () => {
    const upstream = await startRecordingUpstream({ tokenEndpoint: false });
    upstream.script({
      status: 200,
      body: { access_token: jwt({ scope: 'read:users' }), token_type: 'Bearer', expires_in: 3600 },
    });
    const executor = createExecutor({
      domain: upstream.url,
      auth: { kind: 'client_credentials', clientId: 'id', clientSecret: 'secret' },
    });
    expect(await executor.grantedScopes?.()).toEqual(new Set(['read:users']));
    expect(await executor.grantedScopes?.()).toEqual(new Set(['read:users']));
    expect(upstream.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);
    await executor.close();
    await upstream.close();
  });
});
