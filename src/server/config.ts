/**
 * Reads the environment, command-line flags and the optional policy file into one checked configuration.
 * A missing or contradictory setting is a one-line error naming it; the CLI prints it and exits with 2.
 */

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { defaultReplicaId, parseReplicaId } from '../policy/audit/replica.js';
import { PolicyFileError } from '../policy/policy-error.js';
import type { PolicyFile } from '../policy/policy-file.js';
import { resolveProfile } from '../policy/profiles.js';
import type { Profile } from '../policy/types.js';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '../tools/providers.js';
import type { Catalog } from '../tools/types.js';

/** The identity providers tenant-mcp speaks to (the provider registry's ids). */
export type Provider = ProviderId;

/** How the server authenticates to the tenant. */
export type TenantAuth =
  | { kind: 'token'; token: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; audience?: string }
  | { kind: 'api_key'; apiKey: string };

/** The checked configuration. */
export interface Config {
  /** `sandbox` when no tenant is configured: an embedded sandbox of the provider is started. */
  mode: 'sandbox' | 'tenant';
  /** The tenant: its name (a policy-file tenant, `default` from the environment, `sandbox`), provider and connection. */
  tenant: { name: string; provider: Provider; domain?: string; auth?: TenantAuth; timeoutMs?: number };
  /** The provider's catalog. */
  catalog: Catalog;
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
  /** The audit trail's rotation and external anchor. */
  auditTrail: {
    /** Rotate past this many bytes (`TENANT_MCP_AUDIT_MAX_BYTES`, default 64 MiB; 0 never). */
    maxBytes: number;
    /** Rotated files kept (`TENANT_MCP_AUDIT_KEEP`, default 16). */
    keep: number;
    /** Where the head is sent as an anchor (`TENANT_MCP_AUDIT_ANCHOR_URL`: https, loopback http, udp syslog). */
    anchorUrl?: string;
    /** How often, in milliseconds (`TENANT_MCP_AUDIT_ANCHOR_INTERVAL`, seconds, default 300). */
    anchorIntervalMs: number;
    /** This replica's id in every record (`TENANT_MCP_REPLICA_ID`, default the host name). */
    replica: string;
    /** Shipping records to a collector (`TENANT_MCP_AUDIT_SHIP_URL`), when set. */
    ship?: {
      /** https, loopback http, or udp syslog. */
      url: string;
      /** `TENANT_MCP_AUDIT_SHIP_AUTHORIZATION`: the `Authorization` header sent with each batch. */
      authorization?: string;
      /** `TENANT_MCP_AUDIT_SHIP_INTERVAL` (seconds, default 2), in milliseconds. */
      intervalMs: number;
      /** `TENANT_MCP_AUDIT_SHIP_BATCH`: records per batch (default 500). */
      maxBatchRecords: number;
    };
  };
  /** `TENANT_MCP_CALL_TIMEOUT`: the per-call deadline in milliseconds (0: none). */
  callTimeoutMs: number;
  /** State shared by replicas in Redis (`TENANT_MCP_REDIS_URL`); absent, everything stays in this process. */
  sharedState?: SharedStateSettings;
  /**
   * Resolves another profile by name against the same policy file and catalog (HTTP principals may carry
   * a different profile than the server's default); throws a {@link ConfigError} for an unknown name.
   */
  profileNamed(name: string): Profile;
}

/** Where replicas share state, from `TENANT_MCP_REDIS_*`. */
export interface SharedStateSettings {
  /** `TENANT_MCP_REDIS_URL`: `redis://` or `rediss://` (never logged with its password). */
  url: string;
  /** `TENANT_MCP_REDIS_NAMESPACE`: the prefix of every key (default `tenant-mcp`). */
  namespace: string;
  /** `TENANT_MCP_REDIS_TIMEOUT_MS`: how long one Redis command may take before it counts as down (default 1000). */
  timeoutMs: number;
  /**
   * `TENANT_MCP_REDIS_DEGRADED`: `reads` lets read operations go on while Redis is down (metered per
   * replica, not shared); `none` (default) refuses every MCP request until Redis is back.
   */
  degraded: 'none' | 'reads';
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
  /** `--provider auth0|monocloud`. */
  provider?: string;
}

/** Loads a provider's catalog (lazily: MonoCloud's is not needed on an Auth0 server). */
export type CatalogLoader = (provider: Provider) => Promise<Catalog>;

/** The state directory: `TENANT_MCP_STATE_DIR`, or `~/.tenant-mcp`. */
export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  const configured = env.TENANT_MCP_STATE_DIR?.trim();
  if (configured) return isAbsolute(configured) ? configured : resolve(configured);
  return join(homedir(), '.tenant-mcp');
}

const AUTH0_ENV = PROVIDERS.auth0.env;
const MONOCLOUD_ENV = PROVIDERS.monocloud.env;

/**
 * Builds the configuration from flags and environment. The provider comes from `--provider`, a
 * policy-file tenant, or whichever credentials are set; its catalog checks `--toolsets` and the profile.
 * The policy file's parser (YAML) loads only when a policy file or a named tenant is asked for, to keep
 * it off the cold-start path.
 */
export async function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  loadCatalog: CatalogLoader,
): Promise<Config> {
  const stateDir = stateDirFrom(env);
  const auditLog = flags.auditLog || env.TENANT_MCP_AUDIT_LOG?.trim() || join(stateDir, 'audit.jsonl');
  const approvalTtlMs = parseTtl(env.TENANT_MCP_APPROVAL_TTL_SECONDS);
  const auditTrail = auditTrailFrom(env);
  const callTimeoutMs = parseCallTimeout(env.TENANT_MCP_CALL_TIMEOUT);
  const sharedState = sharedStateFrom(env);
  const get = (name: string) => env[name]?.trim() || undefined;
  if (flags.provider !== undefined && !PROVIDER_IDS.includes(flags.provider as Provider)) {
    throw new ConfigError(`Unknown provider "${flags.provider}" (--provider): use auth0 or monocloud.`);
  }

  const policyPath = flags.policy ?? env.TENANT_MCP_POLICY?.trim();
  const policyFile = policyPath ? await import('../policy/policy-file.js') : undefined;
  let policy: PolicyFile | undefined;
  if (policyPath) {
    // A policy file may hold profiles and tenants of both providers; catalogs are data, cheap to load.
    const catalogs = { monocloud: await loadCatalog('monocloud') };
    policy = guard(() => policyFile!.loadPolicyFile(policyPath, { catalogs }));
  }
  // `--tenant NAME` is a tenant `tenant-mcp init` stored, unless the policy file has one of that name.
  const stored =
    flags.tenant && !policy?.tenants.has(flags.tenant)
      ? await storedTenant(flags.tenant, stateDir, env, Boolean(policy?.tenants.size))
      : undefined;
  const named =
    stored ?? (policyFile ? guard(() => policyFile.resolveTenant(policy, flags.tenant, env)) : undefined);

  if (named) {
    // A stored tenant's secret may come from the environment instead (it wins); nothing else may.
    const stray = [...AUTH0_ENV, ...MONOCLOUD_ENV.slice(0, 2)].find(
      (name) => get(name) && name !== stored?.secretVariable,
    );
    if (stray) {
      throw new ConfigError(
        `${stray} is set but tenant "${named.name}" comes from ${stored ? 'tenant-mcp init' : 'the policy file'}: unset one of them.`,
      );
    }
    if (flags.provider && flags.provider !== named.provider) {
      throw new ConfigError(
        `--provider ${flags.provider} contradicts tenant "${named.name}", which is ${named.provider}.`,
      );
    }
    checkDomain(named.domain, env, `tenant "${named.name}" domain`);
    if (flags.profile && named.profileName && flags.profile !== named.profileName) {
      throw new ConfigError(
        `--profile ${flags.profile} contradicts tenant "${named.name}", which pins profile "${named.profileName}".`,
      );
    }
    const catalog = await loadCatalog(named.provider);
    return {
      profileNamed: (name) => pickProfile(name, policy, catalog),
      mode: 'tenant',
      tenant: { name: named.name, provider: named.provider, domain: named.domain, auth: named.auth },
      catalog,
      profile: pickProfile(flags.profile ?? named.profileName ?? env.TENANT_MCP_PROFILE, policy, catalog),
      toolsets: parseToolsets(flags.toolsets, catalog),
      stateDir,
      auditLog,
      approvalTtlMs,
      auditTrail,
      callTimeoutMs,
      ...(sharedState ? { sharedState } : {}),
    };
  }

  const auth0Set = AUTH0_ENV.filter((name) => get(name));
  const monocloudSet = MONOCLOUD_ENV.filter((name) => get(name));
  let provider: Provider;
  if (flags.provider) {
    provider = flags.provider as Provider;
    const foreign = provider === 'auth0' ? monocloudSet[0] : auth0Set[0];
    if (foreign)
      throw new ConfigError(
        `${foreign} is set but --provider is ${provider}: unset it or change --provider.`,
      );
  } else if (auth0Set.length && monocloudSet.length) {
    throw new ConfigError(
      `Both ${auth0Set[0]} and ${monocloudSet[0]} are set: choose the provider with --provider auth0|monocloud.`,
    );
  } else {
    provider = monocloudSet.length ? 'monocloud' : 'auth0';
  }
  const catalog = await loadCatalog(provider);
  const common = {
    profileNamed: (name: string) => pickProfile(name, policy, catalog),
    catalog,
    profile: pickProfile(flags.profile ?? env.TENANT_MCP_PROFILE, policy, catalog),
    toolsets: parseToolsets(flags.toolsets, catalog),
    stateDir,
    auditLog,
    approvalTtlMs,
    auditTrail,
    callTimeoutMs,
    ...(sharedState ? { sharedState } : {}),
  };
  const tenant = provider === 'auth0' ? auth0FromEnv(get, env) : monocloudFromEnv(get, env);
  if (!tenant) return { mode: 'sandbox', tenant: { name: 'sandbox', provider }, ...common };
  return { mode: 'tenant', tenant: { name: 'default', provider, ...tenant }, ...common };
}

/**
 * A tenant stored by `tenant-mcp init`, with its secret read from the keychain or its 0600 file;
 * `undefined` when none has that name and a policy file may still have it.
 */
async function storedTenant(name: string, stateDir: string, env: NodeJS.ProcessEnv, policyTenants: boolean) {
  const { loadStoredTenant } = await import('../setup/stored-tenant.js');
  let tenant: Awaited<ReturnType<typeof loadStoredTenant>>;
  try {
    tenant = await loadStoredTenant(name, { stateDir, env });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (!tenant && !policyTenants)
    throw new ConfigError(
      `Unknown tenant "${name}" (--tenant): \`tenant-mcp init\` stored none of that name in ${stateDir}, and no policy file with tenants is given (--policy FILE).`,
    );
  return tenant;
}

type Getter = (name: string) => string | undefined;

function auth0FromEnv(get: Getter, env: NodeJS.ProcessEnv): { domain: string; auth: TenantAuth } | undefined {
  const domain = get('AUTH0_DOMAIN');
  const token = get('AUTH0_TOKEN');
  const clientId = get('AUTH0_CLIENT_ID');
  const clientSecret = get('AUTH0_CLIENT_SECRET');
  const audience = get('AUTH0_AUDIENCE');
  if (!domain && !token && !clientId && !clientSecret && !audience) return undefined;
  if (!domain)
    throw new ConfigError('AUTH0_DOMAIN is missing: set it to your tenant domain, e.g. acme.eu.auth0.com.');
  checkDomain(domain, env, 'AUTH0_DOMAIN');
  if (token && (clientId || clientSecret)) {
    throw new ConfigError(
      'AUTH0_TOKEN and AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET are both set: set one or the other.',
    );
  }
  if (token) {
    if (audience)
      throw new ConfigError('AUTH0_AUDIENCE only applies to client credentials, not to AUTH0_TOKEN.');
    return { domain, auth: { kind: 'token', token } };
  }
  if (!clientId) throw new ConfigError('AUTH0_CLIENT_ID is missing (or set AUTH0_TOKEN instead).');
  if (!clientSecret) throw new ConfigError('AUTH0_CLIENT_SECRET is missing (AUTH0_CLIENT_ID is set).');
  return {
    domain,
    auth: { kind: 'client_credentials', clientId, clientSecret, ...(audience ? { audience } : {}) },
  };
}

function monocloudFromEnv(
  get: Getter,
  env: NodeJS.ProcessEnv,
): { domain: string; auth: TenantAuth; timeoutMs?: number } | undefined {
  const domain = get('MONOCLOUD_MANAGEMENT_DOMAIN');
  const apiKey = get('MONOCLOUD_MANAGEMENT_API_KEY');
  const timeout = get('MONOCLOUD_MANAGEMENT_TIMEOUT');
  if (!domain && !apiKey && !timeout) return undefined;
  if (!domain)
    throw new ConfigError(
      'MONOCLOUD_MANAGEMENT_DOMAIN is missing: set it to your tenant URL, e.g. acme.us.monocloud.com.',
    );
  checkDomain(domain, env, 'MONOCLOUD_MANAGEMENT_DOMAIN');
  if (!apiKey)
    throw new ConfigError('MONOCLOUD_MANAGEMENT_API_KEY is missing (MONOCLOUD_MANAGEMENT_DOMAIN is set).');
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new ConfigError(
        `MONOCLOUD_MANAGEMENT_TIMEOUT "${timeout}" must be a whole number of milliseconds.`,
      );
    }
  }
  return { domain, auth: { kind: 'api_key', apiKey }, ...(timeoutMs ? { timeoutMs } : {}) };
}

function pickProfile(name: string | undefined, policy: PolicyFile | undefined, catalog: Catalog): Profile {
  return guard(() => resolveProfile(name ?? 'read-only', policy, catalog));
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

function wholeNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (!value?.trim()) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} "${value}" must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** The audit trail's rotation and anchor settings; a bad value is one line naming it. */
function auditTrailFrom(env: NodeJS.ProcessEnv): Config['auditTrail'] {
  const maxBytes = wholeNumber(
    'TENANT_MCP_AUDIT_MAX_BYTES',
    env.TENANT_MCP_AUDIT_MAX_BYTES,
    64 * 1024 * 1024,
    0,
    2 ** 40,
  );
  if (maxBytes > 0 && maxBytes < 64 * 1024) {
    throw new ConfigError(
      `TENANT_MCP_AUDIT_MAX_BYTES "${maxBytes}" is under 65536 bytes (or 0 to never rotate).`,
    );
  }
  const keep = wholeNumber('TENANT_MCP_AUDIT_KEEP', env.TENANT_MCP_AUDIT_KEEP, 16, 1, 100_000);
  const anchorIntervalMs =
    wholeNumber('TENANT_MCP_AUDIT_ANCHOR_INTERVAL', env.TENANT_MCP_AUDIT_ANCHOR_INTERVAL, 300, 1, 86_400) *
    1000;
  const anchorUrl = env.TENANT_MCP_AUDIT_ANCHOR_URL?.trim() || undefined;
  if (anchorUrl) checkSenderUrl('TENANT_MCP_AUDIT_ANCHOR_URL', anchorUrl);
  const ship = shipFrom(env);
  const replicaText = env.TENANT_MCP_REPLICA_ID?.trim();
  let replica: string;
  try {
    replica = replicaText ? parseReplicaId(replicaText) : defaultReplicaId();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    maxBytes,
    keep,
    anchorIntervalMs,
    replica,
    ...(anchorUrl ? { anchorUrl } : {}),
    ...(ship ? { ship } : {}),
  };
}

/** `TENANT_MCP_AUDIT_SHIP_*`: where records go, with what credential, how often, in what batches. */
function shipFrom(env: NodeJS.ProcessEnv): Config['auditTrail']['ship'] {
  const url = env.TENANT_MCP_AUDIT_SHIP_URL?.trim() || undefined;
  const authorization = env.TENANT_MCP_AUDIT_SHIP_AUTHORIZATION?.trim() || undefined;
  if (!url) {
    if (authorization) {
      throw new ConfigError(
        'TENANT_MCP_AUDIT_SHIP_AUTHORIZATION is set but TENANT_MCP_AUDIT_SHIP_URL is not.',
      );
    }
    return undefined;
  }
  const parsed = checkSenderUrl('TENANT_MCP_AUDIT_SHIP_URL', url);
  if (authorization) {
    if (parsed.protocol === 'udp:') {
      throw new ConfigError(
        'TENANT_MCP_AUDIT_SHIP_AUTHORIZATION goes with an https:// collector, not syslog over UDP.',
      );
    }
    if (parsed.username || parsed.password) {
      throw new ConfigError(
        'TENANT_MCP_AUDIT_SHIP_URL carries user:password and TENANT_MCP_AUDIT_SHIP_AUTHORIZATION is set: choose one.',
      );
    }
    // Never echoed: it is a credential.
    if (authorization.length > 8192 || /[\r\n\0]/.test(authorization)) {
      throw new ConfigError(
        'TENANT_MCP_AUDIT_SHIP_AUTHORIZATION must be one header value (no line breaks, at most 8192 characters).',
      );
    }
  }
  const intervalMs =
    wholeNumber('TENANT_MCP_AUDIT_SHIP_INTERVAL', env.TENANT_MCP_AUDIT_SHIP_INTERVAL, 2, 1, 3600) * 1000;
  const maxBatchRecords = wholeNumber(
    'TENANT_MCP_AUDIT_SHIP_BATCH',
    env.TENANT_MCP_AUDIT_SHIP_BATCH,
    500,
    1,
    10_000,
  );
  return { url, intervalMs, maxBatchRecords, ...(authorization ? { authorization } : {}) };
}

/**
 * Anchors and shipped records go over https, to loopback over http, or as syslog over UDP
 * (`udp://host:port`). The value is never echoed: its path or user part may be a credential.
 */
function checkSenderUrl(setting: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${setting} is not a URL.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url;
  if (url.protocol === 'udp:' && url.port) return url;
  throw new ConfigError(
    `${setting} must be https://…, http:// on loopback, or udp://host:port (syslog), not ${url.protocol}//${url.host}.`,
  );
}

const REDIS_NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * `TENANT_MCP_REDIS_URL` and its companions; each bad value is one line naming the setting, and the URL is
 * never echoed (it may carry a password). Replicas that share Redis must also share `TENANT_MCP_STATE_KEY`,
 * or a confirmation sealed by one would be refused by the next.
 */
export function sharedStateFrom(env: NodeJS.ProcessEnv): SharedStateSettings | undefined {
  const url = env.TENANT_MCP_REDIS_URL?.trim() || undefined;
  const companions = [
    'TENANT_MCP_REDIS_NAMESPACE',
    'TENANT_MCP_REDIS_TIMEOUT_MS',
    'TENANT_MCP_REDIS_DEGRADED',
  ];
  if (!url) {
    const stray = companions.find((name) => env[name]?.trim());
    if (stray) throw new ConfigError(`${stray} is set but TENANT_MCP_REDIS_URL is not.`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      'TENANT_MCP_REDIS_URL is not a URL: use redis://[user:password@]host:port[/db] or rediss://….',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(
      `TENANT_MCP_REDIS_URL must start with redis:// or rediss:// (TLS), not ${parsed.protocol}//.`,
    );
  }
  if (!parsed.hostname) throw new ConfigError('TENANT_MCP_REDIS_URL names no host.');
  if (parsed.pathname && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname)) {
    throw new ConfigError(
      'TENANT_MCP_REDIS_URL: the path must be a database number (/0 to /99), or nothing.',
    );
  }
  const namespace = env.TENANT_MCP_REDIS_NAMESPACE?.trim() || 'tenant-mcp';
  if (!REDIS_NAMESPACE.test(namespace)) {
    throw new ConfigError(
      `TENANT_MCP_REDIS_NAMESPACE "${namespace.slice(0, 80)}" must be 1 to 64 letters, digits, "_", "-" or ".", starting with a letter or digit.`,
    );
  }
  const timeoutMs = wholeNumber(
    'TENANT_MCP_REDIS_TIMEOUT_MS',
    env.TENANT_MCP_REDIS_TIMEOUT_MS,
    1000,
    10,
    60_000,
  );
  const degradedText = env.TENANT_MCP_REDIS_DEGRADED?.trim().toLowerCase() || 'none';
  if (degradedText !== 'none' && degradedText !== 'reads') {
    throw new ConfigError(
      `TENANT_MCP_REDIS_DEGRADED "${env.TENANT_MCP_REDIS_DEGRADED?.trim().slice(0, 40)}" must be reads (reads go on while Redis is down) or none.`,
    );
  }
  if (!env.TENANT_MCP_STATE_KEY?.trim()) {
    throw new ConfigError(
      'TENANT_MCP_REDIS_URL is set but TENANT_MCP_STATE_KEY is not: replicas that share Redis must share one key (at least 32 characters, e.g. `openssl rand -hex 32`).',
    );
  }
  return { url, namespace, timeoutMs, degraded: degradedText };
}

/** Default of `TENANT_MCP_CALL_TIMEOUT`: a GET and its retry at the per-attempt timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/**
 * `TENANT_MCP_CALL_TIMEOUT`: seconds (`60`, `2.5`), or with a unit (`500ms`, `30s`, `2m`); `0` turns the
 * deadline off. At most an hour.
 */
export function parseCallTimeout(value: string | undefined): number {
  const text = value?.trim().toLowerCase();
  if (!text) return DEFAULT_CALL_TIMEOUT_MS;
  const unit = text.endsWith('ms') ? 'ms' : text.endsWith('s') ? 's' : text.endsWith('m') ? 'm' : '';
  const number = Number(text.slice(0, text.length - unit.length).trim());
  const ms = number * (unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1000);
  if (!/^\d/.test(text) || !Number.isFinite(ms) || ms < 0 || ms > 3_600_000 || (ms > 0 && ms < 100)) {
    throw new ConfigError(
      `TENANT_MCP_CALL_TIMEOUT "${value}" must be seconds (60), or 500ms, 30s, 2m: from 100ms to 1 hour, or 0 for none.`,
    );
  }
  return Math.round(ms);
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

function parseToolsets(value: string | undefined, catalog: Catalog): string[] {
  if (!value) return [];
  const known = [...new Set(catalog.operations.map((op) => op.toolset))];
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

/** Throws a {@link ConfigError} naming `setting` unless `domain` is a host name, or an https URL (http on loopback). */
export function checkDomain(domain: string, env: NodeJS.ProcessEnv, setting: string): void {
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
