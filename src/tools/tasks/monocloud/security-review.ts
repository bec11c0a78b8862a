/**
 * `review_security_settings` on MonoCloud: account lockout, password strength and reuse, what each
 * application may do (PKCE, grants, redirect URIs, refresh tokens), and the signing key's age. MonoCloud's
 * management API has no breached-password detection, bot detection, suspicious-IP throttling or MFA
 * policy to read, so the answer says those were not checked rather than guessing.
 */
import { createLimiter, readPages } from '../config-snapshot.js';
import type { TaskContext } from '../context.js';
import { defineTaskTool } from '../define.js';
import { type Finding, reviewAnswer, someNames } from '../findings.js';
import { Checklist } from '../lookups.js';
import { TASK_KEYWORDS } from '../search-words.js';
import { reviewInput } from '../security-review.js';
import { prune } from '../users.js';

type Json = Record<string, unknown>;

const DAY_S = 86_400;

/** What MonoCloud's API does not let a review see, said in every answer. */
export const MONOCLOUD_REVIEW_LIMITS =
  "MonoCloud's management API exposes no breached-password detection, bot detection, suspicious-IP throttling or MFA policy: not checked.";

/** The tool. */
export const monoReviewSecuritySettings = defineTaskTool({
  name: 'review_security_settings',
  keywords: TASK_KEYWORDS.review_security_settings,
  title: 'Review security settings',
  description:
    'Audit lockout, passwords, apps (PKCE, grants, redirects) and keys: ranked findings, evidence, fixes.',
  input: reviewInput,
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const checks = new Checklist();
    const limit = createLimiter();
    const [options, applications, keys] = await Promise.all([
      checks.run('sign-in settings', () =>
        limit(async () => asObject(await ctx.read('find_authentication_options', {}))),
      ),
      checks.run('applications', () => limit(() => pages(ctx, 'get_all_applications'))),
      checks.run('signing keys', () => limit(() => pages(ctx, 'get_all_key_materials'))),
    ]);
    const now = Math.floor(ctx.now() / 1000);
    const findings = [...signIn(options), ...apps(applications), ...signingKeys(keys, now)];
    const lockout = asObject(asObject(options?.account_protection)?.user_lockout);
    const password = asObject(asObject(options?.authenticators)?.password);
    const strength = asObject(password?.strength);
    const current = keys?.find((k) => k.is_current === true && k.use === 'signing');
    const settings = prune({
      lockout: lockout
        ? prune({
            enabled: lockout.enabled,
            max_failed: lockout.max_failed_access_attempts,
            type: lockout.lockout_type,
          })
        : undefined,
      password_min_length: strength?.minimum_length,
      password_reuse: asObject(password?.reuse)?.restriction_mode,
      passkeys: asObject(asObject(options?.authenticators)?.passkey)?.enable_sign_in,
      session: options ? asObject(options.session) : undefined,
      applications: applications?.length,
      signing_key_created:
        typeof current?.creation_time === 'number'
          ? new Date(current.creation_time * 1000).toISOString().slice(0, 10)
          : undefined,
    });
    return reviewAnswer({
      findings,
      from: input.from ?? 0,
      checks,
      settings,
      limits: MONOCLOUD_REVIEW_LIMITS,
    });
  },
});

async function pages(ctx: TaskContext, operation: string): Promise<Json[]> {
  return (await readPages(ctx, operation, { listKey: 'items', paging: 'monocloud' })).rows;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function signIn(options: Json | undefined): Finding[] {
  if (!options) return [];
  const out: Finding[] = [];
  const lockout = asObject(asObject(options.account_protection)?.user_lockout);
  if (lockout) {
    if (lockout.enabled !== true) {
      out.push({
        id: 'lockout_off',
        risk: 'high',
        what: 'Account lockout is off: passwords can be guessed without limit.',
        fix: 'patch_authentication_options',
        evidence: { enabled: lockout.enabled ?? false },
      });
    } else {
      if (typeof lockout.max_failed_access_attempts === 'number' && lockout.max_failed_access_attempts > 10) {
        out.push({
          id: 'lockout_high_limit',
          risk: 'low',
          what: 'Lockout allows more than 10 failed attempts before it acts.',
          fix: 'patch_authentication_options',
          evidence: { max_failed_access_attempts: lockout.max_failed_access_attempts },
        });
      }
      if (lockout.lockout_type === 'ip') {
        out.push({
          id: 'lockout_per_ip_only',
          risk: 'low',
          what: 'Lockout counts failures per IP address only: guessing from many addresses is never locked out.',
          fix: 'patch_authentication_options',
          evidence: { lockout_type: 'ip' },
        });
      }
    }
  }
  const password = asObject(asObject(options.authenticators)?.password);
  if (password?.enable_sign_in === true) {
    const strength = asObject(password.strength);
    const min = strength?.minimum_length;
    if (typeof min === 'number' && min < 8) {
      out.push({
        id: 'password_short_minimum',
        risk: 'high',
        what: 'Passwords may be shorter than 8 characters.',
        fix: 'patch_authentication_options',
        evidence: { minimum_length: min },
      });
    }
    const reuse = asObject(password.reuse);
    if (reuse?.restriction_mode === 'off') {
      out.push({
        id: 'password_reuse_allowed',
        risk: 'low',
        what: 'Users may set a password they used before.',
        fix: 'patch_authentication_options',
        evidence: { restriction_mode: 'off' },
      });
    }
  }
  return out;
}

function apps(applications: Json[] | undefined): Finding[] {
  if (!applications) return [];
  const out: Finding[] = [];
  const grants = (a: Json) =>
    Array.isArray(a.allowed_grant_types) ? (a.allowed_grant_types as unknown[]) : [];
  const group = (id: string, risk: Finding['risk'], what: string, hits: Json[]) => {
    if (hits.length) {
      out.push({
        id,
        risk,
        what,
        fix: 'patch_application',
        evidence: { applications: someNames(hits.map((a) => a.client_name)) },
      });
    }
  };
  const publicApp = (a: Json) => a.app_type === 'spa' || a.app_type === 'native';
  group(
    'pkce_not_required',
    'high',
    'A browser or mobile application does not require PKCE: an intercepted authorization code can be redeemed.',
    applications.filter(
      (a) => publicApp(a) && a.require_pkce !== true && grants(a).includes('authorization_code'),
    ),
  );
  group(
    'plain_pkce_allowed',
    'medium',
    'An application accepts the plain PKCE method, which protects nothing against a code interceptor.',
    applications.filter((a) => a.allow_plain_text_pkce === true),
  );
  group(
    'password_grant_allowed',
    'medium',
    'An application may use the password grant: it handles users’ passwords itself.',
    applications.filter((a) => grants(a).includes('resource_owner_password')),
  );
  group(
    'implicit_grant_allowed',
    'low',
    'An application may use the implicit or hybrid grant: tokens travel through the browser.',
    applications.filter((a) => grants(a).includes('implicit') || grants(a).includes('hybrid')),
  );
  group(
    'insecure_redirects',
    'medium',
    'An application allows redirect URIs over plain http (off localhost) or with wildcards.',
    applications.filter((a) =>
      (Array.isArray(a.redirect_uris) ? (a.redirect_uris as unknown[]) : []).some(
        (url) =>
          typeof url === 'string' && (url.includes('*') || /^http:\/\/(?!localhost|127\.0\.0\.1)/.test(url)),
      ),
    ),
  );
  group(
    'refresh_tokens_reused',
    'low',
    'An application’s refresh tokens can be used again and again instead of once (no rotation).',
    applications.filter((a) => a.allow_offline_access === true && a.refresh_token_usage === 'reuse'),
  );
  group(
    'access_tokens_via_browser',
    'low',
    'An application may receive access tokens through the browser.',
    applications.filter((a) => a.allow_access_tokens_via_browser === true),
  );
  return out;
}

function signingKeys(keys: Json[] | undefined, now: number): Finding[] {
  const current = (keys ?? []).find((k) => k.is_current === true && k.use === 'signing');
  if (typeof current?.creation_time !== 'number' || now - current.creation_time <= 365 * DAY_S) return [];
  return [
    {
      id: 'signing_key_old',
      risk: 'medium',
      what: 'The token signing key is more than a year old; rotate it on a schedule.',
      fix: 'rotate_key',
      evidence: {
        created: new Date(current.creation_time * 1000).toISOString().slice(0, 10),
        days: Math.floor((now - current.creation_time) / DAY_S),
      },
    },
  ];
}
