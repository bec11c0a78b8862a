/**
 * `diagnose_login` on MonoCloud: "why can't X sign in?" from what the Users API keeps (the disabled flag,
 * the lockout counters and `block_until`, blocked IPs, verified flags, a forced reset, the ways the user can
 * sign in), ranked most likely first, each with its evidence and the next tool. MonoCloud keeps no per-user
 * event log here, so a cause that leaves no field behind is said to be unchecked, never guessed.
 */
import { z } from 'zod';
import type { TaskAnswer } from '../context.js';
import { defineTaskTool, userInput } from '../define.js';
import type { Severity } from '../diagnose-login.js';
import { Checklist } from '../lookups.js';
import { TASK_KEYWORDS } from '../search-words.js';
import type { Lookup } from '../users.js';
import { prune } from '../users.js';
import {
  at,
  blockedIps,
  externalIdps,
  lockedOut,
  type MonoUser,
  primaryEmail,
  primaryPhone,
  resolveMonoUser,
  unresolvedMono,
} from './users.js';

const ORDER: Record<Severity, number> = { 'blocks login': 0, likely: 1, info: 2 };

/** One finding: our words, plus the tenant's evidence kept apart. */
interface Finding {
  /** Stable code. */
  cause: string;
  /** How sure. */
  severity: Severity;
  /** What it means, in our words. */
  why: string;
  /** The tool to call next. */
  next: string;
  /** Tenant values backing it up. */
  evidence: Record<string, unknown>;
}

/** The tool; the same name as Auth0's, without `client_id` (MonoCloud's users carry no app story). */
export const monoDiagnoseLogin = defineTaskTool({
  name: 'diagnose_login',
  keywords: TASK_KEYWORDS.diagnose_login,
  title: 'Diagnose login',
  description:
    "Why can't a user sign in? Ranked findings (disabled, lockout, blocked IPs, unverified, forced reset, no password) with evidence and the next tool.",
  input: z.strictObject({ user: userInput }),
  risk: 'read',
  idempotent: true,
  async handle(ctx, input) {
    const now = ctx.now();
    const resolution = await resolveMonoUser(ctx, input.user);
    if (resolution.kind === 'missing') return missing(input.user, resolution.tried);
    if (resolution.kind !== 'found') return unresolvedMono(resolution, now);
    const { user } = resolution;
    const list = new Checklist();
    const ips = await list.run('blocked IPs', () => blockedIps(ctx, user.user_id));
    const findings = analyse(user, ips, now).sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
    return {
      answer: {
        diagnosis:
          findings.length === 0
            ? 'No cause found in the account (not disabled, not locked, no blocked IP, verified, password set). Ask for the exact error and the app.'
            : `${findings.length} finding${findings.length > 1 ? 's' : ''}, most likely first.`,
        findings: findings.map(({ cause, severity, why, next }) => ({ cause, severity, why, next })),
        ...list.toAnswer(),
      },
      tenant: {
        user: prune({ user_id: user.user_id, email: primaryEmail(user)?.email }),
        evidence: Object.fromEntries(findings.map((f) => [f.cause, f.evidence])),
      },
    };
  },
});

/** What the account's fields say, as findings (unsorted). */
function analyse(user: MonoUser, ips: Record<string, unknown>[] | undefined, now: number): Finding[] {
  const findings: Finding[] = [];
  const lastAttempt = prune({
    last_attempt: at(user.last_sign_in_attempt),
    last_attempt_ip: user.last_sign_in_attempt_ip ?? undefined,
    last_success: at(user.last_sign_in_success),
  });
  if (user.disabled === true) {
    findings.push({
      cause: 'disabled',
      severity: 'blocks login',
      why: 'An administrator disabled the account; every sign-in is refused until it is enabled.',
      next: 'unblock_user',
      evidence: { disabled: true, ...lastAttempt },
    });
  }
  const failures = typeof user.failure_count === 'number' ? user.failure_count : 0;
  const locked = lockedOut(user, now);
  if (locked) {
    findings.push({
      cause: 'locked_out',
      severity: 'blocks login',
      why: 'Too many failed sign-ins locked the account until the time shown; unblock_user lifts it now.',
      next: 'unblock_user',
      evidence: prune({ until: at(user.block_until), failures, ...lastAttempt }),
    });
  }
  if (ips?.length) {
    findings.push({
      cause: 'ip_blocked',
      severity: 'blocks login',
      why: 'Sign-ins to this account from the listed IPs are refused after failures from them. If they are not the user’s own, someone else may be guessing the password.',
      next: 'unblock_user (lifts the IP blocks too)',
      evidence: { ips },
    });
  }
  if (user.force_password_reset === true) {
    findings.push({
      cause: 'password_reset_required',
      severity: 'likely',
      why: 'A new password must be chosen before the next sign-in completes; the user may be stuck at that step or never got the link.',
      next: 'create_password_change_ticket for a new link',
      evidence: prune({ force_password_reset: true, failures: failures || undefined, ...lastAttempt }),
    });
  } else if (failures > 0 && !locked) {
    findings.push({
      cause: 'failed_sign_ins',
      severity: 'likely',
      why: 'Failed sign-ins since the last success, most likely a wrong password; more will lock the account.',
      next: 'create_password_change_ticket',
      evidence: { failures, ...lastAttempt },
    });
  }
  const email = primaryEmail(user);
  const phone = primaryPhone(user);
  const verified = [email, phone].some((i) => i?.verified === true);
  if (email?.verified === false || phone?.verified === false) {
    // It stops a sign-in only where the tenant requires verification, or nothing else proves the user.
    findings.push({
      cause: 'unverified',
      severity: verified || user.has_password === true ? 'info' : 'likely',
      why: verified
        ? 'An identifier is not verified; sign-in with it (code or link) may be refused.'
        : 'No email or phone is verified; sign-in is refused where the tenant requires verification.',
      next: 'ask the user to verify; or invoke_write_operation verify_email (admin)',
      evidence: prune({ email_verified: email?.verified, phone_verified: phone?.verified }),
    });
  }
  const idps = externalIdps(user);
  if (user.has_password === false) {
    findings.push(
      idps.length
        ? {
            cause: 'external_only',
            severity: 'likely',
            why: 'No password: the user signs in only through the listed provider. A password sign-in or reset fails; they must use that provider’s button.',
            next: 'tell the user to use the provider; a reset link does not apply',
            evidence: { has_password: false, idps, passkeys: user.passkeys?.length ?? 0 },
          }
        : {
            cause: 'no_password',
            severity: 'info',
            why: 'No password is set; the user signs in with a passkey or a one-time code.',
            next: 'create_password_change_ticket if they want a password',
            evidence: { has_password: false, passkeys: user.passkeys?.length ?? 0 },
          },
    );
  }
  return findings;
}

/** The answer for a user nobody found. */
function missing(user: string, tried: Lookup[]): TaskAnswer {
  return {
    answer: {
      diagnosis: 'The user does not exist on this tenant.',
      findings: [
        {
          cause: 'user_missing',
          severity: 'blocks login',
          why: user.includes('@')
            ? 'No user has this email; they may have signed up with another address or on another tenant.'
            : 'No user matches this id or name.',
          next: 'find_users with part of the name or the email domain',
        },
      ],
      tried,
    },
  };
}
