/**
 * The words admins type for each task tool's job, shared by both providers' versions of a tool, so
 * `search_operations` suggests the tool first when a query asks for that job.
 */

/** Search words per task tool name. */
export const TASK_KEYWORDS = {
  find_users: ['find user', 'search users', 'look up user', 'lookup user by email', 'user by name'],
  get_user_overview: [
    'everything about a user',
    'user overview',
    'user summary',
    'user details',
    'tell me about user',
    'user profile',
    'is user blocked',
  ],
  diagnose_login: [
    'cannot login',
    'cannot sign in',
    'login problem',
    'login failing',
    'troubleshoot login',
    'why login fails',
    'locked out',
    'login not working',
    'diagnose',
  ],
  list_security_events: [
    'failed logins',
    'security events',
    'login failures',
    'recent failures',
    'suspicious activity',
    'blocked attempts',
    'breached password events',
    'mfa failures',
  ],
  block_user: ['block user', 'ban user', 'lock account', 'suspend user', 'disable account'],
  unblock_user: [
    'unblock user',
    'unlock account',
    'unban user',
    'too many attempts',
    'lift lockout',
    'reactivate',
  ],
  revoke_user_sessions: [
    'sign out everywhere',
    'logout user',
    'log out all devices',
    'kill sessions',
    'revoke sessions',
  ],
  create_password_change_ticket: ['reset password', 'password reset link', 'forgot password', 'reset link'],
  review_security_settings: [
    'security settings',
    'security review',
    'security posture',
    'audit security',
    'attack protection review',
    'security summary',
    'hardening',
    'misconfiguration',
  ],
  snapshot_tenant: [
    'snapshot',
    'export configuration',
    'backup configuration',
    'save configuration',
    'copy of tenant config',
    'tenant config export',
  ],
  diff_tenant: [
    'what changed',
    'diff',
    'compare snapshot',
    'changes since',
    'configuration drift',
    'changed since yesterday',
    'compare with saved',
  ],
} as const satisfies Record<string, readonly string[]>;
