/**
 * Reads the environment and command-line flags into one checked configuration. A missing or contradictory
 * setting is a one-line error naming it; the CLI prints it and exits with code 2.
 */
import { isProfileName, PROFILE_NAMES, type ProfileName } from '../policy/profiles.js';

/** How the server authenticates to the tenant. */
export type TenantAuth =
  | { kind: 'token'; token: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; audience?: string };

/** The checked configuration. */
export interface Config {
  /** `sandbox` when no tenant is configured: an embedded sandbox is started. */
  mode: 'sandbox' | 'tenant';
  /** `AUTH0_DOMAIN` as given (tenant mode only). */
  domain?: string;
  /** Tenant credentials (tenant mode only). */
  auth?: TenantAuth;
  /** Built-in profile. */
  profile: ProfileName;
  /** Toolsets listed as per-operation tools. */
  toolsets: string[];
}

/** A configuration error; its message is one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Flags the CLI parsed. */
export interface ConfigFlags {
  /** `--profile`. */
  profile?: string;
  /** `--toolsets`, comma-separated. */
  toolsets?: string;
}

/** Builds the configuration from flags and environment; `knownToolsets` checks `--toolsets`. */
export function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  knownToolsets: readonly string[],
): Config {
  const profile = flags.profile ?? env.TENANT_MCP_PROFILE ?? 'read-only';
  if (!isProfileName(profile)) {
    throw new ConfigError(
      `Unknown profile "${profile}" (--profile): use one of ${PROFILE_NAMES.join(', ')}.`,
    );
  }
  const toolsets = parseToolsets(flags.toolsets, knownToolsets);
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const domain = get('AUTH0_DOMAIN');
  const token = get('AUTH0_TOKEN');
  const clientId = get('AUTH0_CLIENT_ID');
  const clientSecret = get('AUTH0_CLIENT_SECRET');
  const audience = get('AUTH0_AUDIENCE');
  if (!domain && !token && !clientId && !clientSecret && !audience) {
    return { mode: 'sandbox', profile, toolsets };
  }
  if (!domain)
    throw new ConfigError('AUTH0_DOMAIN is missing: set it to your tenant domain, e.g. acme.eu.auth0.com.');
  checkDomain(domain, env);
  if (token && (clientId || clientSecret)) {
    throw new ConfigError(
      'AUTH0_TOKEN and AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET are both set: set one or the other.',
    );
  }
  if (token) {
    if (audience)
      throw new ConfigError('AUTH0_AUDIENCE only applies to client credentials, not to AUTH0_TOKEN.');
    return { mode: 'tenant', domain, auth: { kind: 'token', token }, profile, toolsets };
  }
  if (!clientId) throw new ConfigError('AUTH0_CLIENT_ID is missing (or set AUTH0_TOKEN instead).');
  if (!clientSecret) throw new ConfigError('AUTH0_CLIENT_SECRET is missing (AUTH0_CLIENT_ID is set).');
  return {
    mode: 'tenant',
    domain,
    auth: { kind: 'client_credentials', clientId, clientSecret, ...(audience ? { audience } : {}) },
    profile,
    toolsets,
  };
}

function parseToolsets(value: string | undefined, known: readonly string[]): string[] {
  if (!value) return [];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...known];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new ConfigError(`Unknown toolset "${unknown[0]}" (--toolsets): known are ${known.join(', ')}.`);
  }
  return names;
}

function checkDomain(domain: string, env: NodeJS.ProcessEnv): void {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(domain)) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain)) {
      throw new ConfigError(`AUTH0_DOMAIN "${domain}" is not a host name (e.g. acme.eu.auth0.com).`);
    }
    return;
  }
  let url: URL;
  try {
    url = new URL(domain);
  } catch {
    throw new ConfigError(`AUTH0_DOMAIN "${domain}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`AUTH0_DOMAIN must use https:// (or http:// on loopback), not ${url.protocol}`);
  }
  const loopback =
    ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !loopback && env.TENANT_MCP_ALLOW_INSECURE_HTTP !== '1') {
    throw new ConfigError(
      `AUTH0_DOMAIN uses plain http:// to ${url.hostname}: credentials would travel unencrypted; use https:// ` +
        '(or set TENANT_MCP_ALLOW_INSECURE_HTTP=1 for a trusted proxy).',
    );
  }
}
