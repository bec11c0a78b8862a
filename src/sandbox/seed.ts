/**
 * The sandbox's starting tenant: "Northwind Robotics", a company of our own invention, with a few
 * employees and customers whose stories an agent can be asked about (a locked-out user, a blocked one,
 * an unverified address, a social login that is not enabled for the app, a breached password with a
 * pending reset, failing MFA codes, an IP blocked tenant-wide).
 * Ids are fixed; dates are offsets from the start time, so runs differ only in absolute time.
 */
import { AUTH0_MODEL } from './auth0-model.generated.js';
import { startingSigningKeys } from './signing-keys.js';
import type { ClientRecord, ConnectionRecord, JsonObject, TenantState, UserRecord } from './state.js';

/** Fixed ids of the seeded records, for tests and demos. */
export const SEED = {
  connections: {
    /** Database connection `Username-Password-Authentication`. */
    database: 'con_N0rthw1ndDb00001',
    /** Social connection `google-oauth2`, enabled for no application. */
    google: 'con_N0rthw1ndG00g1e0',
  },
  clients: {
    /** The single-page app employees and customers log in to. */
    spa: 'N0rthw1ndFl33tC0ns0leSpa00000001',
  },
  roles: {
    admin: 'rol_N0rthw1ndAdm1n00',
    support: 'rol_N0rthw1ndSupp0rt',
    viewer: 'rol_N0rthw1ndV1ewer0',
  },
  users: {
    /** alice@northwind.example.com: admin, recent successful logins, two sessions. */
    alice: 'auth0|64f1a0c2e4b0a1b2c3d40001',
    /** bob@northwind.example.com: support agent, one mistyped password days ago; today MFA codes fail. */
    bob: 'auth0|64f1a0c2e4b0a1b2c3d40002',
    /** carol@northwind.example.com: locked out by brute-force protection from 203.0.113.45. */
    carol: 'auth0|64f1a0c2e4b0a1b2c3d40003',
    /** dave@northwind.example.com: blocked by an administrator (`blocked: true`). */
    dave: 'auth0|64f1a0c2e4b0a1b2c3d40004',
    /** erin@example.org: customer who signed up and never verified her address. */
    erin: 'auth0|64f1a0c2e4b0a1b2c3d40005',
    /** frank.castillo@example.net: Google user; google-oauth2 is not enabled for the SPA. */
    frank: 'google-oauth2|104729384756102938475',
    /** grace@northwind.example.com: breached password; a password-change ticket issued and not yet used. */
    grace: 'auth0|64f1a0c2e4b0a1b2c3d40007',
  },
  sessions: {
    aliceLaptop: 'N0rthw1ndS3ss10nAl1ceLapt0p00001',
    alicePhone: 'N0rthw1ndS3ss10nAl1cePh0ne00002',
    bob: 'N0rthw1ndS3ss10nB0bDeskt0p000003',
  },
  /** Ticket id of grace's pending password reset. */
  graceTicket: 'gR4ceP3nd1ngR3s3tT1ck3t000000001',
  /** IP address carol's failed attempts came from. */
  attackerIp: '203.0.113.45',
  /** IP blocked tenant-wide (`limit_mu`) after failed logins to unknown accounts. */
  throttledIp: '192.0.2.200',
  /** The console's API, whose permissions the roles grant. */
  resourceServers: { fleet: '64f1a0c2e4b0a1b2c3d4f1ee' },
  /** MFA enrolments: alice's push app, bob's authenticator app (whose codes he now gets wrong). */
  enrollments: {
    alice: 'dev_N0rthw1ndAl1cePush1',
    bob: 'dev_N0rthw1ndB0bOtp0001',
  },
} as const;

/** What the seed needs to know about the running sandbox. */
export interface SeedContext {
  /** Start time, epoch milliseconds; every seeded date is relative to it. */
  nowMs: number;
  /** Sandbox origin, for ticket URLs. */
  origin: string;
  /** The sandbox's own client-credentials application. */
  clientId: string;
  /** Its secret. */
  clientSecret: string;
}

const DB = 'Username-Password-Authentication';
const TENANT = 'northwind-robotics';
const HOST = 'northwind.sandbox.example.com';
const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Fixed ids of what every sandbox tenant has, with or without the demo data. */
export const BASE = {
  /** The global client ("All Applications") every tenant has; the Deploy CLI looks it up. */
  globalClient: 'GL0ba1C11entT3nantMcpSandb0x0001',
  /** The Management API's own resource server. */
  managementApi: '5e7a9d0c1b2f3a4e5d6c7b80',
  /** The automation client's grant to the Management API. */
  managementGrant: 'cgr_SandboxAutomat0n',
} as const;

const GUARDIAN_FACTORS = [
  'sms',
  'push-notification',
  'otp',
  'email',
  'duo',
  'webauthn-roaming',
  'webauthn-platform',
  'recovery-code',
];

/**
 * What a brand-new tenant has before anyone touches it: the global client, the Management API and the
 * automation client's grant to it, signing keys, guardian factors (all off), default tenant settings,
 * attack protection and prompts. No email provider and no email templates: those answer 404 until set.
 * With `connections`, also the default database and Google connections a new tenant starts with.
 */
export function seedBase(
  state: TenantState,
  ctx: SeedContext,
  options: { connections?: boolean } = {},
): void {
  const audience = `${ctx.origin}/api/v2/`;
  state.clients.set(BASE.globalClient, {
    client_id: BASE.globalClient,
    name: 'All Applications',
    tenant: TENANT,
    global: true,
    client_secret: 'global-client-secret-of-the-sandbox-tenant-not-for-production-0',
    is_first_party: true,
    callbacks: [],
    allowed_logout_urls: [],
    allowed_origins: [],
    web_origins: [],
    client_aliases: [],
    allowed_clients: [],
    oidc_conformant: false,
    sso_disabled: false,
    cross_origin_authentication: false,
    custom_login_page_on: true,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
    signing_keys: [{ cert: String(startingSigningKeys(ctx.origin)[0]!.cert), subject: `/CN=dev-${TENANT}` }],
    callback_url_template: false,
    grant_types: [],
  });
  state.clients.set(ctx.clientId, {
    client_id: ctx.clientId,
    name: 'tenant-mcp sandbox automation',
    description: 'Machine-to-machine application the sandbox issues Management API tokens to.',
    tenant: TENANT,
    global: false,
    is_first_party: true,
    app_type: 'non_interactive',
    client_secret: ctx.clientSecret,
    token_endpoint_auth_method: 'client_secret_post',
    callbacks: [],
    grant_types: ['client_credentials'],
    oidc_conformant: true,
    sso_disabled: false,
    cross_origin_authentication: false,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
    custom_login_page_on: true,
  });
  const { store } = state;
  store.collection('/resource-servers', true).set(BASE.managementApi, {
    id: BASE.managementApi,
    name: 'Auth0 Management API',
    identifier: audience,
    is_system: true,
    allow_offline_access: false,
    skip_consent_for_verifiable_first_party_clients: false,
    token_lifetime: 86400,
    token_lifetime_for_web: 7200,
    signing_alg: 'RS256',
    scopes: AUTH0_MODEL.scopes.map((value) => ({
      value,
      description: value.replace(':', ' ').replace(/_/g, ' '),
    })),
  });
  store.collection('/client-grants', true).set(BASE.managementGrant, {
    id: BASE.managementGrant,
    client_id: ctx.clientId,
    audience,
    scope: [...AUTH0_MODEL.scopes],
    subject_type: 'client',
  });
  const keys = store.collection('/keys/signing', true);
  for (const key of startingSigningKeys(ctx.origin)) keys.set(String(key.kid), key);
  const factors = store.collection('/guardian/factors', true);
  for (const name of GUARDIAN_FACTORS) factors.set(name, { name, enabled: false, trial_expired: false });
  const settings: Record<string, unknown> = {
    '/tenants/settings': {
      friendly_name: 'Sandbox Tenant',
      picture_url: '',
      support_email: '',
      support_url: '',
      allowed_logout_urls: [],
      session_lifetime: 168,
      idle_session_lifetime: 72,
      sandbox_version: '22',
      default_audience: '',
      default_directory: '',
      enabled_locales: ['en'],
      flags: {
        enable_client_connections: false,
        revoke_refresh_token_grant: false,
        disable_clickjack_protection_headers: false,
        enable_public_signup_user_exists_error: true,
        allow_legacy_delegation_grant_types: false,
        allow_legacy_ro_grant_types: false,
        allow_legacy_tokeninfo_endpoint: false,
        enable_legacy_profile: false,
        enable_idtoken_api2: false,
        enable_sso: true,
        disable_management_api_sms_obfuscation: false,
      },
      sessions: { oidc_logout_prompt_enabled: false },
      oidc_logout: { rp_logout_end_session_endpoint_discovery: true },
    },
    '/branding': { colors: { primary: '#635dff', page_background: '#000000' } },
    '/prompts': {
      universal_login_experience: 'new',
      identifier_first: false,
      webauthn_platform_first_factor: false,
    },
    '/guardian/policies': [],
    '/guardian/factors/sms/selected-provider': { provider: 'auth0' },
    '/guardian/factors/phone/selected-provider': { provider: 'auth0' },
    '/guardian/factors/phone/message-types': { message_types: ['sms'] },
    '/guardian/factors/push-notification/selected-provider': { provider: 'guardian' },
    '/attack-protection/brute-force-protection': {
      enabled: true,
      shields: ['block', 'user_notification'],
      mode: 'count_per_identifier_and_ip',
      allowlist: [],
      max_attempts: 10,
    },
    '/attack-protection/breached-password-detection': {
      enabled: false,
      shields: [],
      admin_notification_frequency: [],
      method: 'standard',
      stage: {
        'pre-user-registration': { shields: [] },
        'pre-change-password': { shields: [] },
      },
    },
    '/attack-protection/suspicious-ip-throttling': {
      enabled: true,
      shields: ['admin_notification', 'block'],
      allowlist: [],
      stage: {
        'pre-login': { max_attempts: 100, rate: 864000 },
        'pre-user-registration': { max_attempts: 50, rate: 1200 },
      },
    },
  };
  for (const [path, value] of Object.entries(settings)) store.singletons.set(path, value);

  if (options.connections) {
    state.connections.set('con_DefaultDatabase1', {
      id: 'con_DefaultDatabase1',
      name: DB,
      strategy: 'auth0',
      options: {
        brute_force_protection: true,
        passwordPolicy: 'good',
        password_complexity_options: { min_length: 8 },
        mfa: { active: true, return_enroll_settings: true },
      },
      enabled_clients: [ctx.clientId],
      is_domain_connection: false,
      realms: [DB],
    });
  }
}

/** Fills an empty state with the Northwind Robotics tenant. */
export function seedTenant(state: TenantState, ctx: SeedContext): void {
  const at = (agoMs: number) => new Date(ctx.nowMs - agoMs).toISOString();
  const spa = SEED.clients.spa;

  state.connections.set(SEED.connections.database, {
    id: SEED.connections.database,
    name: DB,
    display_name: 'Northwind account',
    strategy: 'auth0',
    options: {
      brute_force_protection: true,
      requires_username: false,
      passwordPolicy: 'good',
      password_complexity_options: { min_length: 8 },
      disable_signup: false,
      mfa: { active: true, return_enroll_settings: true },
    },
    enabled_clients: [spa, ctx.clientId],
    is_domain_connection: false,
    realms: [DB],
  } satisfies ConnectionRecord);
  state.connections.set(SEED.connections.google, {
    id: SEED.connections.google,
    name: 'google-oauth2',
    strategy: 'google-oauth2',
    options: { email: true, profile: true, scope: ['email', 'profile'] },
    // Turned off for the console when Northwind moved staff to passwords; customers who signed up with
    // Google can no longer log in, which is the story frank's failed login tells.
    enabled_clients: [],
    is_domain_connection: false,
    realms: ['google-oauth2'],
  } satisfies ConnectionRecord);

  const client = (record: ClientRecord) => state.clients.set(record.client_id, record);
  client({
    client_id: spa,
    name: 'Northwind Fleet Console',
    description: 'Browser console where staff and customers track their robot fleets.',
    tenant: TENANT,
    global: false,
    is_first_party: true,
    app_type: 'spa',
    client_secret: 'spa-secret-unused-spa-clients-authenticate-with-pkce-000000000000',
    token_endpoint_auth_method: 'none',
    callbacks: ['https://console.northwind.example.com/callback'],
    allowed_logout_urls: ['https://console.northwind.example.com/'],
    web_origins: ['https://console.northwind.example.com'],
    allowed_origins: ['https://console.northwind.example.com'],
    grant_types: ['authorization_code', 'refresh_token'],
    oidc_conformant: true,
    sso_disabled: false,
    cross_origin_authentication: false,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
    custom_login_page_on: true,
  });
  client({
    client_id: ctx.clientId,
    name: 'Northwind Tenant Automation (tenant-mcp)',
    description: 'Machine-to-machine application the sandbox issues Management API tokens to.',
    tenant: TENANT,
    global: false,
    is_first_party: true,
    app_type: 'non_interactive',
    client_secret: ctx.clientSecret,
    token_endpoint_auth_method: 'client_secret_post',
    callbacks: [],
    grant_types: ['client_credentials'],
    oidc_conformant: true,
    sso_disabled: false,
    cross_origin_authentication: false,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
    custom_login_page_on: true,
  });

  const person = (
    userId: string,
    email: string,
    name: string,
    extra: Partial<UserRecord> & { createdAgo: number },
  ): UserRecord => {
    const [provider, id] = userId.split('|') as [string, string];
    const social = provider !== 'auth0';
    const { createdAgo, ...rest } = extra;
    const record: UserRecord = {
      user_id: userId,
      email,
      email_verified: true,
      name,
      nickname: email.split('@')[0]!,
      given_name: name.split(' ')[0]!,
      family_name: name.split(' ').slice(1).join(' '),
      picture: `https://avatars.example.com/${email.split('@')[0]}.png`,
      created_at: at(createdAgo),
      updated_at: at(createdAgo),
      identities: [{ connection: social ? provider : DB, user_id: id, provider, isSocial: social }],
      app_metadata: {},
      user_metadata: {},
      logins_count: 0,
      ...rest,
    };
    state.users.set(userId, record);
    return record;
  };
  const alice = person(SEED.users.alice, 'alice@northwind.example.com', 'Alice Nguyen', {
    createdAgo: 400 * DAY,
    app_metadata: { department: 'platform', employee_id: 'NW-0042' },
    user_metadata: { theme: 'dark', locale: 'en-GB' },
    logins_count: 212,
    last_login: at(2 * HOUR),
    last_ip: '198.51.100.23',
  });
  const bob = person(SEED.users.bob, 'bob@northwind.example.com', 'Bob Okafor', {
    createdAgo: 300 * DAY,
    app_metadata: { department: 'support', employee_id: 'NW-0107' },
    user_metadata: { locale: 'en-US' },
    logins_count: 87,
    last_login: at(5 * DAY - MINUTE),
    last_ip: '198.51.100.77',
  });
  const carol = person(SEED.users.carol, 'carol@northwind.example.com', 'Carol Martins', {
    createdAgo: 250 * DAY,
    app_metadata: { department: 'field-ops', employee_id: 'NW-0131' },
    logins_count: 54,
    last_login: at(9 * DAY),
    last_ip: '198.51.100.140',
  });
  const dave = person(SEED.users.dave, 'dave@northwind.example.com', 'Dave Whitfield', {
    createdAgo: 500 * DAY,
    app_metadata: { department: 'sales', employee_id: 'NW-0019', contract_ended: true },
    blocked: true,
    logins_count: 301,
    last_login: at(30 * DAY),
    last_ip: '198.51.100.61',
    updated_at: at(12 * DAY),
  });
  const erin = person(SEED.users.erin, 'erin@example.org', 'Erin Kowalski', {
    createdAgo: 2 * DAY,
    email_verified: false,
    user_metadata: { newsletter: true, fleet_size: 3 },
    logins_count: 1,
    last_login: at(2 * DAY - 5 * MINUTE),
    last_ip: '192.0.2.33',
  });
  const frank = person(SEED.users.frank, 'frank.castillo@example.net', 'Frank Castillo', {
    createdAgo: 90 * DAY,
    user_metadata: { fleet_size: 12 },
    logins_count: 14,
    last_login: at(40 * DAY),
    last_ip: '192.0.2.87',
  });
  const grace = person(SEED.users.grace, 'grace@northwind.example.com', 'Grace Liu', {
    createdAgo: 150 * DAY,
    app_metadata: { department: 'finance', employee_id: 'NW-0150' },
    logins_count: 33,
    last_login: at(8 * DAY),
    last_ip: '198.51.100.200',
    last_password_reset: at(150 * DAY),
  });

  const roles: Array<[string, string, string, string[]]> = [
    [SEED.roles.admin, 'admin', 'Full access to the fleet console and tenant settings.', [alice.user_id]],
    [
      SEED.roles.support,
      'support',
      'Helps customers: reads and updates user accounts.',
      [alice.user_id, bob.user_id],
    ],
    [SEED.roles.viewer, 'viewer', 'Read-only access to fleet dashboards.', [grace.user_id, erin.user_id]],
  ];
  for (const [id, name, description, members] of roles) {
    state.roles.set(id, { id, name, description });
    state.roleMembers.set(id, new Set(members));
  }

  state.blocks.push({ identifier: carol.email!, ip: SEED.attackerIp, connection: DB });

  state.enrollments.set(alice.user_id, [
    {
      id: SEED.enrollments.alice,
      status: 'confirmed',
      auth_method: 'guardian',
      name: 'Pixel 8',
      enrolled_at: at(380 * DAY),
      last_auth: at(2 * HOUR),
    },
  ]);
  state.enrollments.set(bob.user_id, [
    {
      id: SEED.enrollments.bob,
      status: 'confirmed',
      auth_method: 'authenticator',
      enrolled_at: at(290 * DAY),
      last_auth: at(5 * DAY - MINUTE),
    },
  ]);

  state.tickets.push({
    id: SEED.graceTicket,
    kind: 'password-change',
    user_id: grace.user_id,
    url: `${ctx.origin}/lo/reset?ticket=${SEED.graceTicket}`,
    created_at: at(DAY),
    expires_at: at(DAY - 5 * DAY),
    client_id: spa,
  });

  const session = (id: string, userId: string, ip: string, createdAgo: number, lastAgo: number) => {
    state.sessions.set(id, {
      id,
      user_id: userId,
      created_at: at(createdAgo),
      updated_at: at(lastAgo),
      authenticated_at: at(createdAgo),
      last_interacted_at: at(lastAgo),
      idle_expires_at: at(lastAgo - 3 * DAY),
      expires_at: at(createdAgo - 30 * DAY),
      device: { initial_ip: ip, initial_user_agent: BROWSER, last_ip: ip, last_user_agent: BROWSER },
      clients: [{ client_id: spa }],
      authentication: { methods: [{ name: 'pwd', timestamp: at(createdAgo) }] },
    });
  };
  session(SEED.sessions.aliceLaptop, alice.user_id, '198.51.100.23', 2 * HOUR, 20 * MINUTE);
  session(SEED.sessions.alicePhone, alice.user_id, '198.51.100.24', 3 * DAY, DAY);
  session(SEED.sessions.bob, bob.user_id, '198.51.100.77', 5 * DAY - MINUTE, 5 * DAY - 30 * MINUTE);

  // Log events, written oldest first so log ids sort in time order.
  const consoleApp = { client_id: spa, client_name: 'Northwind Fleet Console' };
  const automation = { client_id: ctx.clientId, client_name: 'Northwind Tenant Automation (tenant-mcp)' };
  const viaDb = {
    connection: DB,
    connection_id: SEED.connections.database,
    strategy: 'auth0',
    strategy_type: 'database',
  };
  const who = (u: UserRecord) => ({ user_id: u.user_id, user_name: u.email });
  const events: Array<JsonObject & { ago: number; type: string }> = [
    {
      ago: 30 * DAY,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.61',
      ...who(dave),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 12 * DAY,
      type: 'sapi',
      description: 'Management API operation: patch_users_by_id',
      ip: '127.0.0.1',
      ...automation,
      details: {
        request: { method: 'PATCH', path: `/api/v2/users/${dave.user_id}`, body: { blocked: true } },
      },
    },
    {
      ago: 6 * DAY,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.77',
      ...who(bob),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 5 * DAY,
      type: 'fp',
      description: 'Wrong password',
      ip: '198.51.100.77',
      ...who(bob),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 5 * DAY - MINUTE,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.77',
      ...who(bob),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 3 * DAY,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.24',
      ...who(alice),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 2 * DAY,
      type: 'ss',
      description: 'Successful sign-up',
      ip: '192.0.2.33',
      ...who(erin),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 2 * DAY - 5 * MINUTE,
      type: 's',
      description: 'Successful login',
      ip: '192.0.2.33',
      ...who(erin),
      ...consoleApp,
      ...viaDb,
    },
    // Grace's password turned up in a breach: breached-password detection refuses it, she tries others,
    // and support issues her a reset link she has not used yet.
    {
      ago: DAY + 25 * MINUTE,
      type: 'pwd_leak',
      description: 'Login refused: the password was found in a data breach',
      ip: '198.51.100.200',
      ...who(grace),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: DAY + 20 * MINUTE,
      type: 'fp',
      description: 'Wrong password',
      ip: '198.51.100.200',
      ...who(grace),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: DAY + 18 * MINUTE,
      type: 'fp',
      description: 'Wrong password',
      ip: '198.51.100.200',
      ...who(grace),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: DAY,
      type: 'sapi',
      description: 'Management API operation: post_password-change',
      ip: '127.0.0.1',
      ...automation,
      details: {
        request: {
          method: 'POST',
          path: '/api/v2/tickets/password-change',
          body: { user_id: grace.user_id },
        },
      },
    },
    {
      ago: DAY - HOUR,
      type: 'f',
      description: 'Login refused: the user is blocked',
      ip: '198.51.100.61',
      ...who(dave),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: DAY - 2 * HOUR,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.23',
      ...who(alice),
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 6 * HOUR,
      type: 'f',
      description: 'Login refused: the connection is not enabled for this application',
      ip: '192.0.2.87',
      ...who(frank),
      ...consoleApp,
      connection: 'google-oauth2',
      connection_id: SEED.connections.google,
      strategy: 'google-oauth2',
      strategy_type: 'social',
    },
    ...[3 * HOUR, 3 * HOUR - 2 * MINUTE].map((ago) => ({
      ago,
      type: 'fu',
      description: 'Unknown user name or email',
      ip: '192.0.2.200',
      user_name: 'mallory@example.org',
      ...consoleApp,
      ...viaDb,
    })),
    {
      ago: 3 * HOUR - 3 * MINUTE,
      type: 'limit_mu',
      description: 'IP blocked after too many failed logins across accounts',
      ip: SEED.throttledIp,
      user_name: 'mallory@example.org',
      ...consoleApp,
      ...viaDb,
    },
    {
      ago: 2 * HOUR,
      type: 's',
      description: 'Successful login',
      ip: '198.51.100.23',
      ...who(alice),
      ...consoleApp,
      ...viaDb,
    },
    // The console now requires verified emails (an Action), so erin's next login is refused.
    {
      ago: 90 * MINUTE,
      type: 'f',
      description: 'Login refused: please verify your email before logging in',
      ip: '192.0.2.33',
      ...who(erin),
      ...consoleApp,
      ...viaDb,
    },
    ...[60, 58, 56, 54, 52].map((minutes) => ({
      ago: minutes * MINUTE,
      type: 'fp',
      description: 'Wrong password',
      ip: SEED.attackerIp,
      ...who(carol),
      ...consoleApp,
      ...viaDb,
    })),
    {
      ago: 51 * MINUTE,
      type: 'limit_wc',
      description: 'Account locked for this IP after too many failed logins',
      ip: SEED.attackerIp,
      ...who(carol),
      ...consoleApp,
      ...viaDb,
      details: { attempts: 5, identifier: carol.email },
    },
    // Bob has a new phone and his authenticator codes are refused, until MFA locks him out for a while.
    ...[45, 43, 41].map((minutes) => ({
      ago: minutes * MINUTE,
      type: 'gd_auth_failed',
      description: 'MFA one-time code rejected',
      ip: '198.51.100.77',
      ...who(bob),
      ...consoleApp,
      ...viaDb,
    })),
    {
      ago: 40 * MINUTE,
      type: 'gd_otp_rate_limit_exceed',
      description: 'Too many wrong MFA codes',
      ip: '198.51.100.77',
      ...who(bob),
      ...consoleApp,
      ...viaDb,
    },
  ];
  for (const { ago, ...event } of events) {
    state.addLog({
      date: at(ago),
      hostname: HOST,
      ...(event.client_id === spa ? { user_agent: BROWSER } : {}),
      ...event,
    });
  }

  // The fleet API the console calls, the permissions each role grants on it, the tenant's name, the
  // factors Northwind uses, and the IP its suspicious-IP throttling blocked.
  const { store } = state;
  store.collection('/resource-servers', true).set(SEED.resourceServers.fleet, {
    id: SEED.resourceServers.fleet,
    name: 'Northwind Fleet API',
    identifier: 'https://fleet.northwind.example.com/',
    allow_offline_access: true,
    skip_consent_for_verifiable_first_party_clients: true,
    token_lifetime: 86400,
    token_lifetime_for_web: 7200,
    signing_alg: 'RS256',
    scopes: [
      { value: 'read:fleet', description: 'See robots and their telemetry' },
      { value: 'write:fleet', description: 'Send commands to robots' },
      { value: 'admin:fleet', description: 'Add and retire robots' },
    ],
  });
  const grants: Array<[string, string[]]> = [
    [SEED.roles.admin, ['read:fleet', 'write:fleet', 'admin:fleet']],
    [SEED.roles.support, ['read:fleet', 'write:fleet']],
    [SEED.roles.viewer, ['read:fleet']],
  ];
  for (const [roleId, scopes] of grants) {
    const held = store.collection(`/roles/${roleId}/permissions`, true);
    for (const permission_name of scopes) {
      const resource_server_identifier = 'https://fleet.northwind.example.com/';
      held.set(`${resource_server_identifier} ${permission_name}`, {
        resource_server_identifier,
        permission_name,
      });
    }
  }
  const tenantSettings = store.singletons.get('/tenants/settings') as JsonObject;
  store.singletons.set('/tenants/settings', {
    ...tenantSettings,
    friendly_name: 'Northwind Robotics',
    support_email: 'it-help@northwind.example.com',
    support_url: 'https://help.northwind.example.com',
  });
  for (const name of ['otp', 'push-notification'])
    store.collection('/guardian/factors', true).set(name, { name, enabled: true, trial_expired: false });
  store.collection('/anomaly/blocks/ips', true).set(SEED.throttledIp, { id: SEED.throttledIp });
}
