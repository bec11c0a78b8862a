/**
 * The identity domain's synonyms: the words admins type for each thing and the word our catalog uses for
 * it. Applied to queries and to the catalog alike, so "app", "application" and "client" are one word to
 * the index, "2fa" and "guardian" are `mfa`, and "log in", "sign in" and "logon" are `login`. A phrase of
 * up to four words is matched as written (lower case); a single word as written or by its stem.
 */

/** One concept: the words it becomes and the ways people say it. */
export interface Concept {
  /** What every variant is replaced by (usually one word; a few say two things at once). */
  concept: readonly string[];
  /** The variants, single words or phrases. */
  words: readonly string[];
  /** Match single words only as written, never by stem ("changed" is a change made, "change" a request). */
  exact?: boolean;
}

/** The table. Order matters only between phrases of the same words (the first wins). */
export const CONCEPTS: readonly Concept[] = [
  // Things
  { concept: ['client'], words: ['client', 'application', 'app', 'apps', 'applications'] },
  {
    concept: ['client', 'spa'],
    words: ['spa', 'single page application', 'single page app', 'single-page app'],
  },
  {
    concept: ['client', 'm2m'],
    words: ['m2m', 'machine to machine', 'machine-to-machine', 'non interactive', 'service account'],
  },
  {
    concept: ['api'],
    words: [
      'api',
      'apis',
      'resource server',
      'resource servers',
      'api resource',
      'api resources',
      'backend api',
    ],
  },
  { concept: ['client', 'grant'], words: ['client grant', 'client grants', 'm2m access', 'api access'] },
  {
    concept: ['mfa'],
    words: [
      'mfa',
      '2fa',
      'multifactor',
      'multi factor',
      'multi-factor',
      'two factor',
      'two-factor',
      'second factor',
      '2 factor',
      'guardian',
      'totp',
    ],
  },
  { concept: ['mfa', 'factor'], words: ['factor', 'factors'] },
  {
    concept: ['login'],
    words: [
      'login',
      'logins',
      'log in',
      'logged in',
      'logging in',
      'logs in',
      'logon',
      'log on',
      'sign in',
      'signed in',
      'signing in',
      'signs in',
      'signin',
      'sign-in',
      'sign-ins',
      'signins',
      'authenticate',
      'authenticated',
    ],
  },
  {
    concept: ['logout'],
    words: ['logout', 'log out', 'logged out', 'sign out', 'signed out', 'signout', 'log off', 'kick out'],
  },
  {
    concept: ['signup'],
    words: ['signup', 'signups', 'sign up', 'sign-up', 'sign ups', 'registration', 'self registration'],
  },
  {
    concept: ['user'],
    words: [
      'user',
      'users',
      'account',
      'accounts',
      'person',
      'people',
      'everyone',
      'customer account',
      'end user',
      'identity user',
    ],
  },
  {
    concept: ['organization'],
    words: [
      'organization',
      'organisation',
      'org',
      'orgs',
      'b2b',
      'customer',
      'customers',
      'company',
      'companies',
    ],
  },
  { concept: ['organization', 'member'], words: ['member', 'members', 'membership', 'memberships'] },
  {
    concept: ['connection'],
    words: ['connection', 'connections', 'identity provider', 'identity providers', 'idp', 'idps'],
  },
  {
    concept: ['connection', 'social'],
    words: ['social', 'social login', 'social logins', 'social connection'],
  },
  {
    concept: ['connection', 'enterprise'],
    words: ['enterprise', 'saml', 'oidc connection', 'ad', 'ldap', 'azure ad', 'okta'],
  },
  {
    concept: ['connection', 'database'],
    words: ['database', 'db', 'database connection', 'username password'],
  },
  { concept: ['role'], words: ['role', 'roles', 'rbac'] },
  { concept: ['permission'], words: ['permission', 'permissions', 'privilege', 'privileges'] },
  {
    concept: ['log'],
    words: [
      'log',
      'logs',
      'audit',
      'audit log',
      'audit trail',
      'history',
      'activity',
      'events log',
      'sign-in history',
    ],
  },
  {
    concept: ['breach'],
    words: ['breached', 'breach', 'leaked', 'pwned', 'compromised password', 'leaked password'],
  },
  {
    concept: ['brute', 'force'],
    words: [
      'brute force',
      'brute-force',
      'bruteforce',
      'too many attempts',
      'too many failed attempts',
      'failed attempts',
      'lockout',
      'lockouts',
      'locked out',
    ],
  },
  { concept: ['throttl'], words: ['throttle', 'throttling', 'throttled', 'rate limit', 'rate limited'] },
  { concept: ['ip'], words: ['ip', 'ips', 'ip address', 'ip addresses', 'address', 'addresses'] },
  { concept: ['key'], words: ['key', 'keys', 'jwk', 'jwks'] },
  { concept: ['domain'], words: ['domain', 'domains', 'hostname', 'cname', 'vanity url'] },
  {
    concept: ['brand'],
    words: [
      'branding',
      'brand',
      'look and feel',
      'colors',
      'colours',
      'color',
      'colour',
      'logo',
      'theme',
      'themes',
      'style',
    ],
  },
  { concept: ['email'], words: ['email', 'emails', 'e-mail', 'mail', 'email address'] },
  { concept: ['password'], words: ['password', 'passwords', 'pwd', 'passphrase'] },
  { concept: ['verify'], words: ['verify', 'verified', 'verification', 'confirm', 'confirmed', 'validate'] },
  { concept: ['session'], words: ['session', 'sessions', 'signed-in devices'] },
  { concept: ['refresh', 'token'], words: ['refresh token', 'refresh tokens', 'offline access'] },
  { concept: ['passkey'], words: ['passkey', 'passkeys', 'webauthn', 'security key', 'fido'] },
  {
    concept: ['mtls'],
    words: [
      'mtls',
      'mutual tls',
      'client certificate',
      'client certificates',
      'trust store',
      'trust stores',
      'truststore',
    ],
  },
  {
    concept: ['country'],
    words: ['country', 'countries', 'geo', 'region', 'regional', 'geography', 'location'],
  },
  {
    concept: ['stat'],
    words: ['stats', 'statistics', 'metrics', 'how many', 'number of', 'count', 'numbers'],
  },
  {
    concept: ['lifetime'],
    words: ['lifetime', 'lifetimes', 'expiry', 'expiration', 'timeout', 'how long', 'ttl', 'duration'],
  },
  {
    concept: ['period'],
    words: [
      'last',
      'past',
      'recent',
      'recently',
      'yesterday',
      'today',
      'week',
      'weeks',
      'month',
      'months',
      'day',
      'days',
      'hour',
      'hours',
      'since',
      'ago',
      'tonight',
      'weekly',
      'monthly',
    ],
  },
  { concept: ['webhook'], words: ['webhook', 'webhooks', 'web hook'] },
  { concept: ['template'], words: ['template', 'templates'] },
  { concept: ['secret'], words: ['secret', 'secrets'] },
  {
    concept: ['setting'],
    words: ['setting', 'settings', 'config', 'configuration', 'options', 'policy settings', 'preferences'],
  },
  {
    concept: ['phone'],
    words: ['phone', 'phones', 'phone number', 'phone numbers', 'mobile number', 'mobile'],
  },
  { concept: ['sms'], words: ['sms', 'text message', 'text messages'] },
  // Actions (as words; the method they imply is read separately)
  {
    concept: ['block'],
    words: [
      'block',
      'blocked',
      'blocks',
      'lock',
      'locked',
      'ban',
      'banned',
      'suspend',
      'suspended',
      'deactivate',
    ],
  },
  {
    concept: ['unblock'],
    words: ['unblock', 'unlock', 'unban', 'unsuspend', 'reactivate', 'lift block', 'lift the block'],
  },
  { concept: ['revoke'], words: ['revoke', 'revoked', 'invalidate', 'kill'] },
  { concept: ['link'], words: ['link accounts', 'merge accounts', 'account linking'] },
  { concept: ['enabl'], words: ['enable', 'enabled', 'turn on', 'switch on', 'activate'] },
  { concept: ['disabl'], words: ['disable', 'disabled', 'turn off', 'switch off'] },
  { concept: ['reset'], words: ['reset', 'forgot', 'forgotten'] },
  // A change already made: "who changed the settings" asks the logs, "what was deleted" a diff.
  {
    concept: ['altered'],
    words: [
      'changed',
      'modified',
      'updated',
      'edited',
      'deleted',
      'removed',
      'created',
      'added',
      'changes',
      'altered',
      'drift',
    ],
    exact: true,
  },
];
