// Pins the one-line configuration errors (exit code 2) and the sandbox fallback the README promises.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';

const TOOLSETS = ['users', 'logs', 'roles'];

describe('loadConfig', () => {
  it('falls back to the sandbox when no AUTH0_* variable is set', () => {
    expect(loadConfig({}, {}, TOOLSETS)).toEqual({ mode: 'sandbox', profile: 'read-only', toolsets: [] });
  });

  it('reads client credentials, audience and a scheme-bearing domain as is', () => {
    const config = loadConfig(
      { profile: 'admin', toolsets: 'users, logs' },
      {
        AUTH0_DOMAIN: 'http://127.0.0.1:4010',
        AUTH0_CLIENT_ID: 'id',
        AUTH0_CLIENT_SECRET: 's3cret',
        AUTH0_AUDIENCE: 'https://api.example.com/',
      },
      TOOLSETS,
    );
    expect(config).toEqual({
      mode: 'tenant',
      domain: 'http://127.0.0.1:4010',
      auth: {
        kind: 'client_credentials',
        clientId: 'id',
        clientSecret: 's3cret',
        audience: 'https://api.example.com/',
      },
      profile: 'admin',
      toolsets: ['users', 'logs'],
    });
  });

  it('accepts a static token', () => {
    const config = loadConfig({}, { AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_TOKEN: 'tok' }, TOOLSETS);
    expect(config.auth).toEqual({ kind: 'token', token: 'tok' });
  });

  it.each([
    [{ AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 's' }, /AUTH0_DOMAIN is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com' }, /AUTH0_CLIENT_ID is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_CLIENT_ID: 'id' }, /AUTH0_CLIENT_SECRET is missing/],
    [{ AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_TOKEN: 't', AUTH0_CLIENT_ID: 'id' }, /both set/],
    [
      { AUTH0_DOMAIN: 'acme.auth0.com', AUTH0_TOKEN: 't', AUTH0_AUDIENCE: 'x' },
      /AUTH0_AUDIENCE only applies/,
    ],
    [{ AUTH0_DOMAIN: 'not a host', AUTH0_TOKEN: 't' }, /not a host name/],
    [{ AUTH0_DOMAIN: 'ftp://acme.auth0.com', AUTH0_TOKEN: 't' }, /must use https/],
    [{ AUTH0_DOMAIN: 'http://tenant.example.com', AUTH0_TOKEN: 't' }, /plain http/],
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => loadConfig({}, env, TOOLSETS)).toThrow(ConfigError);
    expect(() => loadConfig({}, env, TOOLSETS)).toThrow(message);
  });

  it('names an unknown profile and an unknown toolset', () => {
    expect(() => loadConfig({ profile: 'root' }, {}, TOOLSETS)).toThrow(
      /Unknown profile "root".*read-only, admin/,
    );
    expect(() => loadConfig({ toolsets: 'users,userz' }, {}, TOOLSETS)).toThrow(/Unknown toolset "userz"/);
  });

  it('expands --toolsets all', () => {
    expect(loadConfig({ toolsets: 'all' }, {}, TOOLSETS).toolsets).toEqual(TOOLSETS);
  });

  it('allows plain http to a non-loopback host only when explicitly told to', () => {
    const env = {
      AUTH0_DOMAIN: 'http://proxy.internal:8080',
      AUTH0_TOKEN: 't',
      TENANT_MCP_ALLOW_INSECURE_HTTP: '1',
    };
    expect(loadConfig({}, env, TOOLSETS).mode).toBe('tenant');
  });
});
