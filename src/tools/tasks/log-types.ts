/**
 * Auth0 log event type codes, in our words, and the security categories they fall in. Answers explain only
 * the codes they show, so an agent never needs the reference page to read one.
 */

/** What kind of event a type code is. */
export type EventCategory =
  | 'success'
  | 'failed_logins'
  | 'blocks'
  | 'breached_passwords'
  | 'mfa_failures'
  | 'mfa'
  | 'password_changes'
  | 'admin_changes'
  | 'other';

/** Our meaning of each type code we explain, and its category. */
export const LOG_TYPES: Readonly<Record<string, { say: string; category: EventCategory }>> = {
  s: { say: 'successful login', category: 'success' },
  ss: { say: 'successful sign-up', category: 'success' },
  f: { say: 'failed login (reason in the description)', category: 'failed_logins' },
  fp: { say: 'failed login: wrong password', category: 'failed_logins' },
  fu: { say: 'failed login: unknown user name or email', category: 'failed_logins' },
  fs: { say: 'failed sign-up', category: 'failed_logins' },
  fco: { say: 'failed login: origin not allowed', category: 'failed_logins' },
  fcoa: { say: 'failed cross-origin login', category: 'failed_logins' },
  limit_wc: {
    say: 'brute-force lock: too many failed logins to this account from this IP; blocked until lifted',
    category: 'blocks',
  },
  limit_sul: { say: 'too many logins for this user from one IP; temporarily blocked', category: 'blocks' },
  limit_mu: {
    say: 'IP blocked: too many failed logins across many accounts from it',
    category: 'blocks',
  },
  ublkdu: { say: 'a brute-force lock was lifted', category: 'blocks' },
  pwd_leak: { say: 'login refused: the password appears in a known breach', category: 'breached_passwords' },
  signup_pwd_leak: { say: 'sign-up refused: breached password', category: 'breached_passwords' },
  reset_pwd_leak: { say: 'password reset to a breached password refused', category: 'breached_passwords' },
  gd_auth_failed: { say: 'MFA code rejected', category: 'mfa_failures' },
  gd_auth_rejected: { say: 'MFA push rejected by the user', category: 'mfa_failures' },
  gd_otp_rate_limit_exceed: {
    say: 'too many wrong MFA codes; MFA locked for a while',
    category: 'mfa_failures',
  },
  gd_recovery_failed: { say: 'MFA recovery code rejected', category: 'mfa_failures' },
  gd_recovery_rate_limit_exceed: { say: 'too many wrong recovery codes', category: 'mfa_failures' },
  gd_send_sms_failure: { say: 'MFA text message not sent', category: 'mfa_failures' },
  mfar: { say: 'asked for a second factor', category: 'mfa' },
  gd_enrollment_complete: { say: 'MFA enrolment completed', category: 'mfa' },
  gd_unenroll: { say: 'MFA enrolment removed', category: 'mfa' },
  scp: { say: 'password changed', category: 'password_changes' },
  fcp: { say: 'password change failed', category: 'password_changes' },
  scpr: { say: 'password reset email sent', category: 'password_changes' },
  fcpr: { say: 'password reset email failed', category: 'password_changes' },
  sapi: { say: 'Management API change', category: 'admin_changes' },
  fapi: { say: 'Management API call failed', category: 'admin_changes' },
  du: { say: 'user deleted', category: 'admin_changes' },
  sv: { say: 'email verified', category: 'other' },
  svr: { say: 'verification email sent', category: 'other' },
  slo: { say: 'logout', category: 'other' },
};

/** The category of a type code (`other` for codes we do not know). */
export function categoryOf(type: string): EventCategory {
  return LOG_TYPES[type]?.category ?? 'other';
}

/** Meanings of the given codes, for an answer's `types` key (unknown codes are left out). */
export function explainTypes(types: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const type of [...new Set(types)].sort()) {
    const known = LOG_TYPES[type];
    if (known) out[type] = known.say;
  }
  return out;
}

/** Type codes of the given categories. */
export function typesIn(categories: readonly EventCategory[]): string[] {
  return Object.entries(LOG_TYPES)
    .filter(([, meaning]) => categories.includes(meaning.category))
    .map(([type]) => type);
}
