/**
 * A realistic request for each of the 148 MonoCloud operations against the seeded Northwind tenant:
 * its path parameters, query and body, and for the few that need a record the seed lacks, a setup
 * that makes it first. Shared by the tests that walk every operation.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { MONOCLOUD_FIXTURES, MONOCLOUD_SEED } from '../../src/sandbox/monocloud/index.js';
import { createCertificate, createCrl } from '../../src/sandbox/x509.js';
import { type MonoReply, monoCall } from './monocloud-harness.js';

/** Calls the API of the sandbox a setup runs against. */
export type MonoApi = (method: string, path: string, body?: unknown) => Promise<MonoReply>;

/** One realistic request. */
export interface MonoRequest {
  /** Path parameter values by name. */
  params?: Record<string, string>;
  /** Query string, without `?`. */
  query?: string;
  /** JSON body. */
  body?: unknown;
  /** Makes what the request needs; its answer adds to (or replaces) `params` and `body`. */
  setup?: (api: MonoApi) => Promise<{ params?: Record<string, string>; body?: unknown }>;
}

const S = MONOCLOUD_SEED;
const U = S.users;
const C = S.clients;
const G = S.groups;
const A = S.api;
const F = MONOCLOUD_FIXTURES;
/** Ninety days from now, epoch seconds. */
const LATER = Math.floor(Date.now() / 1000) + 90 * 86_400;

/** A certificate authority made for a test: its PEM and a signer of CRLs. */
export function testCa(name = `Test CA ${randomBytes(3).toString('hex')}`) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.now();
  const pem = createCertificate({
    subject: name,
    issuer: name,
    publicKey,
    issuerKey: privateKey,
    issuerPublicKey: publicKey,
    serial: randomBytes(8),
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    ca: true,
  });
  const crl = (crlNumber: number, baseCrlNumber?: number) =>
    createCrl({
      issuer: name,
      issuerKey: privateKey,
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 7 * 86_400_000),
      crlNumber,
      ...(baseCrlNumber !== undefined ? { baseCrlNumber } : {}),
      revoked: [{ serial: randomBytes(4), date: new Date(now - 3_600_000) }],
    });
  return { name, pem, crl };
}

const SHARED_CA = testCa('Northwind Partner CA');

/** Creates a trust store holding {@link SHARED_CA}; answers its id. */
async function partnerStore(api: MonoApi): Promise<string> {
  const reply = await api('POST', '/truststores', {
    name: 'Partner devices',
    cert_chain: SHARED_CA.pem,
    options: {},
  });
  if (reply.status !== 200) throw new Error(`trust store setup failed: ${reply.text}`);
  return reply.body.id as string;
}

/** A realistic request for every operation, by operation id. */
export const MONO_REQUESTS: Record<string, MonoRequest> = {
  // Users (53)
  get_all_users: { query: 'page=1&size=5&sort=creation_time:-1' },
  create_user: {
    body: {
      email: 'hana.sato@example.org',
      email_verified: false,
      password: 'Robots-Rule-7',
      name: 'Hana Sato',
      given_name: 'Hana',
      family_name: 'Sato',
    },
  },
  find_user_by_id: { params: { user_id: U.alice } },
  delete_user: { params: { user_id: U.dave } },
  enable_user: { params: { user_id: U.dave } },
  disable_user: { params: { user_id: U.bob }, body: { revoke_sessions: true } },
  unblock_user: { params: { user_id: U.carol } },
  update_username: { params: { user_id: U.bob }, body: { username: 'bob.okafor' } },
  remove_username: { params: { user_id: U.alice } },
  add_email: { params: { user_id: U.bob }, body: { email: 'bob.okafor@example.com', is_verified: false } },
  remove_email: { params: { user_id: U.alice, identifier_id: S.emails.alice } },
  set_primary_email: { params: { user_id: U.erin, identifier_id: S.emails.erin } },
  set_email_verified: { params: { user_id: U.erin, identifier_id: S.emails.erin } },
  set_email_unverified: { params: { user_id: U.bob, identifier_id: S.emails.bob } },
  verify_email: { params: { user_id: U.erin, identifier_id: S.emails.erin }, body: { expiry: 86400 } },
  add_phone: { params: { user_id: U.bob }, body: { phone_number: '+14155550123' } },
  remove_phone: { params: { user_id: U.alice, identifier_id: S.phones.alice } },
  set_primary_phone: { params: { user_id: U.erin, identifier_id: S.phones.erin } },
  set_phone_verified: { params: { user_id: U.erin, identifier_id: S.phones.erin } },
  set_phone_unverified: { params: { user_id: U.alice, identifier_id: S.phones.alice } },
  remove_passkey: { params: { user_id: U.alice, passkey_id: S.passkeys.alicePhone } },
  set_password: {
    params: { user_id: U.grace },
    body: { password: 'Ledger-Grace-2025', is_temporary_password: false, revoke_sessions: true },
  },
  remove_password: { params: { user_id: U.erin } },
  set_password_reset_required: { params: { user_id: U.bob } },
  remove_password_reset_required: { params: { user_id: U.grace } },
  reset_password: { params: { user_id: U.carol }, body: { send_email: false, expiry: 1800 } },
  change_password: {
    params: { user_id: U.bob },
    body: { old_password: S.passwords.bob, new_password: 'Support-Bob-108', revoke_sessions: false },
  },
  patch_claims: {
    params: { user_id: U.erin },
    body: { locale: 'en-GB', address: { locality: 'Baltimore', country: 'US' } },
  },
  get_private_data: { params: { user_id: U.alice } },
  patch_private_data: { params: { user_id: U.alice }, body: { private_data: { cost_centre: 'CC-7' } } },
  get_public_data: { params: { user_id: U.alice } },
  patch_public_data: { params: { user_id: U.erin }, body: { public_data: { fleet_size: 4 } } },
  get_all_blocked_ips: { params: { user_id: U.carol }, query: 'sort=block_until:-1' },
  unblock_ip: { params: { user_id: U.carol }, body: { ip_address: S.attackerIp } },
  get_all_user_sessions: { params: { user_id: U.alice }, query: 'sort=initiated_at:-1' },
  find_user_session: { params: { user_id: U.alice, session_id: S.sessions.aliceLaptop } },
  revoke_user_session: { params: { user_id: U.alice, session_id: S.sessions.alicePhone } },
  external_authenticator_disconnect: {
    params: { user_id: U.bob },
    body: { authenticator: 'github', provider_user_id: '58213477' },
  },
  get_all_user_groups: { params: { user_id: U.alice }, query: 'sort=creation_time:1' },
  find_user_group: { params: { user_id: U.alice, group_id: G.fleetAdmins } },
  assign_user_to_group: { params: { user_id: U.erin, group_id: G.betaTesters } },
  remove_user_from_group: { params: { user_id: U.bob, group_id: G.supportAgents } },
  get_all_group_assigned_users: { params: { group_id: G.customers }, query: 'size=1' },
  get_all_user_client_grants: { params: { user_id: U.alice } },
  get_all_user_consents: { params: { user_id: U.alice }, query: `client_id=${C.console}` },
  get_all_reference_tokens: { params: { user_id: U.alice } },
  get_all_refresh_tokens: { params: { user_id: U.alice }, query: `session_id=${S.sessions.aliceLaptop}` },
  get_all_authorization_codes: { params: { user_id: U.alice }, query: 'sort=creation_time:-1' },
  revoke_user_client_grants: { params: { user_id: U.alice, client_id: C.mobile } },
  revoke_user_consent: { params: { user_id: U.frank, consent_id: S.consents.frankMobile } },
  revoke_reference_token: { params: { user_id: U.bob, token_id: S.referenceTokens.bobDesktop } },
  revoke_refresh_token: { params: { user_id: U.erin, token_id: S.refreshTokens.erinPhone } },
  revoke_authorization_code: { params: { user_id: U.alice, code_id: S.authorizationCodes.alicePhone } },

  // Applications (14)
  get_all_applications: { query: 'page=1&size=2&sort=client_name:1' },
  create_application: {
    body: {
      client_name: 'Route Planner',
      app_type: 'spa',
      tech_type: 'react',
      allowed_grant_types: ['authorization_code'],
      redirect_uris: ['https://planner.northwind.example.com/callback'],
      allowed_identity_scopes: ['openid', 'profile'],
    },
  },
  find_application_by_id: { params: { client_id: C.console } },
  patch_application: {
    params: { client_id: C.console },
    body: { description: 'Staff and customer console', access_token_lifetime: 1800 },
  },
  delete_application: { params: { client_id: C.automation } },
  get_all_application_secrets: { params: { client_id: C.console } },
  create_application_secret: {
    params: { client_id: C.automation },
    body: { description: 'Next rotation', expiration: LATER },
  },
  find_application_secret_by_id: { params: { client_id: C.console, secret_id: S.secrets.console } },
  delete_application_secret: { params: { client_id: C.automation, secret_id: S.secrets.automation } },
  get_all_application_groups: { params: { client_id: C.adminPortal }, query: 'sort=creation_time:-1' },
  find_application_group: { params: { client_id: C.adminPortal, group_id: G.finance } },
  assign_group_to_application: { params: { client_id: C.console, group_id: G.supportAgents } },
  remove_group_from_application: { params: { client_id: C.adminPortal, group_id: G.finance } },
  get_all_group_assigned_applications: { params: { group_id: G.fleetAdmins }, query: 'sort=client_name:1' },

  // Groups (5)
  get_all_groups: { query: 'sort=users_assigned:-1&size=3' },
  create_group: {
    body: { name: 'Night Shift', description: 'Operators on the night rota', is_auto_assigned: false },
  },
  find_group_by_id: { params: { group_id: G.supportAgents } },
  patch_group: { params: { group_id: G.betaTesters }, body: { description: 'Firmware 5 beta' } },
  delete_group: { params: { group_id: G.betaTesters } },

  // API resources, their secrets, scopes and policies (25)
  get_all_api_resources: { query: 'filter=fleet' },
  create_api_resource: {
    body: {
      audience: 'https://api.northwind.example.com/billing',
      display_name: 'Billing API',
      user_claims: ['email'],
      auto_generate_secret: true,
    },
  },
  find_api_resource_by_id: { params: { api_id: A.fleet } },
  patch_api_resource: { params: { api_id: A.fleet }, body: { access_token_lifetime: 900 } },
  delete_api_resource: { params: { api_id: A.fleet } },
  get_all_api_resource_secrets: { params: { api_id: A.fleet } },
  create_api_resource_secret: { params: { api_id: A.fleet }, body: { description: 'Introspection, 2027' } },
  find_api_resource_secret_by_id: { params: { api_id: A.fleet, secret_id: S.secrets.fleetApi } },
  delete_api_resource_secret: { params: { api_id: A.fleet, secret_id: S.secrets.fleetApi } },
  get_all_api_scopes: { params: { api_id: A.fleet }, query: 'sort=name:1' },
  create_api_scope: {
    params: { api_id: A.fleet },
    body: { name: 'fleet:admin', display_name: 'Administer the fleet' },
  },
  find_api_scope_by_id: { params: { api_id: A.fleet, scope_id: A.readScope } },
  patch_api_scope: { params: { api_id: A.fleet, scope_id: A.writeScope }, body: { emphasize: true } },
  delete_api_scope: {
    params: { api_id: A.fleet },
    setup: async (api) => {
      const made = await api('POST', `/resources/api_resources/${A.fleet}/scopes`, { name: 'fleet:audit' });
      return { params: { api_id: A.fleet, scope_id: made.body.id } };
    },
  },
  get_all_api_access_policies: { params: { api_id: A.fleet }, query: 'sort=creation_time:-1' },
  create_api_access_basic_policy: {
    params: { api_id: A.fleet },
    body: { name: 'Console reads the fleet', client_id: C.console, scopes: ['fleet:read'] },
  },
  find_api_access_basic_policy_by_id: { params: { api_id: A.fleet, policy_id: A.automationPolicy } },
  patch_api_access_basic_policy: {
    params: { api_id: A.fleet, policy_id: A.automationPolicy },
    body: { enabled: false, actions: { access_token_lifetime: 300 } },
  },
  delete_api_access_basic_policy: { params: { api_id: A.fleet, policy_id: A.automationPolicy } },
  convert_api_access_basic_to_advanced_policy: { params: { api_id: A.fleet, policy_id: A.automationPolicy } },
  create_api_access_advanced_policy: {
    params: { api_id: A.fleet },
    body: {
      name: 'Read-only weekends',
      cedar:
        'forbid (principal, action, resource) when { context.scopes.contains("fleet:write") && context.weekday > 5 };',
    },
  },
  find_api_access_advanced_policy_by_id: { params: { api_id: A.fleet, policy_id: A.officeHoursPolicy } },
  patch_api_access_advanced_policy: {
    params: { api_id: A.fleet, policy_id: A.officeHoursPolicy },
    body: { description: 'Maintenance window' },
  },
  delete_api_access_advanced_policy: { params: { api_id: A.fleet, policy_id: A.officeHoursPolicy } },

  // Identity scopes and claims (10)
  get_all_scopes: { query: 'sort=name:1&size=3' },
  create_scope: { body: { name: 'fleet_profile', user_claims: [{ claim: 'employee_id' }] } },
  find_scope_by_id: { params: { scope_id: F.scopes.profile! } },
  patch_scope: { params: { scope_id: S.employeeScope }, body: { emphasize: true } },
  delete_scope: {
    setup: async (api) => {
      const made = await api('POST', '/resources/scopes', {
        name: 'badge',
        user_claims: [{ claim: 'employee_id' }],
      });
      return { params: { scope_id: made.body.id } };
    },
  },
  get_all_claim_resources: { query: 'filter=email' },
  create_claim_resource: { body: { name: 'fleet_size', source: 'user.public_data.fleet_size' } },
  find_claim_resource_by_id: { params: { claim_id: S.employeeClaim } },
  patch_claim_resource: { params: { claim_id: S.employeeClaim }, body: { display_name: 'Staff number' } },
  delete_claim_resource: {
    setup: async (api) => {
      const made = await api('POST', '/resources/claim_resources', {
        name: 'shoe_size',
        source: 'user.public_data.shoe',
      });
      return { params: { claim_id: made.body.id } };
    },
  },

  // Keys and logs (5)
  get_all_key_materials: { query: 'size=5' },
  rotate_key: { params: { key_id: F.currentKey } },
  revoke_key: { params: { key_id: F.previousKey } },
  get_all_logs: { query: 'size=5&filter=category:blocks' },
  find_log_by_id: {
    setup: async (api) => ({ params: { log_id: (await api('GET', '/logs?size=1')).body[0].id } }),
  },

  // Network zones (9)
  get_all_network_zones: { query: 'sort=name:1' },
  create_ip_network_zone: {
    body: { name: 'VPN', category: 'trusted', operator: 'in', ip_ranges: ['10.8.0.0/16', '2001:db8::/32'] },
  },
  find_ip_network_zone_by_id: { params: { zone_id: S.zones.office } },
  patch_ip_network_zone: { params: { zone_id: S.zones.office }, body: { ip_ranges: ['198.51.100.0/25'] } },
  delete_ip_network_zone: { params: { zone_id: S.zones.attackers } },
  create_regional_network_zone: {
    body: { name: 'No service', category: 'blocked', operator: 'in', countries: ['AQ'] },
  },
  find_regional_network_zone_by_id: { params: { zone_id: S.zones.serviceRegions } },
  patch_regional_network_zone: {
    params: { zone_id: S.zones.serviceRegions },
    body: { countries: ['GB', 'US', 'IE'] },
  },
  delete_regional_network_zone: { params: { zone_id: S.zones.serviceRegions } },

  // Settings and sign-up fields (9)
  find_authentication_options: {},
  patch_authentication_options: {
    body: { account_protection: { user_lockout: { max_failed_access_attempts: 3 } } },
  },
  find_communication_options: {},
  patch_communication_options: {
    body: { sms: { provider: 'twilio', twilio: { sid: 'AC0123456789', auth_token: 'twilio-test-token' } } },
  },
  get_all_sign_up_custom_fields: {},
  create_sign_up_custom_field: {
    body: {
      claim_name: 'fleet_size',
      enabled: true,
      required: false,
      value_type: 'string',
      label: 'How many robots?',
    },
  },
  find_sign_up_custom_field_by_name: { params: { field_claim_name: S.companyField } },
  patch_sign_up_custom_field: { params: { field_claim_name: S.companyField }, body: { required: true } },
  delete_sign_up_custom_field: { params: { field_claim_name: S.companyField } },

  // Trust stores (13)
  get_all_trust_stores: { query: 'sort=name:1' },
  create_trust_store: {
    body: { name: 'Partner devices', cert_chain: SHARED_CA.pem, options: { revocation_mode: 'offline' } },
  },
  find_trust_store_by_id: { params: { trust_store_id: S.deviceTrustStore } },
  patch_trust_store: {
    params: { trust_store_id: S.deviceTrustStore },
    body: { options: { ocsp_check_timeout: 5 } },
  },
  delete_trust_store: { params: { trust_store_id: S.deviceTrustStore } },
  set_trust_store_default: {
    setup: async (api) => ({ params: { trust_store_id: await partnerStore(api) } }),
  },
  get_all_revocations: { params: { trust_store_id: S.deviceTrustStore } },
  add_certificate_revocation: {
    setup: async (api) => ({
      params: { trust_store_id: await partnerStore(api) },
      body: { value: SHARED_CA.crl(7) },
    }),
  },
  find_certificate_revocation: { params: { trust_store_id: S.deviceTrustStore, revocation_id: S.deviceCrl } },
  remove_certificate_revocation: {
    params: { trust_store_id: S.deviceTrustStore, revocation_id: S.deviceCrl },
  },
  get_all_banned_certificates: { params: { trust_store_id: S.deviceTrustStore } },
  ban_trust_store_certificate: {
    params: { trust_store_id: S.deviceTrustStore },
    body: { type: 'serial_number', value: '0A1B2C', reason: 'Unit 7 lost in transit' },
  },
  unban_trust_store_certificate: { params: { trust_store_id: S.deviceTrustStore, ban_id: S.deviceBan } },

  // Branding (6)
  find_page_branding_options: {},
  patch_page_branding_options: { body: { primary_color: '#0f766e' } },
  find_email_branding_options: {},
  patch_email_branding_options: { body: { welcome: { subject: 'Welcome to Northwind Fleet' } } },
  find_sms_branding_options: {},
  patch_sms_branding_options: { body: { verification: { template: 'Your Northwind code is {code}' } } },
};

/** The request's concrete path below `/api`, query included, with `override` replacing parameters. */
export function pathOf(template: string, params: Record<string, string>, query?: string): string {
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(value);
  });
  return query ? `${path}?${query}` : path;
}

/** Runs the request's setup against `sandbox` and answers the parameters and body to send. */
export async function prepare(
  sandbox: { url: string; apiKey: string },
  request: MonoRequest,
): Promise<{ params: Record<string, string>; body: unknown }> {
  const made = request.setup
    ? await request.setup((method, path, body) => monoCall(sandbox, method, path, body))
    : {};
  return {
    params: { ...(request.params ?? {}), ...(made.params ?? {}) },
    body: made.body ?? request.body,
  };
}
