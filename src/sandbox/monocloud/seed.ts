/**
 * The MonoCloud sandbox's starting tenant: the same invented company as the Auth0 sandbox, Northwind
 * Robotics, with people whose stories an agent can be asked about: a locked-out user with blocked
 * IPs, a disabled leaver, a customer who never verified her address, a Google-only customer, a user
 * whose password reset is forced and pending, and staff with sessions, passkeys and grants.
 * Ids are fixed; times are offsets from the start time, so runs differ only in absolute time.
 */
import { createHash } from 'node:crypto';
import {
  connectionFor,
  hashPassword,
  type JsonObject,
  type MonoCloudState,
  type MonoUser,
  type SessionMetadata,
  type UserEmail,
  type UserPhone,
} from './state.js';

const id = (prefix: string, n: number) => `${prefix}-5eed-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Fixed ids and facts of the seeded records, for tests and demos. */
export const MONOCLOUD_SEED = {
  users: {
    /** alice@northwind.example.com: platform admin; username, phone, two passkeys, two sessions, grants. */
    alice: id('a11ce000', 1),
    /** bob@northwind.example.com: support agent; GitHub linked; one live session, one expired. */
    bob: id('b0b00000', 2),
    /** carol@northwind.example.com: locked out after failed sign-ins from two blocked IPs. */
    carol: id('ca201000', 3),
    /** dave@northwind.example.com: left the company; disabled. */
    dave: id('dafe0000', 4),
    /** erin@example.org: customer who signed up two days ago; email and phone unverified. */
    erin: id('e2100000', 5),
    /** frank.castillo@example.net: customer who signs in with Google only; no password. */
    frank: id('f2a4c000', 6),
    /** grace@northwind.example.com: password reset forced, reset link sent and not used yet. */
    grace: id('92ace000', 7),
  },
  emails: {
    alice: id('e4a11000', 1),
    bob: id('e4a11000', 2),
    carol: id('e4a11000', 3),
    dave: id('e4a11000', 4),
    /** Unverified. */
    erin: id('e4a11000', 5),
    frank: id('e4a11000', 6),
    grace: id('e4a11000', 7),
  },
  phones: {
    /** +447700900123, verified. */
    alice: id('f0e00000', 1),
    /** +12025550143, unverified. */
    erin: id('f0e00000', 5),
  },
  passkeys: {
    aliceLaptop: id('ba55c0de', 1),
    alicePhone: id('ba55c0de', 2),
  },
  sessions: {
    aliceLaptop: id('5e551000', 1),
    alicePhone: id('5e551000', 2),
    bobDesktop: id('5e551000', 3),
    /** Expired yesterday: stored, never listed. */
    bobExpired: id('5e551000', 4),
    erinPhone: id('5e551000', 5),
  },
  groups: {
    fleetAdmins: id('9a0c0000', 1),
    supportAgents: id('9a0c0000', 2),
    customers: id('9a0c0000', 3),
    finance: id('9a0c0000', 4),
    /** Nobody in it yet. */
    betaTesters: id('9a0c0000', 5),
  },
  clients: {
    /** Browser console for staff and customers. */
    console: id('c11e4700', 1),
    /** Phone app for customers. */
    mobile: id('c11e4700', 2),
  },
  consents: {
    aliceConsole: id('c0a5e400', 1),
    aliceMobile: id('c0a5e400', 2),
    bobConsole: id('c0a5e400', 3),
    erinMobile: id('c0a5e400', 4),
    frankMobile: id('c0a5e400', 5),
  },
  refreshTokens: {
    /** Bound to alice's laptop session. */
    aliceLaptop: id('4ef4e500', 1),
    /** Issued in alice's phone session but not bound to it. */
    alicePhone: id('4ef4e500', 2),
    erinPhone: id('4ef4e500', 3),
  },
  referenceTokens: {
    aliceLaptop: id('4ef4e4e0', 1),
    bobDesktop: id('4ef4e4e0', 2),
  },
  authorizationCodes: {
    /** Issued a minute ago on alice's phone, not yet exchanged. */
    alicePhone: id('c0de0000', 1),
  },
  /** Where most of carol's failed sign-ins came from. */
  attackerIp: '203.0.113.45',
  /** A second address that tried carol's account. */
  secondAttackerIp: '203.0.113.99',
  /** Seeded users' passwords (invented; the sandbox is not a real tenant). frank has none. */
  passwords: {
    alice: 'Northwind-Alice-42',
    bob: 'Support-Bob-107',
    carol: 'FieldOps-Carol-131',
    dave: 'Sales-Dave-019',
    erin: 'Fleet-Erin-2024',
    grace: 'Finance-Grace-150',
  },
  /** Token of grace's pending password reset link. */
  graceResetToken: 'gR4ceP3nd1ngR3s3tL1nk0000000001',
  /** Token of erin's expired email verification link. */
  erinVerifyToken: 'eR1nExp1r3dV3r1fyL1nk0000000001',
} as const;

/** What the seed needs to know about the running sandbox. */
export interface MonoCloudSeedContext {
  /** Start time, epoch seconds; every seeded time is relative to it. */
  now: number;
  /** Sandbox origin, for links and token issuers. */
  origin: string;
}

const S = MONOCLOUD_SEED;
const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const PHONE_APP = 'NorthwindFleet/3.4.1 (iPhone; iOS 17.5)';
const STAFF_SOURCE = 'management_api';

/** Fills an empty state with the Northwind Robotics tenant. */
export function seedMonoCloudTenant(state: MonoCloudState, ctx: MonoCloudSeedContext): void {
  const at = (ago: number) => ctx.now - ago;
  const email = (
    emailId: string,
    address: string,
    verified = true,
    source = STAFF_SOURCE,
    verifiedBy = STAFF_SOURCE,
  ): UserEmail => ({
    id: emailId,
    primary: true,
    verified,
    source,
    verification_source: verified ? verifiedBy : null,
    email: address,
  });
  const phone = (phoneId: string, number: string, verified: boolean, source: string): UserPhone => ({
    id: phoneId,
    primary: true,
    verified,
    source,
    verification_source: verified ? 'sms' : null,
    phone: number,
  });
  const claims = (name: string, extra: JsonObject = {}): JsonObject => {
    const [given, ...family] = name.split(' ');
    return {
      name,
      given_name: given,
      family_name: family.join(' '),
      nickname: given!.toLowerCase(),
      picture: `https://avatars.example.com/${given!.toLowerCase()}.png`,
      ...extra,
    };
  };

  const person = (
    userId: string,
    createdAgo: number,
    fields: Partial<MonoUser> & { emails: UserEmail[]; claims: JsonObject },
    password?: string,
  ): MonoUser => {
    const user: MonoUser = {
      user_id: userId,
      disabled: false,
      connections: [connectionFor('monocloud')],
      public_data: {},
      private_data: {},
      phone_numbers: [],
      passkeys: [],
      force_password_reset: false,
      external_providers: [],
      creation_time: at(createdAgo),
      last_updated: at(createdAgo),
      username: null,
      has_password: password !== undefined,
      password_updated_at: password !== undefined ? at(createdAgo) : null,
      block_until: null,
      failure_count: 0,
      sign_in_attempts_count: 0,
      last_sign_in_attempt: null,
      last_sign_in_attempt_ip: null,
      sign_in_success_count: 0,
      last_sign_in_success: null,
      last_sign_in_success_ip: null,
      last_activity: null,
      last_known_city: null,
      last_known_country: null,
      last_known_region: null,
      ...fields,
    };
    state.users.set(userId, user);
    // Fixed salts keep seeded hashes identical run to run.
    if (password !== undefined) state.passwords.set(userId, hashPassword(password, userId.slice(0, 8)));
    return user;
  };
  const signIns = (attempts: number, successes: number, lastAgo: number, ip: string) => ({
    sign_in_attempts_count: attempts,
    sign_in_success_count: successes,
    last_sign_in_attempt: at(lastAgo),
    last_sign_in_attempt_ip: ip,
    last_sign_in_success: at(lastAgo),
    last_sign_in_success_ip: ip,
    last_activity: at(lastAgo),
  });
  const leeds = { last_known_city: 'Leeds', last_known_region: 'England', last_known_country: 'GB' };

  person(
    S.users.alice,
    400 * DAY,
    {
      emails: [email(S.emails.alice, 'alice@northwind.example.com')],
      phone_numbers: [phone(S.phones.alice, '+447700900123', true, STAFF_SOURCE)],
      username: { id: id('05e40000', 1), username: 'alice.nguyen', source: STAFF_SOURCE },
      claims: claims('Alice Nguyen', { locale: 'en-GB', zoneinfo: 'Europe/London' }),
      public_data: { theme: 'dark', dashboard: 'compact' },
      private_data: { employee_id: 'NW-0042', department: 'platform' },
      passkeys: [
        passkey(S.passkeys.aliceLaptop, 'Work laptop', BROWSER),
        passkey(S.passkeys.alicePhone, 'Phone', PHONE_APP),
      ],
      password_updated_at: at(120 * DAY),
      ...signIns(215, 212, 2 * HOUR, '198.51.100.23'),
      last_activity: at(20 * MINUTE),
      ...leeds,
    },
    S.passwords.alice,
  );
  person(
    S.users.bob,
    300 * DAY,
    {
      emails: [email(S.emails.bob, 'bob@northwind.example.com')],
      claims: claims('Bob Okafor', { locale: 'en-US' }),
      connections: [connectionFor('monocloud'), connectionFor('github')],
      external_providers: [
        {
          authenticator: 'github',
          provider_user_id: '58213477',
          claims: { login: 'bob-okafor-nw', email: 'bob@northwind.example.com', name: 'Bob Okafor' },
        },
      ],
      private_data: { employee_id: 'NW-0107', department: 'support' },
      // One mistyped password five days ago, then a success that reset the failure count.
      ...signIns(89, 87, 5 * DAY - MINUTE, '198.51.100.77'),
      ...leeds,
    },
    S.passwords.bob,
  );
  person(
    S.users.carol,
    250 * DAY,
    {
      emails: [email(S.emails.carol, 'carol@northwind.example.com')],
      claims: claims('Carol Martins'),
      private_data: { employee_id: 'NW-0131', department: 'field-ops' },
      sign_in_attempts_count: 62,
      sign_in_success_count: 54,
      failure_count: 5,
      block_until: at(-9 * MINUTE),
      last_sign_in_attempt: at(20 * MINUTE),
      last_sign_in_attempt_ip: S.secondAttackerIp,
      last_sign_in_success: at(9 * DAY),
      last_sign_in_success_ip: '198.51.100.140',
      last_activity: at(9 * DAY),
      last_known_city: 'Bristol',
      last_known_region: 'England',
      last_known_country: 'GB',
    },
    S.passwords.carol,
  );
  state.ipAccess.set(S.users.carol, [
    {
      ip: S.attackerIp,
      failure_count: 5,
      sign_in_attempts_count: 5,
      block_until: at(-9 * MINUTE),
      last_sign_in_attempt: at(51 * MINUTE),
    },
    {
      ip: S.secondAttackerIp,
      failure_count: 3,
      sign_in_attempts_count: 3,
      block_until: at(-40 * MINUTE),
      last_sign_in_attempt: at(20 * MINUTE),
    },
    {
      ip: '198.51.100.140',
      failure_count: 0,
      sign_in_attempts_count: 54,
      block_until: null,
      last_sign_in_attempt: at(9 * DAY),
    },
  ]);
  person(
    S.users.dave,
    500 * DAY,
    {
      emails: [email(S.emails.dave, 'dave@northwind.example.com')],
      username: { id: id('05e40000', 4), username: 'dave.w', source: STAFF_SOURCE },
      claims: claims('Dave Whitfield'),
      private_data: { employee_id: 'NW-0019', department: 'sales', contract_ended: true },
      disabled: true,
      last_updated: at(12 * DAY),
      ...signIns(305, 301, 30 * DAY, '198.51.100.61'),
      ...leeds,
    },
    S.passwords.dave,
  );
  person(
    S.users.erin,
    2 * DAY,
    {
      emails: [email(S.emails.erin, 'erin@example.org', false, 'sign_up')],
      phone_numbers: [phone(S.phones.erin, '+12025550143', false, 'sign_up')],
      claims: claims('Erin Kowalski', { locale: 'en-US' }),
      public_data: { fleet_size: 3, newsletter: true },
      ...signIns(1, 1, 2 * DAY - 5 * MINUTE, '192.0.2.33'),
      last_known_city: 'Baltimore',
      last_known_region: 'Maryland',
      last_known_country: 'US',
    },
    S.passwords.erin,
  );
  person(S.users.frank, 90 * DAY, {
    emails: [email(S.emails.frank, 'frank.castillo@example.net', true, 'google', 'google')],
    claims: claims('Frank Castillo'),
    connections: [connectionFor('google')],
    external_providers: [
      {
        authenticator: 'google',
        provider_user_id: '104729384756102938475',
        claims: {
          email: 'frank.castillo@example.net',
          email_verified: true,
          name: 'Frank Castillo',
          picture: 'https://avatars.example.com/frank.png',
        },
      },
    ],
    public_data: { fleet_size: 12 },
    ...signIns(14, 14, 40 * DAY, '192.0.2.87'),
    last_known_city: 'Austin',
    last_known_region: 'Texas',
    last_known_country: 'US',
  });
  person(
    S.users.grace,
    150 * DAY,
    {
      emails: [email(S.emails.grace, 'grace@northwind.example.com')],
      claims: claims('Grace Liu'),
      private_data: { employee_id: 'NW-0150', department: 'finance' },
      // Two wrong passwords yesterday; an administrator then forced a reset and sent her a link.
      force_password_reset: true,
      failure_count: 2,
      sign_in_attempts_count: 35,
      sign_in_success_count: 33,
      last_sign_in_attempt: at(DAY + 18 * MINUTE),
      last_sign_in_attempt_ip: '198.51.100.200',
      last_sign_in_success: at(8 * DAY),
      last_sign_in_success_ip: '198.51.100.200',
      last_activity: at(8 * DAY),
      last_updated: at(DAY),
      ...leeds,
    },
    S.passwords.grace,
  );

  state.links.push(
    {
      kind: 'email_verification',
      token: S.erinVerifyToken,
      user_id: S.users.erin,
      identifier_id: S.emails.erin,
      link: `${ctx.origin}/verify-email?token=${S.erinVerifyToken}`,
      created_at: at(2 * DAY),
      expires_at: at(DAY),
      email_sent: true,
    },
    {
      kind: 'password_reset',
      token: S.graceResetToken,
      user_id: S.users.grace,
      link: `${ctx.origin}/reset-password?token=${S.graceResetToken}`,
      created_at: at(DAY),
      expires_at: at(-2 * DAY),
      email_sent: true,
    },
  );

  state.clients.set(S.clients.console, { client_id: S.clients.console, name: 'Northwind Fleet Console' });
  state.clients.set(S.clients.mobile, { client_id: S.clients.mobile, name: 'Northwind Fleet Mobile' });

  const groups: Array<[string, string, Array<[string, number]>]> = [
    [S.groups.fleetAdmins, 'Fleet Admins', [[S.users.alice, 380 * DAY]]],
    [
      S.groups.supportAgents,
      'Support Agents',
      [
        [S.users.alice, 380 * DAY],
        [S.users.bob, 300 * DAY],
      ],
    ],
    [
      S.groups.customers,
      'Customers',
      [
        [S.users.frank, 90 * DAY],
        [S.users.erin, 2 * DAY],
      ],
    ],
    [S.groups.finance, 'Finance', [[S.users.grace, 150 * DAY]]],
    [S.groups.betaTesters, 'Beta Testers', []],
  ];
  for (const [groupId, name, members] of groups) {
    state.groups.set(groupId, { group_id: groupId, name });
    for (const [userId, ago] of members)
      state.memberships.push({ group_id: groupId, user_id: userId, creation_time: at(ago) });
  }

  const session = (
    sessionId: string,
    userId: string,
    clientIds: string[],
    startedAgo: number,
    lastAgo: number,
    where: SessionMetadata,
  ) => {
    state.sessions.set(sessionId, {
      session_id: sessionId,
      user_id: userId,
      client_ids: clientIds,
      initiated_at: at(startedAgo),
      expires_at: at(startedAgo - 30 * DAY),
      last_updated: at(lastAgo),
      last_metadata: where,
    });
  };
  const office = (ip: string, agent = BROWSER): SessionMetadata => ({
    city: 'Leeds',
    country: 'GB',
    region: 'England',
    latitude: '53.8008',
    longitude: '-1.5491',
    ip_address: ip,
    user_agent: agent,
  });
  const C = S.clients;
  session(S.sessions.aliceLaptop, S.users.alice, [C.console], 2 * HOUR, 20 * MINUTE, office('198.51.100.23'));
  session(
    S.sessions.alicePhone,
    S.users.alice,
    [C.mobile, C.console],
    3 * DAY,
    DAY,
    office('198.51.100.24', PHONE_APP),
  );
  session(
    S.sessions.bobDesktop,
    S.users.bob,
    [C.console],
    5 * DAY - MINUTE,
    5 * DAY - 30 * MINUTE,
    office('198.51.100.77'),
  );
  session(
    S.sessions.bobExpired,
    S.users.bob,
    [C.console],
    31 * DAY,
    31 * DAY - HOUR,
    office('198.51.100.77'),
  );
  session(S.sessions.erinPhone, S.users.erin, [C.mobile], 2 * DAY - 5 * MINUTE, 2 * DAY - 5 * MINUTE, {
    city: 'Baltimore',
    country: 'US',
    region: 'Maryland',
    latitude: '39.2904',
    longitude: '-76.6122',
    ip_address: '192.0.2.33',
    user_agent: PHONE_APP,
  });

  const scopes = ['openid', 'profile', 'email', 'offline_access'];
  const consent = (consentId: string, userId: string, clientId: string, ago: number) =>
    state.consents.push({
      id: consentId,
      user_id: userId,
      client_id: clientId,
      creation_time: at(ago),
      scopes: scopes.map((scope) => ({ scope, granted_on: at(ago), expiration: null })),
    });
  consent(S.consents.aliceConsole, S.users.alice, C.console, 380 * DAY);
  consent(S.consents.aliceMobile, S.users.alice, C.mobile, 60 * DAY);
  consent(S.consents.bobConsole, S.users.bob, C.console, 300 * DAY);
  consent(S.consents.erinMobile, S.users.erin, C.mobile, 2 * DAY);
  consent(S.consents.frankMobile, S.users.frank, C.mobile, 90 * DAY);

  const audiences = ['https://api.northwind.example.com/fleet'];
  const token = (
    tokenId: string,
    userId: string,
    clientId: string,
    sessionId: string,
    bound: boolean,
    ago: number,
    lifetime: number,
  ) => ({
    id: tokenId,
    user_id: userId,
    client_id: clientId,
    creation_time: at(ago),
    session_id: sessionId,
    is_session_bound: bound,
    scopes,
    expiration: at(ago - lifetime),
    audiences,
    issuer: ctx.origin,
  });
  state.refreshTokens.push(
    token(
      S.refreshTokens.aliceLaptop,
      S.users.alice,
      C.console,
      S.sessions.aliceLaptop,
      true,
      2 * HOUR,
      30 * DAY,
    ),
    token(
      S.refreshTokens.alicePhone,
      S.users.alice,
      C.mobile,
      S.sessions.alicePhone,
      false,
      3 * DAY,
      90 * DAY,
    ),
    token(S.refreshTokens.erinPhone, S.users.erin, C.mobile, S.sessions.erinPhone, true, 2 * DAY, 90 * DAY),
  );
  state.referenceTokens.push(
    token(
      S.referenceTokens.aliceLaptop,
      S.users.alice,
      C.console,
      S.sessions.aliceLaptop,
      true,
      20 * MINUTE,
      HOUR,
    ),
    token(
      S.referenceTokens.bobDesktop,
      S.users.bob,
      C.console,
      S.sessions.bobDesktop,
      false,
      5 * DAY,
      7 * DAY,
    ),
  );
  state.authorizationCodes.push({
    id: S.authorizationCodes.alicePhone,
    user_id: S.users.alice,
    client_id: C.mobile,
    creation_time: at(MINUTE),
    session_id: S.sessions.alicePhone,
    authorized_scopes: scopes,
    expiration: at(MINUTE - 5 * MINUTE),
  });
}

/** A passkey whose key material is derived from its id, so it is fixed but looks like the real thing. */
function passkey(passkeyId: string, name: string, agent: string) {
  return {
    name,
    passkey_id: passkeyId,
    public_key: createHash('sha512').update(passkeyId).digest('base64'),
    aa_guid: `${passkeyId.slice(0, 8)}-0000-4000-8000-00000000aa01`,
    backup_state: name === 'Phone',
    backup_eligibility: true,
    user_present: true,
    user_verified: true,
    user_agent: agent,
  };
}
