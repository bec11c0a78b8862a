/**
 * The MonoCloud sandbox's starting tenant: the same invented company as the Auth0 sandbox, Northwind
 * Robotics, with people whose stories an agent can be asked about: a locked-out user with blocked
 * IPs, a disabled leaver, a customer who never verified her address, a Google-only customer, a user
 * whose password reset is forced and pending, and staff with sessions, passkeys and grants; and the
 * tenant around them: applications (one limited to two groups), the fleet API with scopes, a policy
 * and a secret, network zones, a device trust store with a revocation list, and an audit log.
 * Ids are fixed; times are offsets from the start time, so runs differ only in absolute time.
 */
import { createHash } from 'node:crypto';
import { certificatesOf, crlDer, parseCrl, thumbprintOf } from '../crl.js';
import { writeLog } from './audit.js';
import { recordDefaults } from './defaults.js';
import { fixedId } from './fixtures.js';
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

const id = fixedId;

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
    /** Staff-only admin portal: only Fleet Admins and Finance may use it. */
    adminPortal: id('c11e4700', 3),
    /** Machine-to-machine job that syncs the fleet; has a client secret. */
    automation: id('c11e4700', 4),
  },
  /** Client secrets. */
  secrets: {
    /** The console's shared secret. */
    console: id('5ec4e700', 1),
    /** The automation job's shared secret, expiring in 30 days. */
    automation: id('5ec4e700', 2),
    /** The fleet API's introspection secret. */
    fleetApi: id('5ec4e700', 3),
  },
  /** The fleet API and what hangs off it. */
  api: {
    /** Audience https://api.northwind.example.com/fleet. */
    fleet: id('a91a0000', 1),
    /** Scope fleet:read. */
    readScope: id('a915c000', 1),
    /** Scope fleet:write. */
    writeScope: id('a915c000', 2),
    /** Basic policy letting the automation job read and write the fleet. */
    automationPolicy: id('a910c000', 1),
    /** Advanced (Cedar) policy forbidding writes outside office hours. */
    officeHoursPolicy: id('a910c000', 2),
  },
  /** A custom claim and the identity scope that releases it. */
  employeeClaim: id('c1a10000', 0x101),
  employeeScope: id('5c09e000', 0x101),
  zones: {
    /** The Leeds office range, trusted. */
    office: id('20ae0000', 1),
    /** The address that attacked carol, blocked. */
    attackers: id('20ae0000', 2),
    /** Countries Northwind serves, trusted. */
    serviceRegions: id('20ae0000', 3),
  },
  /** Trust store of the robots' client certificates (the default one). */
  deviceTrustStore: id('74057000', 1),
  /** Its CRL (number 1), revoking the certificate of fleet unit 42. */
  deviceCrl: id('c4100000', 1),
  /** A banned device certificate thumbprint. */
  deviceBan: id('ba2c0000', 1),
  /** Sign-up field collecting the customer's company. */
  companyField: 'company',
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

  seedDirectory(state, at);

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

/** The Northwind device CA (public certificate only; its key signed the CRL below and is not kept). */
const DEVICE_CA = `-----BEGIN CERTIFICATE-----
MIIB7TCCAZOgAwIBAgIUUyDBZuqrEMppbcHA2yXzhEnFGIcwCgYIKoZIzj0EAwIw
RDElMCMGA1UEAwwcTm9ydGh3aW5kIFJvYm90aWNzIERldmljZSBDQTEbMBkGA1UE
CgwSTm9ydGh3aW5kIFJvYm90aWNzMB4XDTI2MTIwMzE4MzE1N1oXDTQ2MTEyODE4
MzE1N1owRDElMCMGA1UEAwwcTm9ydGh3aW5kIFJvYm90aWNzIERldmljZSBDQTEb
MBkGA1UECgwSTm9ydGh3aW5kIFJvYm90aWNzMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE9lbZxFMwvIyqxEiCXCivyLTY3wg/2UHprWjmqSSnOMkP9zQBBA2M9OGl
KBrpn9IgN5MY8eLkMQ4WjMaV3uzUj6NjMGEwHQYDVR0OBBYEFFQbVLAL5QSDEEWi
0AdskD2z76WjMB8GA1UdIwQYMBaAFFQbVLAL5QSDEEWi0AdskD2z76WjMA8GA1Ud
EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIBPx
G0zvT7eY0UERNjpGmeQSv2mwR8a1+fZ5OViesLgkAiEAhopbjnzVar3i5qzrgpq2
kvcL3Fi/3Lp4nlN12CngCRo=
-----END CERTIFICATE-----
`;

/** A CRL of the device CA, made with OpenSSL: number 1, revoking serial 1A2B3C (fleet unit 42). */
const DEVICE_CRL = `-----BEGIN X509 CRL-----
MIIBFTCBvAIBATAKBggqhkjOPQQDAjBEMSUwIwYDVQQDDBxOb3J0aHdpbmQgUm9i
b3RpY3MgRGV2aWNlIENBMRswGQYDVQQKDBJOb3J0aHdpbmQgUm9ib3RpY3MXDTI2
MTIwMzE4MzIwMloXDTM2MTEzMDE4MzIwMlowFjAUAgMaKzwXDTI2MTEwMTAwMDAw
MFqgLzAtMB8GA1UdIwQYMBaAFFQbVLAL5QSDEEWi0AdskD2z76WjMAoGA1UdFAQD
AgEBMAoGCCqGSM49BAMCA0gAMEUCIGfe23VsYaOfk4KlJblEws8LOWioPl9QGduX
0IFgVzdaAiEAjvJ/A02Sx2DyLHgE9zTY6O1KibdjUZlYsmdtFmAoeb4=
-----END X509 CRL-----
`;

/**
 * Applications, groups, the fleet API, identity extras, network zones, the device trust store,
 * sign-up fields and the audit log of the Northwind tenant.
 */
function seedDirectory(state: MonoCloudState, at: (ago: number) => number): void {
  const store = state.store;
  const stamp = (ago: number) => ({ creation_time: at(ago), last_updated: at(ago) });
  const put = (path: string, template: string, record: JsonObject) => {
    store.collection(path, true).set(String(record.id ?? record.group_id ?? record.claim_name), {
      ...recordDefaults(template),
      ...record,
    });
  };
  const C = S.clients;
  const console = 'https://console.northwind.example.com';
  put('/applications', '/applications', {
    id: C.console,
    client_name: 'Northwind Fleet Console',
    app_type: 'web_app',
    tech_type: 'next_js',
    client_uri: console,
    allowed_grant_types: ['authorization_code'],
    redirect_uris: [`${console}/api/auth/callback`],
    post_logout_redirect_uris: [console],
    allow_offline_access: true,
    allowed_identity_scopes: ['openid', 'profile', 'email'],
    allowed_cors_origins: [console],
    ...stamp(400 * DAY),
  });
  put('/applications', '/applications', {
    id: C.mobile,
    client_name: 'Northwind Fleet Mobile',
    app_type: 'native',
    tech_type: 'react_native',
    require_client_secret: false,
    allowed_grant_types: ['authorization_code'],
    redirect_uris: ['com.northwind.fleet://callback'],
    allow_offline_access: true,
    refresh_token_expiration: 'sliding',
    allowed_identity_scopes: ['openid', 'profile', 'email', 'phone'],
    ...stamp(300 * DAY),
  });
  put('/applications', '/applications', {
    id: C.adminPortal,
    client_name: 'Northwind Admin Portal',
    app_type: 'web_app',
    tech_type: 'dotnet',
    allowed_grant_types: ['authorization_code'],
    redirect_uris: ['https://admin.northwind.example.com/signin-oidc'],
    allowed_identity_scopes: ['openid', 'profile', 'email', 'employee'],
    ...stamp(200 * DAY),
  });
  put('/applications', '/applications', {
    id: C.automation,
    client_name: 'Fleet Sync Job',
    app_type: 'm2m',
    tech_type: 'node_js',
    require_pkce: false,
    allowed_grant_types: ['client_credentials'],
    allowed_identity_scopes: [],
    ...stamp(120 * DAY),
  });
  const secret = (path: string, secretId: string, ago: number, extra: JsonObject = {}) =>
    put(path, '/applications/{client_id}/secrets', {
      id: secretId,
      secret_value: createHash('sha256').update(secretId).digest('base64url'),
      ...stamp(ago),
      ...extra,
    });
  secret(`/applications/${C.console}/secrets`, S.secrets.console, 400 * DAY, {
    description: 'Console back end',
  });
  secret(`/applications/${C.automation}/secrets`, S.secrets.automation, 60 * DAY, {
    description: 'Rotated every 90 days',
    expiration: at(-30 * DAY),
  });

  const groups: Array<[string, string, string, Array<[string, number]>]> = [
    [S.groups.fleetAdmins, 'Fleet Admins', 'Run the fleet and the tenant', [[S.users.alice, 380 * DAY]]],
    [
      S.groups.supportAgents,
      'Support Agents',
      'Answer customers',
      [
        [S.users.alice, 380 * DAY],
        [S.users.bob, 300 * DAY],
      ],
    ],
    [
      S.groups.customers,
      'Customers',
      'Everyone who signed up for the fleet service',
      [
        [S.users.frank, 90 * DAY],
        [S.users.erin, 2 * DAY],
      ],
    ],
    [S.groups.finance, 'Finance', 'Invoices and payroll', [[S.users.grace, 150 * DAY]]],
    [S.groups.betaTesters, 'Beta Testers', 'Try new robot firmware first', []],
  ];
  for (const [groupId, name, description, members] of groups) {
    put('/groups', '/groups', { group_id: groupId, name, description, ...stamp(400 * DAY) });
    for (const [userId, ago] of members)
      state.memberships.push({ group_id: groupId, user_id: userId, creation_time: at(ago) });
  }
  for (const [groupId, ago] of [
    [S.groups.fleetAdmins, 200 * DAY],
    [S.groups.finance, 150 * DAY],
  ] as const)
    store
      .collection(`/applications/${C.adminPortal}/groups`, true)
      .set(groupId, { group_id: groupId, creation_time: at(ago) });

  const A = S.api;
  const apiPath = `/resources/api_resources/${A.fleet}`;
  put('/resources/api_resources', '/resources/api_resources', {
    id: A.fleet,
    display_name: 'Northwind Fleet API',
    description: 'Robots, routes and maintenance records',
    audience: 'https://api.northwind.example.com/fleet',
    access_token_lifetime: 1800,
    user_claims: ['email'],
    ...stamp(380 * DAY),
  });
  for (const [scopeId, name, description] of [
    [A.readScope, 'fleet:read', 'Read robots and routes'],
    [A.writeScope, 'fleet:write', 'Change robots and routes'],
  ] as const)
    put(`${apiPath}/scopes`, '/resources/api_resources/{api_id}/scopes', {
      id: scopeId,
      name,
      display_name: description,
      ...stamp(380 * DAY),
    });
  secret(`${apiPath}/secrets`, S.secrets.fleetApi, 380 * DAY, { description: 'Token introspection' });
  put(`${apiPath}/policies/basic`, '/resources/api_resources/{api_id}/policies/basic', {
    id: A.automationPolicy,
    name: 'Fleet sync job',
    client_id: C.automation,
    scopes: ['fleet:read', 'fleet:write'],
    actions: { access_token_lifetime: 600 },
    ...stamp(120 * DAY),
  });
  put(`${apiPath}/policies/advanced`, '/resources/api_resources/{api_id}/policies/advanced', {
    id: A.officeHoursPolicy,
    name: 'No writes at night',
    is_permitted: false,
    cedar: [
      '@id("no-writes-at-night")',
      'forbid (principal, action, resource)',
      'when { context.scopes.contains("fleet:write") && (context.hour < 6 || context.hour > 22) };',
    ].join('\n'),
    ...stamp(60 * DAY),
  });

  put('/resources/claim_resources', '/resources/claim_resources', {
    id: S.employeeClaim,
    name: 'employee_id',
    display_name: 'Employee number',
    source: 'user.private_data.employee_id',
    show_in_discovery_document: false,
    ...stamp(200 * DAY),
  });
  put('/resources/scopes', '/resources/scopes', {
    id: S.employeeScope,
    name: 'employee',
    display_name: 'Employee details',
    show_in_discovery_document: false,
    user_claims: [{ claim: 'employee_id', include_in_identity_token: true, include_in_user_info: true }],
    ...stamp(200 * DAY),
  });

  const Z = S.zones;
  put('/network_zones/ip', '/network_zones/ip', {
    id: Z.office,
    name: 'Leeds office',
    category: 'trusted',
    operator: 'in',
    ip_ranges: ['198.51.100.0/24'],
    ...stamp(300 * DAY),
  });
  put('/network_zones/ip', '/network_zones/ip', {
    id: Z.attackers,
    name: 'Blocked attackers',
    description: 'Added after the attempts on carol',
    category: 'blocked',
    operator: 'in',
    ip_ranges: [S.attackerIp, S.secondAttackerIp],
    ...stamp(HOUR / 2),
  });
  put('/network_zones/regional', '/network_zones/regional', {
    id: Z.serviceRegions,
    name: 'Service regions',
    category: 'trusted',
    operator: 'in',
    countries: ['GB', 'US'],
    ...stamp(300 * DAY),
  });

  const storePath = `/truststores/${S.deviceTrustStore}`;
  put('/truststores', '/truststores', {
    id: S.deviceTrustStore,
    name: 'Fleet devices',
    is_default: true,
    cert_chain: DEVICE_CA,
    ...stamp(250 * DAY),
  });
  const crl = parseCrl(crlDer(DEVICE_CRL));
  const [ca] = certificatesOf(DEVICE_CA);
  put(`${storePath}/revocations`, '/truststores/{trust_store_id}/revocations', {
    id: S.deviceCrl,
    value: DEVICE_CRL,
    issuer_thumbprint: thumbprintOf(ca!),
    issued_at: crl.issuedAt,
    next_update: crl.nextUpdate,
    creation_time: at(30 * DAY),
    type: 'base',
    crl_number: crl.crlNumber,
    delta_crl_number: null,
    base_revocation_id: null,
  });
  put(`${storePath}/banned_certificates`, '/truststores/{trust_store_id}/banned_certificates', {
    id: S.deviceBan,
    value: createHash('sha1').update('fleet-unit-0013').digest('hex').toUpperCase(),
    reason: 'Unit 13 reported stolen',
    creation_time: at(10 * DAY),
  });

  put('/options/authentication/signup/custom_fields', '/options/authentication/signup/custom_fields', {
    claim_name: S.companyField,
    enabled: true,
    required: false,
    value_type: 'string',
    label: 'Company',
  });

  const user = (userId: string, name: string) => ({ type: 'user', id: userId, name, identifier: null });
  const signIn = (ago: number, userId: string, who: string, ip: string, ok: boolean) =>
    writeLog(state, {
      code: ok ? 'user_sign_in_succeeded' : 'user_sign_in_failed',
      category: 'authentication',
      type: ok ? 'success' : 'failure',
      at: at(ago),
      description: ok ? `${who} signed in.` : `${who} typed a wrong password.`,
      actor: { type: 'user', id: userId, name: who },
      targets: [user(userId, who)],
      ip,
      client: { id: C.console, name: 'Northwind Fleet Console' },
    });
  signIn(2 * HOUR, S.users.alice, 'Alice Nguyen', '198.51.100.23', true);
  writeLog(state, {
    code: 'user_registration_succeeded',
    category: 'users',
    at: at(2 * DAY),
    description: 'Erin Kowalski signed up.',
    actor: { type: 'user', id: S.users.erin, name: 'Erin Kowalski' },
    targets: [user(S.users.erin, 'Erin Kowalski')],
    ip: '192.0.2.33',
    client: { id: C.mobile, name: 'Northwind Fleet Mobile' },
  });
  for (let i = 0; i < 5; i++)
    signIn(55 * MINUTE - i * MINUTE, S.users.carol, 'Carol Martins', S.attackerIp, false);
  writeLog(state, {
    code: 'identifier_ip_blocked',
    category: 'blocks',
    type: 'information',
    at: at(51 * MINUTE),
    description: `Sign-ins to carol@northwind.example.com from ${S.attackerIp} are blocked after 5 failures.`,
    actor: { type: 'system', name: 'Account protection' },
    targets: [user(S.users.carol, 'Carol Martins'), { type: 'ip_address', id: S.attackerIp }],
    ip: S.attackerIp,
  });
  writeLog(state, {
    code: 'user_account_blocked',
    category: 'blocks',
    type: 'information',
    at: at(20 * MINUTE),
    description: 'Carol Martins is locked out after repeated failures from two addresses.',
    actor: { type: 'system', name: 'Account protection' },
    targets: [user(S.users.carol, 'Carol Martins')],
    ip: S.secondAttackerIp,
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
