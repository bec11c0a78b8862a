/**
 * `review_security_settings` on Auth0, for the audit agent: attack protection (brute force, breached
 * passwords, suspicious IPs, bots), the MFA policy and its factors, the password policy of each database
 * connection, session and token lifetimes, legacy grants, applications' grants and refresh tokens, and
 * the signing key's age. Findings come ranked by risk, each with its evidence and the operation that
 * would change it; nothing is changed.
 */
import { z } from 'zod';
import { createLimiter, readPages } from './config-snapshot.js';
import type { TaskContext } from './context.js';
import { defineTaskTool } from './define.js';
import { type Finding, reviewAnswer, someNames } from './findings.js';
import { Checklist } from './lookups.js';
import { TASK_KEYWORDS } from './search-words.js';
import { listOf, minute, prune } from './users.js';

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** Input of the review, the same on both providers. */
export const reviewInput = z.strictObject({
  from: z.int().min(0).max(10_000).optional(),
});

/** The tool. */
export const reviewSecuritySettings = defineTaskTool({
  name: 'review_security_settings',
  keywords: TASK_KEYWORDS.review_security_settings,
  title: 'Review security settings',
  description:
    'Audit attack protection, MFA, passwords, sessions, apps, keys: ranked findings, evidence, fixes.',
  input: reviewInput,
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const checks = new Checklist();
    // A few reads at a time: they share one abort signal and the tenant's rate limit.
    const limit = createLimiter();
    const look = (label: string, operation: string, args: Json = {}) =>
      checks.run(label, () => limit(async () => (await ctx.read(operation, args)) as unknown));
    const all = (label: string, operation: string, listKey: string, args: Json = {}) =>
      checks.run(label, () => limit(() => pages(ctx, operation, listKey, args)));
    const [
      bruteForce,
      breached,
      suspicious,
      bots,
      policies,
      factors,
      tenant,
      connections,
      clients,
      apis,
      keys,
    ] = await Promise.all([
      look('brute-force protection', 'get_brute-force-protection'),
      look('breached password detection', 'get_breached-password-detection'),
      look('suspicious IP throttling', 'get_suspicious-ip-throttling'),
      look('bot detection', 'get_bot-detection'),
      look('MFA policy', 'get_policies'),
      look('MFA factors', 'get_factors'),
      look('tenant settings', 'tenant_settings_route'),
      all('database connections', 'get_connections', 'connections', { strategy: ['auth0'] }),
      all('applications', 'get_clients', 'clients', {
        fields: 'client_id,name,app_type,grant_types,refresh_token,callbacks,jwt_configuration,global',
      }),
      all('APIs', 'get_resource-servers', 'resource_servers'),
      look('signing keys', 'get_signing_keys'),
    ]);
    const findings: Finding[] = [
      ...attackProtection(asObject(bruteForce), asObject(breached), asObject(suspicious), asObject(bots)),
      ...mfa(policies, factors),
      ...databaseConnections(connections),
      ...tenantSettings(asObject(tenant)),
      ...applications(clients),
      ...resourceServers(apis),
      ...signingKeys(keys, ctx.now()),
    ];
    const enabledFactors = listOf(factors, 'factors')
      .filter((f) => f.enabled === true)
      .map((f) => f.name);
    const current = listOf(keys, 'keys').find((k) => k.current === true);
    const settings = prune({
      brute_force: bruteForce === undefined ? undefined : onOff(asObject(bruteForce)?.enabled),
      breached_passwords: breached === undefined ? undefined : onOff(asObject(breached)?.enabled),
      suspicious_ip: suspicious === undefined ? undefined : onOff(asObject(suspicious)?.enabled),
      bot_detection: bots === undefined ? undefined : (asObject(bots)?.bot_detection_level ?? 'not set'),
      mfa_policy: Array.isArray(policies) ? (policies.length ? policies : 'none') : undefined,
      mfa_factors: factors === undefined ? undefined : enabledFactors,
      session_hours: asObject(tenant)
        ? prune({
            lifetime: asObject(tenant)?.session_lifetime,
            idle: asObject(tenant)?.idle_session_lifetime,
          })
        : undefined,
      database_connections: connections?.length,
      applications: clients?.filter((c) => c.global !== true).length,
      apis: apis?.filter((a) => a.is_system !== true).length,
      signing_key_since: minute(current?.current_since),
    });
    return reviewAnswer({ findings, from: input.from ?? 0, checks, settings });
  },
});

/** Every row of a list operation (at most 1,000). */
async function pages(ctx: TaskContext, operation: string, listKey: string, args: Json = {}): Promise<Json[]> {
  return (await readPages(ctx, operation, { listKey, args, paging: 'auth0' })).rows;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function onOff(value: unknown): string {
  return value === true ? 'on' : 'off';
}

function shields(value: Json | undefined): string[] {
  return Array.isArray(value?.shields)
    ? (value.shields as unknown[]).filter((s): s is string => typeof s === 'string')
    : [];
}

function attackProtection(
  bruteForce: Json | undefined,
  breached: Json | undefined,
  suspicious: Json | undefined,
  bots: Json | undefined,
): Finding[] {
  const out: Finding[] = [];
  if (bruteForce) {
    if (bruteForce.enabled !== true) {
      out.push({
        id: 'brute_force_off',
        risk: 'high',
        what: 'Brute-force protection is off: passwords can be guessed against one account without limit.',
        fix: 'patch_brute-force-protection',
        evidence: { enabled: bruteForce.enabled ?? false },
      });
    } else {
      if (!shields(bruteForce).includes('block')) {
        out.push({
          id: 'brute_force_no_block',
          risk: 'medium',
          what: 'Brute-force protection notifies but does not block: guessing goes on after the limit.',
          fix: 'patch_brute-force-protection',
          evidence: { shields: shields(bruteForce) },
        });
      }
      if (typeof bruteForce.max_attempts === 'number' && bruteForce.max_attempts > 10) {
        out.push({
          id: 'brute_force_high_limit',
          risk: 'low',
          what: 'Brute-force protection allows more than 10 failed attempts before it acts.',
          fix: 'patch_brute-force-protection',
          evidence: { max_attempts: bruteForce.max_attempts },
        });
      }
    }
  }
  if (breached) {
    if (breached.enabled !== true) {
      out.push({
        id: 'breached_passwords_off',
        risk: 'high',
        what: 'Breached password detection is off: passwords known from leaks are accepted at login and sign-up.',
        fix: 'patch_breached-password-detection',
        evidence: { enabled: breached.enabled ?? false },
      });
    } else if (!shields(breached).includes('block')) {
      out.push({
        id: 'breached_passwords_no_block',
        risk: 'medium',
        what: 'Breached password detection notifies but does not block a leaked password.',
        fix: 'patch_breached-password-detection',
        evidence: { shields: shields(breached) },
      });
    }
  }
  if (suspicious) {
    if (suspicious.enabled !== true) {
      out.push({
        id: 'suspicious_ip_off',
        risk: 'medium',
        what: 'Suspicious IP throttling is off: one address can try many accounts (credential stuffing).',
        fix: 'patch_suspicious-ip-throttling',
        evidence: { enabled: suspicious.enabled ?? false },
      });
    } else if (!shields(suspicious).includes('block')) {
      out.push({
        id: 'suspicious_ip_no_block',
        risk: 'low',
        what: 'Suspicious IP throttling notifies but does not block the address.',
        fix: 'patch_suspicious-ip-throttling',
        evidence: { shields: shields(suspicious) },
      });
    }
  }
  if (bots) {
    const level = bots.bot_detection_level;
    if (level === undefined || level === 'off') {
      out.push({
        id: 'bot_detection_off',
        risk: 'low',
        what: 'Bot detection is off: scripted sign-ups and logins meet no CAPTCHA.',
        fix: 'patch_bot-detection',
        evidence: { bot_detection_level: level ?? 'not set' },
      });
    }
  }
  return out;
}

function mfa(policies: unknown, factors: unknown): Finding[] {
  const out: Finding[] = [];
  const enabled = listOf(factors, 'factors')
    .filter((f) => f.enabled === true)
    .map((f) => f.name);
  if (Array.isArray(policies)) {
    if (policies.length === 0) {
      out.push({
        id: 'mfa_not_required',
        risk: 'medium',
        what: 'No MFA policy: MFA is never required at login (only where an action asks for it).',
        fix: 'put_policies',
        evidence: { policies: [], factors_enabled: enabled },
      });
    } else if (factors !== undefined && enabled.length === 0) {
      out.push({
        id: 'mfa_required_without_factor',
        risk: 'high',
        what: 'The MFA policy requires MFA but no factor is enabled: users cannot enrol a second factor.',
        fix: 'put_factors_by_name',
        evidence: { policies },
      });
    }
  }
  if (
    factors !== undefined &&
    enabled.length > 0 &&
    enabled.every((name) => name === 'sms' || name === 'email')
  ) {
    out.push({
      id: 'mfa_weak_factors_only',
      risk: 'low',
      what: 'Only SMS or email codes are enabled as MFA factors; both can be intercepted or redirected.',
      fix: 'put_factors_by_name',
      evidence: { factors_enabled: enabled },
    });
  }
  return out;
}

/** Auth0's password policy levels, weakest first. */
const WEAK_POLICIES = new Set(['none', 'low']);

function databaseConnections(connections: Json[] | undefined): Finding[] {
  if (!connections) return [];
  const out: Finding[] = [];
  const group = (
    id: string,
    risk: Finding['risk'],
    what: string,
    test: (options: Json) => boolean,
    evidence?: (options: Json) => unknown,
  ) => {
    const hits = connections.filter((c) => test(asObject(c.options) ?? {}));
    if (hits.length === 0) return;
    out.push({
      id,
      risk,
      what,
      fix: 'patch_connections_by_id',
      evidence: prune({
        connections: someNames(hits.map((c) => c.name)),
        ...(evidence ? { value: evidence(asObject(hits[0]!.options) ?? {}) } : {}),
      }),
    });
  };
  group(
    'password_policy_weak',
    'high',
    'A database connection accepts weak passwords (policy none or low: any 6 characters or fewer rules).',
    (o) => typeof o.passwordPolicy !== 'string' || WEAK_POLICIES.has(o.passwordPolicy),
    (o) => o.passwordPolicy ?? 'not set',
  );
  group(
    'password_short_minimum',
    'medium',
    'A database connection allows passwords shorter than 8 characters.',
    (o) => {
      const min = asObject(o.password_complexity_options)?.min_length;
      return typeof min === 'number' && min < 8;
    },
    (o) => asObject(o.password_complexity_options)?.min_length,
  );
  group(
    'connection_brute_force_off',
    'high',
    'A database connection has its own brute-force protection switched off.',
    (o) => o.brute_force_protection === false,
  );
  group(
    'password_history_off',
    'low',
    'A database connection lets users reuse their previous passwords.',
    (o) => asObject(o.password_history)?.enable !== true,
  );
  group(
    'password_dictionary_off',
    'low',
    'A database connection accepts common dictionary passwords.',
    (o) => asObject(o.password_dictionary)?.enable !== true,
  );
  return out;
}

function tenantSettings(tenant: Json | undefined): Finding[] {
  if (!tenant) return [];
  const out: Finding[] = [];
  const lifetime = tenant.session_lifetime;
  const idle = tenant.idle_session_lifetime;
  if (typeof lifetime === 'number' && lifetime > 720) {
    out.push({
      id: 'session_lifetime_long',
      risk: 'medium',
      what: 'Login sessions last more than 30 days: a stolen session cookie stays useful for a long time.',
      fix: 'patch_settings',
      evidence: { session_lifetime_hours: lifetime },
    });
  }
  if (typeof idle === 'number' && idle > 72) {
    out.push({
      id: 'idle_session_long',
      risk: 'low',
      what: 'Idle sessions stay valid for more than 3 days without use.',
      fix: 'patch_settings',
      evidence: { idle_session_lifetime_hours: idle },
    });
  }
  const flags = asObject(tenant.flags) ?? {};
  const legacy = [
    'allow_legacy_ro_grant_types',
    'allow_legacy_delegation_grant_types',
    'allow_legacy_tokeninfo_endpoint',
    'enable_legacy_profile',
  ].filter((flag) => flags[flag] === true);
  if (legacy.length) {
    out.push({
      id: 'legacy_features_on',
      risk: 'medium',
      what: 'Legacy grants or endpoints are switched on; they skip protections of the current flows.',
      fix: 'patch_settings',
      evidence: { flags: legacy },
    });
  }
  if (flags.disable_clickjack_protection_headers === true) {
    out.push({
      id: 'clickjack_headers_off',
      risk: 'medium',
      what: 'Clickjacking protection headers are off: the login page can be framed by another site.',
      fix: 'patch_settings',
      evidence: { disable_clickjack_protection_headers: true },
    });
  }
  if (flags.enable_public_signup_user_exists_error === true) {
    out.push({
      id: 'signup_reveals_accounts',
      risk: 'low',
      what: 'Sign-up says when an account already exists, which lets anyone test which emails have accounts.',
      fix: 'patch_settings',
      evidence: { enable_public_signup_user_exists_error: true },
    });
  }
  return out;
}

function applications(clients: Json[] | undefined): Finding[] {
  if (!clients) return [];
  const apps = clients.filter((c) => c.global !== true);
  const out: Finding[] = [];
  const grants = (c: Json) => (Array.isArray(c.grant_types) ? (c.grant_types as unknown[]) : []);
  const group = (id: string, risk: Finding['risk'], what: string, hits: Json[]) => {
    if (hits.length)
      out.push({
        id,
        risk,
        what,
        fix: 'patch_clients_by_id',
        evidence: { applications: someNames(hits.map((c) => c.name)) },
      });
  };
  group(
    'password_grant_allowed',
    'medium',
    'An application may use the password grant: it handles users’ passwords itself and skips MFA prompts of the login page.',
    apps.filter((c) => grants(c).includes('password')),
  );
  group(
    'implicit_grant_allowed',
    'low',
    'An application may use the implicit grant: tokens travel in the URL.',
    apps.filter((c) => grants(c).includes('implicit')),
  );
  group(
    'refresh_tokens_never_expire',
    'medium',
    'A browser or mobile application gets refresh tokens that are neither rotated nor expiring.',
    apps.filter((c) => {
      const refresh = asObject(c.refresh_token);
      const publicApp = c.app_type === 'spa' || c.app_type === 'native';
      return (
        publicApp &&
        refresh !== undefined &&
        refresh.rotation_type !== 'rotating' &&
        (refresh.expiration_type === 'non-expiring' || refresh.infinite_token_lifetime === true)
      );
    }),
  );
  group(
    'insecure_callbacks',
    'medium',
    'An application allows callback URLs over plain http (off localhost) or with wildcards.',
    apps.filter((c) =>
      (Array.isArray(c.callbacks) ? (c.callbacks as unknown[]) : []).some(
        (url) =>
          typeof url === 'string' && (url.includes('*') || /^http:\/\/(?!localhost|127\.0\.0\.1)/.test(url)),
      ),
    ),
  );
  group(
    'symmetric_id_tokens',
    'low',
    'An application signs ID tokens with HS256, a secret every holder of the client secret shares.',
    apps.filter((c) => asObject(c.jwt_configuration)?.alg === 'HS256'),
  );
  return out;
}

function resourceServers(apis: Json[] | undefined): Finding[] {
  if (!apis) return [];
  const own = apis.filter((a) => a.is_system !== true);
  const out: Finding[] = [];
  const long = own.filter((a) => typeof a.token_lifetime === 'number' && a.token_lifetime > 86_400);
  if (long.length) {
    out.push({
      id: 'access_tokens_long',
      risk: 'low',
      what: 'An API accepts access tokens valid for more than 24 hours; a leaked token stays useful that long.',
      fix: 'patch_resource-servers_by_id',
      evidence: { apis: someNames(long.map((a) => a.name)) },
    });
  }
  const symmetric = own.filter((a) => a.signing_alg === 'HS256');
  if (symmetric.length) {
    out.push({
      id: 'api_hs256',
      risk: 'low',
      what: 'An API has its access tokens signed with HS256, a shared secret, instead of RS256.',
      fix: 'patch_resource-servers_by_id',
      evidence: { apis: someNames(symmetric.map((a) => a.name)) },
    });
  }
  return out;
}

function signingKeys(keys: unknown, now: number): Finding[] {
  const current = listOf(keys, 'keys').find((k) => k.current === true);
  const since = typeof current?.current_since === 'string' ? Date.parse(current.current_since) : Number.NaN;
  if (Number.isNaN(since) || now - since <= 365 * DAY_MS) return [];
  return [
    {
      id: 'signing_key_old',
      risk: 'medium',
      what: 'The token signing key has been in use for more than a year; rotate it on a schedule.',
      fix: 'post_signing_keys',
      evidence: { current_since: minute(current?.current_since), days: Math.floor((now - since) / DAY_MS) },
    },
  ];
}
