/**
 * Reads the environment, command-line flags and the optional policy file into one checked configuration.
 * A missing or contradictory setting is a one-line error naming it; the CLI prints it and exits with 2.
 */

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PolicyFileError } from '../policy/policy-error.js';
import type { PolicyFile } from '../policy/policy-file.js';
import { resolveProfile } from '../policy/profiles.js';
import type { Profile } from '../policy/types.js';

/** How the server authenticates to the tenant. */
export type TenantAuth =
  | { kind: 'token'; token: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; audience?: string };

/** The checked configuration. */
export interface Config {
  /** `sandbox` when no tenant is configured: an embedded sandbox is started. */
  mode: 'sandbox' | 'tenant';
  /** The tenant's name (a policy-file tenant, `default` for `AUTH0_*`, `sandbox`) and connection. */
  tenant: { name: string; domain?: string; auth?: TenantAuth };
  /** The resolved profile. */
  profile: Profile;
  /** Toolsets listed as per-operation tools. */
  toolsets: string[];
  /** Where approvals (and the default audit log) live. */
  stateDir: string;
  /** The audit trail file. */
  auditLog: string;
  /** Lifetime of approvals in milliseconds. */
  approvalTtlMs: number;
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
  /** `--policy FILE`. */
  policy?: string;
  /** `--tenant NAME` (from the policy file). */
  tenant?: string;
  /** `--audit-log FILE`. */
  auditLog?: string;
}

/** The state directory: `TENANT_MCP_STATE_DIR`, or `~/.tenant-mcp`. */
export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  const configured = env.TENANT_MCP_STATE_DIR?.trim();
  if (configured) return isAbsolute(configured) ? configured : resolve(configured);
  return join(homedir(), '.tenant-mcp');
}

/**
 * Builds the configuration from flags and environment; `knownToolsets` checks `--toolsets`. The policy
 * file's parser (YAML) is loaded only when a policy file or a named tenant is asked for, to keep it off
 * the cold-start path.
 */
export async function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  knownToolsets: readonly string[],
): Promise<Config> {
  const toolsets = parseToolsets(flags.toolsets, knownToolsets);
  const stateDir = stateDirFrom(env);
  const auditLog = flags.auditLog ?? env.TENANT_MCP_AUDIT_LOG?.trim() ?? join(stateDir, 'audit.jsonl');
  const approvalTtlMs = parseTtl(env.TENANT_MCP_APPROVAL_TTL_SECONDS);
  const common = { toolsets, stateDir, auditLog: auditLog || join(stateDir, 'audit.jsonl'), approvalTtlMs };

  const policyPath = flags.policy ?? env.TENANT_MCP_POLICY?.trim();
  const policyFile = policyPath || flags.tenant ? await import('../policy/policy-file.js') : undefined;
  const policy = policyPath ? guard(() => policyFile!.loadPolicyFile(policyPath)) : undefined;
  const named = policyFile ? guard(() => policyFile.resolveTenant(policy, flags.tenant, env)) : undefined;
  const get = (name: string) => env[name]?.trim() || undefined;
  const envNames = [
    'AUTH0_DOMAIN',
    'AUTH0_TOKEN',
    'AUTH0_CLIENT_ID',
    'AUTH0_CLIENT_SECRET',
    'AUTH0_AUDIENCE',
  ];

  if (named) {
    const stray = envNames.find((name) => get(name));
    if (stray) {
      throw new ConfigError(
        `${stray} is set but tenant "${named.name}" comes from the policy file: unset one of them.`,
      );
    }
    checkDomain(named.domain, env, `tenant "${named.name}" domain`);
    if (flags.profile && named.profileName && flags.profile !== named.profileName) {
      throw new ConfigError(
        `--profile ${flags.profile} contradicts tenant "${named.name}", which pins profile "${named.profileName}".`,
      );
    }
    const profile = pickProfile(flags.profile ?? named.profileName ?? env.TENANT_MCP_PROFILE, policy);
    return {
      mode: 'tenant',
      tenant: { name: named.name, domain: named.domain, auth: named.auth },
      profile,
      ...common,
    };
  }

  const profile = pickProfile(flags.profile ?? env.TENANT_MCP_PROFILE, policy);
  const domain = get('AUTH0_DOMAIN');
  const token = get('AUTH0_TOKEN');
  const clientId = get('AUTH0_CLIENT_ID');
  const clientSecret = get('AUTH0_CLIENT_SECRET');
  const audience = get('AUTH0_AUDIENCE');
  if (!domain && !token && !clientId && !clientSecret && !audience) {
    return { mode: 'sandbox', tenant: { name: 'sandbox' }, profile, ...common };
  }
  if (!domain)
    throw new ConfigError('AUTH0_DOMAIN is missing: set it to your tenant domain, e.g. acme.eu.auth0.com.');
  checkDomain(domain, env, 'AUTH0_DOMAIN');
  if (token && (clientId || clientSecret)) {
    throw new ConfigError(
      'AUTH0_TOKEN and AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET are both set: set one or the other.',
    );
  }
  const tenant = (auth: TenantAuth) => ({ name: 'default', domain, auth });
  if (token) {
    if (audience)
      throw new ConfigError('AUTH0_AUDIENCE only applies to client credentials, not to AUTH0_TOKEN.');
    return { mode: 'tenant', tenant: tenant({ kind: 'token', token }), profile, ...common };
  }
  if (!clientId) throw new ConfigError('AUTH0_CLIENT_ID is missing (or set AUTH0_TOKEN instead).');
  if (!clientSecret) throw new ConfigError('AUTH0_CLIENT_SECRET is missing (AUTH0_CLIENT_ID is set).');
  return {
    mode: 'tenant',
    tenant: tenant({ kind: 'client_credentials', clientId, clientSecret, ...(audience ? { audience } : {}) }),
    profile,
    ...common,
  };
}

function pickProfile(name: string | undefined, policy: PolicyFile | undefined): Profile {
  return guard(() => resolveProfile(name ?? 'read-only', policy));
}

/** Policy-file problems are configuration errors too: one line, exit 2. */
function guard<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof PolicyFileError) throw new ConfigError(error.message);
    throw error;
  }
}

function parseTtl(value: string | undefined): number {
  if (!value?.trim()) return 10 * 60_000;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new ConfigError(
      `TENANT_MCP_APPROVAL_TTL_SECONDS "${value}" must be a whole number of seconds from 1 to 86400.`,
    );
  }
  return seconds * 1000;
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

function checkDomain(domain: string, env: NodeJS.ProcessEnv, setting: string): void {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(domain)) {
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain)) {
      throw new ConfigError(`${setting} "${domain}" is not a host name (e.g. acme.eu.auth0.com).`);
    }
    return;
  }
  let url: URL;
  try {
    url = new URL(domain);
  } catch {
    throw new ConfigError(`${setting} "${domain}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${setting} must use https:// (or http:// on loopback), not ${url.protocol}`);
  }
  const loopback =
    ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !loopback && env.TENANT_MCP_ALLOW_INSECURE_HTTP !== '1') {
    throw new ConfigError(
      `${setting} uses plain http:// to ${url.hostname}: credentials would travel unencrypted; use https:// ` +
        '(or set TENANT_MCP_ALLOW_INSECURE_HTTP=1 for a trusted proxy).',
    );
  }
}
