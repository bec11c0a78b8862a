/**
 * What the MonoCloud sandbox fills in that a request leaves out: the starting values of each kind of
 * record, and the settings, branding, identity scopes and claims a new tenant has. The numbers follow
 * common OpenID Connect server defaults (five-minute identity tokens and codes, one-hour access tokens,
 * thirty-day refresh tokens); the password rules are the ones `validate.ts` enforces.
 */
import type { JsonObject } from './state.js';

/** Values a new application starts from. */
const APPLICATION: JsonObject = {
  enabled: true,
  app_type: 'custom',
  tech_type: 'unknown',
  require_client_secret: true,
  description: null,
  client_uri: null,
  logo_uri: null,
  enable_consent: false,
  require_consent: false,
  always_require_consent_for_offline_access: true,
  remember_consent: 'user_selected',
  show_consent_scope_selection: false,
  always_include_user_claims_in_id_token: false,
  require_pkce: true,
  allow_plain_text_pkce: false,
  require_request_object: false,
  require_pushed_authorization_requests: false,
  allow_any_pushed_authorization_redirect_uri: false,
  authorization_request_lifetime: 600,
  allow_access_tokens_via_browser: false,
  redirect_uris: [],
  post_logout_redirect_uris: [],
  front_channel_logout_uri: null,
  front_channel_logout_session_required: true,
  back_channel_logout_uri: null,
  back_channel_logout_session_required: true,
  bind_refresh_tokens_to_session: false,
  allow_offline_access: false,
  allowed_identity_scopes: ['openid'],
  identity_token_lifetime: 300,
  access_token_lifetime: 3600,
  authorization_code_lifetime: 300,
  consent_lifetime: 0,
  absolute_refresh_token_lifetime: 2_592_000,
  sliding_refresh_token_lifetime: 1_296_000,
  refresh_token_usage: 'one_time_only',
  update_access_token_claims_on_refresh: false,
  emit_offline_access_scope_in_access_token: false,
  refresh_token_expiration: 'absolute',
  access_token_type: 'jwt',
  authenticator_restrictions: [],
  claims: {},
  always_send_client_claims: false,
  client_claims_prefix: 'client_',
  allowed_cors_origins: [],
  user_sso_lifetime: 0,
  device_code_length: 8,
  device_code_lifetime: 300,
};

/** Application types whose code runs where a secret cannot be kept. */
export const PUBLIC_APP_TYPES: readonly string[] = ['spa', 'native', 'device'];

/** Settings of a new trust store that the request leaves out. */
export const TRUST_STORE_OPTIONS: JsonObject = {
  validate_certificate_use: true,
  validate_validity_period: true,
  revocation_mode: 'no_check',
  revocation_check_depth: 'end_certificate_only',
  revocation_check_clock_skew: 300,
  ocsp_check_timeout: 15,
  online_crl_check_timeout: 15,
  certificate_auth_cache_duration: 300,
  ocsp_cache_duration: 3600,
  online_crl_cache_duration: 3600,
};

const SCOPE = {
  display_name: null,
  description: null,
  show_in_discovery_document: true,
  required: false,
  emphasize: false,
  is_default: false,
  user_claims: [],
};

/** Starting values by collection template. */
const RECORDS: Record<string, JsonObject> = {
  '/applications': APPLICATION,
  '/applications/{client_id}/secrets': { description: null, expiration: null, type: 'shared_secret' },
  '/groups': { type: 'custom', description: null, is_auto_assigned: false },
  '/resources/api_resources': {
    enabled: true,
    display_name: null,
    description: null,
    allow_multi_audience: false,
    allow_user_info_access: false,
    access_token_type: 'jwt',
    access_token_lifetime: 3600,
    bind_tokens_to_session: false,
    include_jwt_id: true,
    user_claims: [],
  },
  '/resources/api_resources/{api_id}/secrets': { description: null, expiration: null, type: 'shared_secret' },
  '/resources/api_resources/{api_id}/scopes': SCOPE,
  '/resources/api_resources/{api_id}/policies/basic': {
    enabled: true,
    description: null,
    type: 'basic',
    is_permitted: true,
    actions: {},
    scopes: [],
  },
  '/resources/api_resources/{api_id}/policies/advanced': {
    enabled: true,
    description: null,
    type: 'advanced',
    is_permitted: true,
    actions: {},
    error: null,
  },
  '/resources/scopes': SCOPE,
  '/resources/claim_resources': {
    display_name: null,
    description: null,
    show_in_discovery_document: true,
    is_default: false,
  },
  '/network_zones/ip': { enabled: true, description: null, type: 'ip', ip_ranges: [] },
  '/network_zones/regional': { enabled: true, description: null, type: 'regional', countries: [] },
  '/truststores': {
    enabled: true,
    is_default: false,
    show_in_discovery_document: false,
    options: TRUST_STORE_OPTIONS,
  },
  '/truststores/{trust_store_id}/banned_certificates': { type: 'thumbprint', reason: null },
};

/** A deep copy of the values a new record of `template` starts from, when the tenant fills any in. */
export function recordDefaults(template: string): JsonObject | undefined {
  const found = RECORDS[template];
  return found === undefined ? undefined : structuredClone(found);
}

/** Sign-in, sign-up and lockout settings of a new tenant. */
export const AUTHENTICATION_OPTIONS: JsonObject = {
  pushed_authorization: {
    enable_pushed_authorization_requests: true,
    require_pushed_authorization_requests: false,
  },
  account_protection: {
    user_lockout: {
      enabled: true,
      max_failed_access_attempts: 5,
      user_lockout_time_span: 900,
      ip_lockout_time_span: 900,
      allowed_ips: [],
      lockout_type: 'ip',
      user_unblock: { email: { expiry: 3600 } },
    },
  },
  authenticators: {
    external_sign_in_methods_first: false,
    external_sign_in_methods_order: ['google', 'github'],
    password: {
      enable_sign_in: true,
      enable_sign_up: true,
      prompt_password_on_initial_screen: false,
      expiry: null,
      strength: {
        minimum_length: 8,
        require_non_alphanumeric_character: false,
        require_digit: true,
        require_lowercase_character: true,
        require_uppercase_character: true,
        required_unique_characters_count: 1,
      },
      reuse: { restriction_mode: 'off', restriction_period: 0, restriction_count: 0 },
    },
    passkey: {
      enable_sign_in: true,
      enable_sign_up: false,
      prompt_enrollment: true,
      prompt_device_enrollment: false,
      enable_auto_complete: true,
      show_passkey_button: true,
    },
    email: {
      enable_sign_in: false,
      enable_sign_up: false,
      enable_jit_provisioning: false,
      verification_type: 'code',
      allow_cross_browser: false,
      expiry: 600,
      code_length: 6,
    },
    phone: {
      enable_sign_in: false,
      enable_sign_up: false,
      enable_jit_provisioning: false,
      expiry: 600,
      code_length: 6,
    },
    google: null,
    apple: null,
    facebook: null,
    microsoft: null,
    github: null,
    gitlab: null,
    discord: null,
    twitter: null,
    linkedin: null,
    xero: null,
  },
  identifiers: {
    email: {
      enable_sign_in: true,
      show_at_sign_up: true,
      required_at_sign_up: true,
      verification: {
        verify_at_sign_up: true,
        verification_type: 'link',
        allow_cross_browser: true,
        expiry: 86_400,
        code_length: 6,
      },
    },
    phone: {
      enable_sign_in: false,
      show_at_sign_up: false,
      required_at_sign_up: false,
      verification: { verify_at_sign_up: false, expiry: 600, code_length: 6 },
    },
    username: { enable_sign_in: true, show_at_sign_up: false, required_at_sign_up: false, minimum_length: 3 },
  },
  recovery_methods: {
    email: {
      enabled: true,
      verification_type: 'link',
      allow_cross_browser: true,
      expiry: 3600,
      code_length: 6,
    },
    phone: { enabled: false, expiry: 600, code_length: 6 },
  },
  session: {
    persistence_mode: 'persistent',
    expiration_type: 'sliding',
    sliding_session_lifetime: 1_209_600,
    absolute_session_lifetime: 2_592_000,
  },
  logout: { automatic_redirect_after_logout: true, show_logout_prompt: false },
  sign_up: {
    show_terms_and_privacy_policy: false,
    require_explicit_user_agreement: false,
    privacy_url: null,
    terms_url: null,
    allowlist: { enabled: false, identifiers: [] },
    blocklist: { enabled: false, identifiers: [] },
  },
};

/** How a new tenant sends email and SMS: through MonoCloud's own providers. */
export const COMMUNICATION_OPTIONS: JsonObject = {
  email: { provider: 'monocloud', send_grid: null, default_from_email: 'no-reply@monocloud.example' },
  sms: { provider: 'monocloud', twilio: null },
};

/** Hosted-page look of a new tenant. */
export const PAGE_BRANDING: JsonObject = {
  show_watermark: true,
  primary_color: '#4f46e5',
  background_color: '#f8fafc',
};

const EMAILS = [
  'welcome',
  'user_blocked',
  'sign_in_code',
  'sign_in_link',
  'sign_in_code_and_link',
  'verification_code',
  'verification_link',
  'verification_code_and_link',
  'password_reset_code',
  'password_reset_link',
  'password_reset_code_and_link',
  'password_updated',
] as const;

/** Email settings of a new tenant: every message sent, with the platform's own subject. */
export const EMAIL_BRANDING: JsonObject = Object.fromEntries(
  EMAILS.map((name) => [name, { send_notifications: name !== 'password_updated', subject: null }]),
);

/** SMS settings of a new tenant: the platform's own texts. */
export const SMS_BRANDING: JsonObject = {
  sign_in: { template: null },
  verification: { template: null },
  password_reset: { template: null },
};

/** The OpenID Connect standard claims every tenant defines, with where each is read from. */
export const STANDARD_CLAIMS: ReadonlyArray<[name: string, source: string]> = [
  ['sub', 'user.user_id'],
  ['name', 'user.claims.name'],
  ['given_name', 'user.claims.given_name'],
  ['family_name', 'user.claims.family_name'],
  ['middle_name', 'user.claims.middle_name'],
  ['nickname', 'user.claims.nickname'],
  ['preferred_username', 'user.claims.preferred_username'],
  ['profile', 'user.claims.profile'],
  ['picture', 'user.claims.picture'],
  ['website', 'user.claims.website'],
  ['gender', 'user.claims.gender'],
  ['birthdate', 'user.claims.birthdate'],
  ['zoneinfo', 'user.claims.zoneinfo'],
  ['locale', 'user.claims.locale'],
  ['updated_at', 'user.last_updated'],
  ['email', 'user.emails.primary.email'],
  ['email_verified', 'user.emails.primary.verified'],
  ['phone_number', 'user.phone_numbers.primary.phone'],
  ['phone_number_verified', 'user.phone_numbers.primary.verified'],
  ['address', 'user.claims.address'],
];

/** The OpenID Connect standard scopes and the claims each releases. */
export const STANDARD_SCOPES: ReadonlyArray<[name: string, claims: string[], required: boolean]> = [
  ['openid', ['sub'], true],
  [
    'profile',
    [
      'name',
      'given_name',
      'family_name',
      'middle_name',
      'nickname',
      'preferred_username',
      'profile',
      'picture',
      'website',
      'gender',
      'birthdate',
      'zoneinfo',
      'locale',
      'updated_at',
    ],
    false,
  ],
  ['email', ['email', 'email_verified'], false],
  ['phone', ['phone_number', 'phone_number_verified'], false],
  ['address', ['address'], false],
];
