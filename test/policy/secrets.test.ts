// Pins which Auth0 fields are masked before an agent reads a result (and which lookalikes are not), and
// walks the whole Management API document so a new credential-looking field fails here until reviewed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOO_DEEP } from '../../src/policy/sanitize.js';
import {
  collectSecretValues,
  MASK,
  MIN_MASKED_LENGTH,
  maskSecrets,
  maskString,
  maskText,
  SECRET_KEY_FAMILIES,
  SECRET_KEYS,
} from '../../src/policy/secrets.js';

const M = MASK;

describe('maskSecrets on Auth0 responses', () => {
  it.each<[string, unknown, unknown]>([
    [
      'a client: secret and signing certificate chain masked, settings kept',
      {
        client_id: 'abc123',
        client_secret: 'Zx9-very-secret',
        token_endpoint_auth_method: 'client_secret_post',
        is_token_endpoint_ip_header_trusted: false,
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
        signing_keys: [
          { cert: '-----BEGIN CERTIFICATE-----', pkcs7: '-----BEGIN PKCS7-----', subject: 'CN=t' },
        ],
        refresh_token: { rotation_type: 'rotating', token_lifetime: 2592000, infinite_token_lifetime: false },
        encryption_key: { pub: 'pem', cert: 'pem', subject: 'CN=x' },
        addons: {
          azure_sb: { namespace: 'ns', sasKeyName: 'RootManage', sasKey: 'k3y' },
          wams: { masterkey: 'm' },
        },
      },
      {
        client_id: 'abc123',
        client_secret: M,
        token_endpoint_auth_method: 'client_secret_post',
        is_token_endpoint_ip_header_trusted: false,
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
        signing_keys: [{ cert: '-----BEGIN CERTIFICATE-----', pkcs7: M, subject: 'CN=t' }],
        refresh_token: { rotation_type: 'rotating', token_lifetime: 2592000, infinite_token_lifetime: false },
        encryption_key: { pub: 'pem', cert: 'pem', subject: 'CN=x' },
        addons: {
          azure_sb: { namespace: 'ns', sasKeyName: 'RootManage', sasKey: M },
          wams: { masterkey: M },
        },
      },
    ],
    [
      'a connection: options.client_secret and the SAML private key masked, policies and scripts kept',
      {
        strategy: 'oidc',
        options: {
          client_id: 'cid',
          client_secret: 'oidc-secret',
          passwordPolicy: 'good',
          password_complexity_options: { min_length: 8 },
          authentication_methods: { password: { enabled: true }, passkey: { enabled: false } },
          customScripts: { change_password: 'function changePassword(email, newPassword, cb) {}' },
          signing_key: { cert: 'PUBLIC', key: 'PRIVATE' },
          decryptionKey: { cert: 'PUBLIC', key: 'PRIVATE' },
          ext_access_token: true,
          federated_connections_access_tokens: { active: true },
          admin_access_token: 'ya29.x',
          admin_refresh_token: '1//0g',
        },
        provisioning_ticket_url: 'https://t.auth0.com/p/ad/abc',
      },
      {
        strategy: 'oidc',
        options: {
          client_id: 'cid',
          client_secret: M,
          passwordPolicy: 'good',
          password_complexity_options: { min_length: 8 },
          authentication_methods: { password: { enabled: true }, passkey: { enabled: false } },
          customScripts: { change_password: 'function changePassword(email, newPassword, cb) {}' },
          signing_key: { cert: 'PUBLIC', key: M },
          decryptionKey: { cert: 'PUBLIC', key: M },
          ext_access_token: true,
          federated_connections_access_tokens: { active: true },
          admin_access_token: M,
          admin_refresh_token: M,
        },
        provisioning_ticket_url: M,
      },
    ],
    [
      'an HTTP log stream: authorization and custom header values masked, header names kept',
      {
        type: 'http',
        sink: {
          httpEndpoint: 'https://logs.example.com',
          httpAuthorization: 'Bearer abc',
          httpContentFormat: 'JSONLINES',
          httpCustomHeaders: [{ header: 'X-Key', value: 'v1' }],
        },
      },
      {
        type: 'http',
        sink: {
          httpEndpoint: 'https://logs.example.com',
          httpAuthorization: M,
          httpContentFormat: 'JSONLINES',
          httpCustomHeaders: [{ header: 'X-Key', value: M }],
        },
      },
    ],
    [
      'Splunk, Datadog, Segment, Mixpanel and Sumo sinks',
      [
        {
          sink: {
            splunkDomain: 'splunk.example.com',
            splunkToken: 't',
            splunkPort: '8088',
            splunkSecure: true,
          },
        },
        { sink: { datadogRegion: 'eu', datadogApiKey: 'k' } },
        { sink: { segmentWriteKey: 'w' } },
        { sink: { mixpanelServiceAccountUsername: 'u', mixpanelServiceAccountPassword: 'p' } },
        { sink: { sumoSourceAddress: 'https://collectors.sumologic.com/receiver/v1/http/ZaVnC4dhaV' } },
      ],
      [
        {
          sink: {
            splunkDomain: 'splunk.example.com',
            splunkToken: M,
            splunkPort: '8088',
            splunkSecure: true,
          },
        },
        { sink: { datadogRegion: 'eu', datadogApiKey: M } },
        { sink: { segmentWriteKey: M } },
        { sink: { mixpanelServiceAccountUsername: 'u', mixpanelServiceAccountPassword: M } },
        { sink: { sumoSourceAddress: M } },
      ],
    ],
    [
      'a verified custom domain: the CNAME API key masked, the public DNS record kept',
      {
        custom_domain_id: 'cd_1',
        domain: 'login.example.com',
        status: 'ready',
        cname_api_key: 'd4f8…',
        verification: { methods: [{ name: 'cname', record: 'example-cd-abc.edge.tenants.auth0.com' }] },
      },
      {
        custom_domain_id: 'cd_1',
        domain: 'login.example.com',
        status: 'ready',
        cname_api_key: M,
        verification: { methods: [{ name: 'cname', record: 'example-cd-abc.edge.tenants.auth0.com' }] },
      },
    ],
    ['a password-change ticket', { ticket: 'https://t.auth0.com/lo/reset?ticket=123#' }, { ticket: M }],
    [
      'a Guardian enrollment ticket: the URL masked, its id kept',
      { ticket_id: 'u2x2-u2x2', ticket_url: 'https://t.guardian.auth0.com/enroll?ticket=abc' },
      { ticket_id: 'u2x2-u2x2', ticket_url: M },
    ],
    [
      'a user: identity tokens, password hash and metadata credentials masked, profile kept',
      {
        user_id: 'auth0|1',
        email: 'ada@example.com',
        password_hash: '$2b$10$abc',
        identities: [
          { provider: 'github', access_token: 'gho_x', refresh_token: 'ghr_y', access_token_secret: 's' },
        ],
        user_metadata: {
          theme: 'dark',
          stripe_api_key: 'sk_live_1',
          'X-Api-Key': 'k',
          myPassword: 'p',
          pin: 4,
        },
        app_metadata: { github_token: 'ghp_z', tokens_issued: 3, Authorization: 'Basic YQ==' },
      },
      {
        user_id: 'auth0|1',
        email: 'ada@example.com',
        password_hash: M,
        identities: [{ provider: 'github', access_token: M, refresh_token: M, access_token_secret: M }],
        user_metadata: { theme: 'dark', stripe_api_key: M, 'X-Api-Key': M, myPassword: M, pin: 4 },
        app_metadata: { github_token: M, tokens_issued: 3, Authorization: M },
      },
    ],
    [
      'an action: secret values masked, their names kept, the code kept',
      { code: 'exports.onExecutePostLogin = async () => {}', secrets: [{ name: 'API_KEY', value: 'v' }] },
      { code: 'exports.onExecutePostLogin = async () => {}', secrets: [{ name: 'API_KEY', value: M }] },
    ],
    [
      'an API with an HS256 signing secret',
      {
        identifier: 'https://api',
        signing_alg: 'HS256',
        signing_secret: 's',
        token_lifetime: 86400,
        token_dialect: 'access_token',
      },
      {
        identifier: 'https://api',
        signing_alg: 'HS256',
        signing_secret: M,
        token_lifetime: 86400,
        token_dialect: 'access_token',
      },
    ],
    [
      'an email provider',
      {
        name: 'ses',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 's', region: 'eu-west-1', smtp_pass: 'p' },
      },
      {
        name: 'ses',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: M, region: 'eu-west-1', smtp_pass: M },
      },
    ],
    [
      'an event stream webhook: password, token and custom header value masked',
      {
        destination: {
          configuration: {
            webhook_endpoint: 'https://hooks.example.com',
            webhook_authorization: {
              method: 'custom_header',
              header_key: 'X-Auth',
              value: 'v',
              password: 'p',
              token: 't',
            },
          },
        },
      },
      {
        destination: {
          configuration: {
            webhook_endpoint: 'https://hooks.example.com',
            webhook_authorization: {
              method: 'custom_header',
              header_key: 'X-Auth',
              value: M,
              password: M,
              token: M,
            },
          },
        },
      },
    ],
    [
      'Guardian providers: Twilio, SNS, FCM, APNs, Duo',
      [
        { from: '+1555', sid: 'AC1', auth_token: 't', messaging_service_sid: 'MG1' },
        { aws_access_key_id: 'AKIA', aws_secret_access_key: 's', aws_region: 'us-east-1' },
        { server_key: 'k' },
        { server_credentials: '{"type":"service_account"}' },
        { bundle_id: 'com.example', sandbox: false, p12: 'base64' },
        { ikey: 'DI1', skey: 's', host: 'api-1.duosecurity.com' },
      ],
      [
        { from: '+1555', sid: 'AC1', auth_token: M, messaging_service_sid: 'MG1' },
        { aws_access_key_id: 'AKIA', aws_secret_access_key: M, aws_region: 'us-east-1' },
        { server_key: M },
        { server_credentials: M },
        { bundle_id: 'com.example', sandbox: false, p12: M },
        { ikey: 'DI1', skey: M, host: 'api-1.duosecurity.com' },
      ],
    ],
    [
      'a flows vault connection setup',
      { app_id: 'HTTP', setup: { type: 'API_KEY', name: 'x-key', value: 'v', in: 'HEADER' } },
      { app_id: 'HTTP', setup: { type: 'API_KEY', name: 'x-key', value: M, in: 'HEADER' } },
    ],
    [
      'captcha settings: secrets masked, public site keys kept',
      {
        active_provider_id: 'hcaptcha',
        hcaptcha: { site_key: 'public', secret: 's' },
        recaptcha_enterprise: { site_key: 'p', api_key: 'k', project_id: 'x' },
      },
      {
        active_provider_id: 'hcaptcha',
        hcaptcha: { site_key: 'public', secret: M },
        recaptcha_enterprise: { site_key: 'p', api_key: M, project_id: 'x' },
      },
    ],
    [
      'MFA recovery code, TOTP secret and a SCIM token',
      [
        { recovery_code: 'ABCD1234' },
        { type: 'totp', totp_secret: 'JBSW' },
        { token_id: 'tok_1', token: 'scim' },
      ],
      [{ recovery_code: M }, { type: 'totp', totp_secret: M }, { token_id: 'tok_1', token: M }],
    ],
    [
      'a create-user request body (for logs)',
      { connection: 'Username-Password-Authentication', email: 'a@example.com', password: 'Hunter2!' },
      { connection: 'Username-Password-Authentication', email: 'a@example.com', password: M },
    ],
  ])('%s', (_what, input, expected) => {
    expect(maskSecrets(input)).toEqual(expected);
  });
});

describe('maskSecrets rules', () => {
  it.each([
    ['token_endpoint_auth_method', 'client_secret_basic'],
    ['token_lifetime', 86400],
    ['token_dialect', 'access_token_authz'],
    ['token_exchange', { allow_any_profile_of_type: ['custom_authentication'] }],
    ['token_quota', { client_credentials: { per_day: 10 } }],
    ['password_policy', 'good'],
    ['passwordPolicy', 'fair'],
    ['password_history', { enable: true, size: 5 }],
    ['is_token_endpoint_ip_header_trusted', true],
    ['secret_encoded', false],
    ['site_key', 'public'],
    ['public_key', '-----BEGIN PUBLIC KEY-----'],
    ['cert', '-----BEGIN CERTIFICATE-----'],
    ['private_key_id', 'abc'],
    ['private_key_jwt', { credentials: [{ id: 'cred_1' }] }],
    ['subject_token_type', 'urn:example:token'],
    ['subject_type_authorization', { user: { policy: 'allow_all' } }],
    ['ticket_id', 'tic_1'],
    ['refresh_tokens', [{ id: 'rt_1', user_id: 'auth0|1' }]],
    ['session_cookie', { mode: 'persistent' }],
    ['key', 'rule-config-key'],
    ['value', 'plain'],
    ['code', 'module.exports = 1'],
    ['change_password', { enabled: true, html: '<p/>' }],
    ['pre-change-password', { shields: ['block'] }],
    ['client_secret', null],
    ['password', ''],
    ['password', { enabled: true }],
    ['ext_refresh_token', false],
  ])('keeps %s', (key, value) => {
    expect(maskSecrets({ [key]: value })).toEqual({ [key]: value });
  });

  it('matches names whatever their case and separators', () => {
    expect(
      maskSecrets({ CLIENT_SECRET: 'a', 'Client-Secret': 'b', clientsecret: 'c', ClientSecret: 'd' }),
    ).toEqual({
      CLIENT_SECRET: M,
      'Client-Secret': M,
      clientsecret: M,
      ClientSecret: M,
    });
  });

  it('masks objects and arrays under a whole-value key, and each string of an array under a pattern key', () => {
    expect(maskSecrets({ client_secret: { nested: 'x' }, secret: ['a', 'b'] })).toEqual({
      client_secret: M,
      secret: M,
    });
    expect(maskSecrets({ bearer_token: ['a', 'b', true] })).toEqual({ bearer_token: [M, M, true] });
  });

  it('masks every exact key of SECRET_KEYS given a string, and lists each spelling once', () => {
    for (const key of SECRET_KEYS) expect(maskSecrets({ [key]: 'x' }), key).toEqual({ [key]: M });
    expect(new Set(SECRET_KEYS).size).toBe(SECRET_KEYS.length);
  });

  it('masks parent-scoped keys only inside their parents', () => {
    for (const family of SECRET_KEY_FAMILIES.filter((f) => f.parents)) {
      for (const parent of family.parents!) {
        for (const key of family.keys) {
          expect(maskSecrets({ [parent]: [{ [key]: 'x' }] })).toEqual({ [parent]: [{ [key]: M }] });
        }
      }
    }
    expect(maskSecrets({ other: { value: 'x', key: 'y', code: 'z' } })).toEqual({
      other: { value: 'x', key: 'y', code: 'z' },
    });
  });

  it('masks extra keys from the options, whatever their case', () => {
    expect(
      maskSecrets({ internal_ref: 'x', Internal_Ref: { a: 1 }, other: 'y' }, { extraKeys: ['internalRef'] }),
    ).toEqual({
      internal_ref: M,
      Internal_Ref: M,
      other: 'y',
    });
  });

  it('returns the value itself with reveal: true', () => {
    const input = { client_secret: 's' };
    expect(maskSecrets(input, { reveal: true })).toBe(input);
  });

  it('never mutates its input and shares no container with it', () => {
    const input = { client: { client_secret: 's', list: [{ token: 't' }] } };
    const before = structuredClone(input);
    const output = maskSecrets(input) as typeof input;
    expect(input).toEqual(before);
    expect(output.client).not.toBe(input.client);
    expect(output.client.list).not.toBe(input.client.list);
  });

  it('cuts nesting past MAX_DEPTH, so a deep secret is dropped rather than overflowing the stack', () => {
    const depth = 20_000;
    const input = JSON.parse(`${'{"a":'.repeat(depth)}{"note":"x"}${'}'.repeat(depth)}`);
    const output = maskSecrets(input);
    expect(JSON.stringify(output)).toContain(TOO_DEEP);
    expect(
      collectSecretValues(JSON.parse(`${'['.repeat(depth)}{"token":"deep-token"}${']'.repeat(depth)}`)),
    ).toEqual([]);
  });

  it('keeps a "__proto__" key as data and returns primitives as they are', () => {
    const output = maskSecrets(JSON.parse('{"__proto__": {"password": "p"}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ password: M });
    expect(maskSecrets('client_secret')).toBe('client_secret');
    expect(maskSecrets(null)).toBe(null);
  });
});

describe('collectSecretValues', () => {
  it('returns each secret string once, including leaves of masked objects and numbers', () => {
    const values = collectSecretValues({
      client_secret: 'abcd-secret',
      again: { client_secret: 'abcd-secret' },
      password: 123456,
      sink: { httpAuthorization: { scheme: 'Bearer', value: 'tok-1' } },
      name: 'visible',
      refresh_token: { rotation_type: 'rotating' },
      secrets: [{ name: 'N', value: 'v-1' }],
    });
    expect(values.sort()).toEqual(['123456', 'Bearer', 'abcd-secret', 'tok-1', 'v-1'].sort());
  });

  it('honours extra keys and finds nothing in harmless data', () => {
    expect(collectSecretValues({ ref: 'r-1' }, { extraKeys: ['ref'] })).toEqual(['r-1']);
    expect(collectSecretValues({ token_lifetime: 5, name: 'x', password: '' })).toEqual([]);
  });
});

describe('maskString', () => {
  it('replaces every occurrence, longest secret first', () => {
    expect(
      maskString('401 from upstream: abcd1234 rejected (abcd1234xyz)', ['abcd1234', 'abcd1234xyz']),
    ).toBe(`401 from upstream: ${M} rejected (${M})`);
  });

  it('masks JSON-escaped and percent-encoded forms', () => {
    const secret = 'p@ss "word"/+=';
    const body = JSON.stringify({ password: secret });
    expect(maskString(body, [secret])).toBe(`{"password":"${M}"}`);
    expect(maskString(`https://x/?t=${encodeURIComponent(secret)}&a=1`, [secret])).toBe(
      `https://x/?t=${M}&a=1`,
    );
  });

  it('treats regular-expression characters literally and skips secrets too short to mask safely', () => {
    expect(maskString('a.b*c(d) and axbxc', ['a.b*c(d)'])).toBe(`${M} and axbxc`);
    const short = 'x'.repeat(MIN_MASKED_LENGTH - 1);
    expect(maskString(`value ${short}`, [short])).toBe(`value ${short}`);
    expect(maskString('unchanged', [])).toBe('unchanged');
  });

  it('scrubs what collectSecretValues found', () => {
    const response = { client_secret: 'Zx9-very-secret' };
    expect(maskString('bad secret Zx9-very-secret', collectSecretValues(response))).toBe(`bad secret ${M}`);
  });

  it('copes with a lone surrogate in a secret', () => {
    expect(maskString('k\uD800key!', ['k\uD800key!'])).toBe(M);
  });
});

describe('near-miss key names (issue 11)', () => {
  it.each([
    ['recovery_codes', { recovery_codes: ['a1b2', 'c3d4'] }],
    ['backup_codes', { backup_codes: ['a1b2'] }],
    ['refresh_tokens', { refresh_tokens: ['v1.rt-canary'] }],
    ['secret_value', { secret_value: 'canary' }],
    ['private_key_pem', { private_key_pem: '-----BEGIN PRIVATE KEY-----' }],
    ['client_secret_value', { client_secret_value: 'canary' }],
    ['credentials.pass', { credentials: { pass: 'canary' } }],
    ['hash', { hash: '$2b$10$canary' }],
    ['salt', { salt: 'canary' }],
    ['signing_keys[].key', { signing_keys: [{ key: 'canary', cert: 'public' }] }],
  ])('masks %s', (_name, body) => {
    expect(JSON.stringify(maskSecrets(body))).not.toMatch(/canary|a1b2|c3d4|rt-canary|PRIVATE/);
  });

  it('keeps what those names hold when it is a setting', () => {
    expect(maskSecrets({ refresh_tokens: true, signing_keys: [{ cert: 'public' }] })).toEqual({
      refresh_tokens: true,
      signing_keys: [{ cert: 'public' }],
    });
  });

  it('never reads reveal from a polluted prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.reveal = true;
    try {
      expect(maskSecrets({ client_secret: 'canary' })).toEqual({ client_secret: M });
    } finally {
      delete proto.reveal;
    }
  });
});

describe('maskText: bodies that are text', () => {
  it.each([
    [
      'a form body',
      'client_secret=canary&grant_type=client_credentials',
      `client_secret=${M}&grant_type=client_credentials`,
    ],
    [
      'JSON typed as text',
      '{"client_secret":"canary","name":"app"}',
      `{"client_secret":"${M}","name":"app"}`,
    ],
    ['broken JSON', '{"client_secret": "canary", oops', `{"client_secret": "${M}", oops`],
    [
      'a header line with its scheme',
      'Authorization: Bearer eyJ.canary.sig\nVia: x',
      `Authorization: ${M}\nVia: x`,
    ],
    ['YAML-ish lines', 'password: canary\nname: bob', `password: ${M}\nname: bob`],
    ['a dotted parent', "credentials.pass='canary' next", `credentials.pass='${M}' next`],
    ['a list', 'recovery_codes=["canary","canary2"] ok', `recovery_codes=${M} ok`],
    [
      'a private key block',
      'k=-----BEGIN RSA PRIVATE KEY-----\nMIIcanary\n-----END RSA PRIVATE KEY----- end',
      `k=${M} end`,
    ],
  ])('masks %s', (_what, text, expected) => {
    expect(maskText(text)).toBe(expected);
    expect(maskSecrets(text)).toBe(expected);
  });

  it('leaves text without secrets, empty values and certificates alone', () => {
    for (const text of [
      'plain words, no keys',
      'token: null; secret: ""',
      '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----',
      'name=bob&email=bob@example.com',
    ])
      expect(maskText(text)).toBe(text);
  });
});

const SPEC_PATH = resolve(
  import.meta.dirname,
  '../..',
  process.env.TENANT_MCP_AUTH0_SPEC ?? '../shared/openapi/auth0-management-api-v2.json',
);

// Every property name in the document that is masked, and every credential-looking name that is not: a
// change to either list is a review of a new or renamed Auth0 field.
const REVIEWED_MASKED = [
  'access_token',
  'access_token_secret',
  'admin_access_token',
  'admin_refresh_token',
  'api_key',
  'app_secret',
  'auth_token',
  'aws_secret_access_key',
  'clientSecret',
  'client_secret',
  'cname_api_key',
  'code',
  'connectionString',
  'datadogApiKey',
  'hash',
  'httpAuthorization',
  'key',
  'masterkey',
  'mixpanelServiceAccountPassword',
  'p12',
  'password',
  'pkcs',
  'pkcs7',
  'privateKey',
  'private_key',
  'provisioning_ticket_url',
  'recovery_code',
  'refresh_token',
  'sasKey',
  'secret',
  'secretAccessKey',
  'secret_key',
  'segmentWriteKey',
  'server_credentials',
  'server_key',
  'servicePassword',
  'signing_secret',
  'skey',
  'smtp_pass',
  'splunkToken',
  'storageAccessKey',
  'sumoSourceAddress',
  'ticket',
  'ticket_url',
  'token',
  'totp_secret',
  'twilio_token',
  'url',
  'value',
  'wrapped_key',
];
const REVIEWED_HARMLESS = [
  'challenge_password_policy', // bot detection modes
  'challenge_password_reset_policy',
  'challenge_passwordless_policy',
  'change_password', // tenant page settings, or a custom database script's source
  'credential_device_type', // WebAuthn metadata
  'credential_type', // the kind of a client credential
  'client_credentials', // token quota settings
  'credentials', // lists of credential ids and public keys; their secret members are masked by name
  'decryptionKey', // { cert, key }: only `key` is private
  'device_credentials', // device credential metadata
  'encryption_key', // a client's public encryption certificate
  'header_key', // the name of the webhook's header
  'ikey', // Duo integration key, an identifier
  'key', // rule-config and hidden form field names
  'passkey', // connection passkey settings
  'password', // connection password settings
  'passwordPolicy', // a policy name
  'password_complexity_options', // password policy settings
  'password_dictionary',
  'password_history',
  'password_no_personal_info',
  'password_options',
  'pre-change-password', // a breached-password stage name
  'private_key_id', // an identifier of a Firebase key
  'private_key_jwt', // client authentication settings
  'public_key',
  'refresh_token', // client rotation settings
  'required_secrets', // the names an integration asks for
  'secrets', // action secrets: names are kept, `value` is masked
  'signing_key', // { cert, key }: only `key` is private
  'site_key', // the public half of a CAPTCHA key pair
  'subject_type_authorization', // an API's access policy
  'ticket_id', // an enrollment or invitation id
  'webhook_authorization', // method and username; the credential members are masked by name
];

type Schema = Record<string, unknown>;

describe.skipIf(!existsSync(SPEC_PATH))('the Management API document', () => {
  it('has no masked or credential-looking property name left unreviewed', () => {
    const doc = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as {
      paths: Record<string, Record<string, Schema>>;
      components: { schemas: Record<string, Schema> };
    };
    const seen = new Set<string>();
    const masked = new Set<string>();
    const unmasked = new Set<string>();
    const suspicious =
      /secret|passw|private|api_?key|ticket|pkcs|hash|token$|key$|credential|authorization$/i;

    const sample = (s: Schema, depth = 0): unknown => {
      if (depth > 8) return 'x';
      if (typeof s.$ref === 'string')
        return sample(doc.components.schemas[s.$ref.split('/').pop()!]!, depth + 1);
      const union = (s.oneOf ?? s.anyOf ?? s.allOf) as Schema[] | undefined;
      if (union?.[0]) return sample(union[0], depth + 1);
      const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
      if (type === 'array') return [s.items ? sample(s.items as Schema, depth + 1) : 'x'];
      if (type === 'object' || s.properties) return { x: 'y' };
      if (type === 'boolean') return true;
      if (type === 'integer' || type === 'number') return 7;
      return 'x';
    };

    const walk = (s: unknown, parent: string | undefined): void => {
      if (!s || typeof s !== 'object') return;
      const schema = s as Schema;
      if (typeof schema.$ref === 'string') {
        const name = schema.$ref.split('/').pop()!;
        if (seen.has(`${name}|${parent}`)) return;
        seen.add(`${name}|${parent}`);
        walk(doc.components.schemas[name], parent);
        return;
      }
      for (const k of ['oneOf', 'anyOf', 'allOf'] as const)
        for (const sub of (schema[k] as unknown[]) ?? []) walk(sub, parent);
      walk(schema.items, parent);
      walk(schema.additionalProperties, parent);
      for (const [name, sub] of Object.entries((schema.properties as Record<string, Schema>) ?? {})) {
        const value = sample(sub);
        const wrapped = parent ? { [parent]: { [name]: value } } : { [name]: value };
        if (JSON.stringify(maskSecrets(wrapped)).includes(MASK)) masked.add(name);
        else if (suspicious.test(name) && typeof value !== 'boolean' && typeof value !== 'number') {
          unmasked.add(name);
        }
        walk(sub, name);
      }
    };
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        const body = (op.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined;
        for (const media of Object.values(body ?? {})) walk(media.schema, undefined);
        for (const response of Object.values((op.responses as Record<string, Schema>) ?? {})) {
          for (const media of Object.values((response.content as Record<string, Schema>) ?? {}))
            walk(media.schema, undefined);
        }
      }
    }
    // Component schemas no operation references directly (connection options by strategy) count too.
    for (const schema of Object.values(doc.components.schemas)) walk(schema, undefined);

    expect([...masked].sort()).toEqual([...REVIEWED_MASKED].sort());
    expect([...unmasked].sort()).toEqual([...REVIEWED_HARMLESS].sort());
  });
});
