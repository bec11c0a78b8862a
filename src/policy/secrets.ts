/**
 * Masks credentials in what the tenant returns (and in what an agent sends, before it reaches a log), so an
 * agent never reads a client secret, a signing key or a password-change link unless a person configured
 * the profile to reveal them. Matching is by key name, as data below: exact names found in the Auth0
 * Management API document, a few names that are credentials only inside a known parent, and generic
 * name shapes for fields the document does not list (`user_metadata`, future fields, HTTP header maps).
 *
 * Names are compared normalised: lower case, without `_` and `-`, so `client_secret`, `clientSecret` and
 * `Client-Secret` are one key. `null`, booleans and empty strings are never masked: they hold no secret and
 * tell the agent whether one is set.
 */
import { isPlainObject, MAX_DEPTH, setOwn, TOO_DEEP } from './sanitize.js';

/** What replaces a masked value. */
export const MASK = '[masked]';

/** Which values under a matching key are masked. */
export type SecretMatch =
  /** Any value: a string, a number, or an object or array masked whole. */
  | 'whole'
  /** Strings and numbers only: the same name also holds harmless configuration objects. */
  | 'scalar';

/** One family of secret-bearing keys. */
export interface SecretKeyFamily {
  /** What the family is, for the README and reviews. */
  readonly family: string;
  /** Key names as the API spells them. */
  readonly keys: readonly string[];
  /** Which values are masked. */
  readonly match: SecretMatch;
  /** When set, the keys are secret only inside an object under one of these keys (arrays are transparent). */
  readonly parents?: readonly string[];
}

/**
 * Exact key names, by family. All come from the Management API's request or response schemas except the
 * family marked as Auth0's user import format and OAuth requests.
 */
export const SECRET_KEY_FAMILIES: readonly SecretKeyFamily[] = [
  {
    // Applications, connections (`options.client_secret`, Apple's `app_secret`), flows vault OAuth apps.
    family: 'OAuth client secrets',
    keys: ['client_secret', 'clientSecret', 'app_secret'],
    match: 'whole',
  },
  {
    // HS256 secret of an API (resource server); the CAPTCHA providers' and the Firebase add-on's `secret`.
    family: 'signing and shared secrets',
    keys: ['signing_secret', 'secret', 'secret_key', 'totp_secret'],
    match: 'whole',
  },
  {
    // Client and tenant signing certificates in PKCS#7, and connection keys' `pkcs`. The `pkcs*` family
    // also names PKCS#8/#12 private-key containers, so it is masked as a whole; `cert` stays readable.
    family: 'key containers',
    keys: ['pkcs', 'pkcs7', 'p12', 'private_key', 'privateKey', 'wrapped_key'],
    match: 'whole',
  },
  {
    // Add-ons: Azure Service Bus, Azure Blob, Windows Azure Media Services, SAP API.
    family: 'client add-on keys',
    keys: ['sasKey', 'storageAccessKey', 'masterkey', 'servicePassword'],
    match: 'whole',
  },
  {
    // `verify` on a custom domain answers with the key its CNAME proxy authenticates with.
    family: 'custom domain credentials',
    keys: ['cname_api_key'],
    match: 'whole',
  },
  {
    // HTTP, Splunk, Datadog, Segment, Mixpanel and Sumo Logic sinks (a Sumo source address embeds its token).
    family: 'log stream credentials',
    keys: [
      'httpAuthorization',
      'splunkToken',
      'datadogApiKey',
      'segmentWriteKey',
      'mixpanelServiceAccountPassword',
      'sumoSourceAddress',
    ],
    match: 'whole',
  },
  {
    // Email providers (SES, SendGrid, SMTP, Azure Communication Services), Twilio, SNS, FCM and Duo.
    family: 'messaging provider credentials',
    keys: [
      'api_key',
      'smtp_pass',
      'secretAccessKey',
      'aws_secret_access_key',
      'connectionString',
      'auth_token',
      'twilio_token',
      'server_key',
      'server_credentials',
      'skey',
    ],
    match: 'whole',
  },
  {
    // Tokens Auth0 keeps for social and enterprise identities (`identities[]`, Google Workspace admin).
    family: 'identity provider tokens',
    keys: ['access_token', 'access_token_secret', 'admin_access_token', 'admin_refresh_token'],
    match: 'whole',
  },
  {
    // One-time links and codes that act as a credential on their own: password-change, email-verification
    // and self-service SSO tickets, Guardian enrollment and AD connector provisioning links, MFA recovery;
    // MonoCloud's password-reset and verification answers call their link `link`.
    family: 'tickets and one-time codes',
    keys: ['ticket', 'ticket_url', 'provisioning_ticket_url', 'recovery_code', 'otp', 'link'],
    match: 'whole',
  },
  {
    // Not in the document, but in Auth0's user import format and in OAuth requests an agent may relay.
    family: 'password hashes and OAuth proofs',
    keys: ['password_hash', 'custom_password_hash', 'client_assertion', 'code_verifier'],
    match: 'whole',
  },
  {
    // A user's `password` is a string; a connection's `authentication_methods.password` is `{ enabled }`.
    // A client's `refresh_token` is rotation settings; an identity's is the IdP's token. A SCIM `token` is
    // a string. HTTP header maps may carry cookies.
    family: 'names that are also configuration objects',
    keys: ['password', 'refresh_token', 'token', 'cookie', 'set-cookie'],
    match: 'scalar',
  },
  {
    // Action and action-module secrets (`secrets[].value`), log stream custom headers, the event stream
    // webhook's custom-header credential, and a flows vault connection's `setup` (API key `value`, OAuth
    // authorization `code`, Slack/Zapier webhook `url` with its embedded token).
    family: 'credentials only inside a known parent',
    keys: ['value'],
    match: 'whole',
    parents: ['secrets', 'httpCustomHeaders', 'webhook_authorization', 'setup'],
  },
  {
    family: 'flows vault authorization codes and webhook URLs',
    keys: ['code', 'url'],
    match: 'whole',
    parents: ['setup'],
  },
  {
    // SAML connections' `signing_key` and `decryptionKey` are `{ cert, key }`: the key is private.
    family: 'SAML private keys',
    keys: ['key'],
    match: 'whole',
    parents: ['signing_key', 'decryptionKey'],
  },
  {
    // Private members of a JWK, should one ever be sent in a `keys` set (custom signing keys are public).
    family: 'private JWK members',
    keys: ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'],
    match: 'whole',
    parents: ['keys'],
  },
];

/** Every exact secret key name that applies in any parent, in the API's spelling. */
export const SECRET_KEYS: readonly string[] = SECRET_KEY_FAMILIES.filter((f) => !f.parents).flatMap(
  (f) => f.keys,
);

/**
 * Name shapes that are credentials wherever they appear, tested on the normalised name of keys the
 * families above do not list. Scalar values only: `ext_access_token: true` and `subject_type_authorization:
 * { ... }` are settings.
 */
export const SECRET_KEY_PATTERNS: readonly RegExp[] = [
  /secret$/, // client_secret, appSecret, consumer_secret
  /(token|jwt)$/, // id_token, bearer_token, auth0Token, subject_token
  /(password|passwd|passphrase)$/, // new_password, smtpPassword
  /(apikey|secretkey|accesskey|privatekey|signingkey|writekey)$/, // x-api-key, aws_secret_access_key
  /^pkcs/, // pkcs8, pkcs12
  /authorization$/, // Authorization, Proxy-Authorization headers
  /passwordhash$/, // bcrypt_password_hash
];

/**
 * Harmless names a pattern would catch: a custom database script (`customScripts.change_password` is
 * source code) and a breached-password-detection stage name.
 */
export const NOT_SECRET_KEYS: readonly string[] = ['change_password', 'pre-change-password'];

/** The name every comparison uses. */
function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

const byName = (families: readonly SecretKeyFamily[]) =>
  new Map(families.flatMap((f) => f.keys.map((k) => [normalise(k), f.match] as const)));

const EXACT = byName(SECRET_KEY_FAMILIES.filter((f) => !f.parents));
const CHILDREN = new Map<string, Map<string, SecretMatch>>();
for (const family of SECRET_KEY_FAMILIES) {
  for (const parent of family.parents ?? []) {
    const inner = CHILDREN.get(normalise(parent)) ?? new Map<string, SecretMatch>();
    for (const key of family.keys) inner.set(normalise(key), family.match);
    CHILDREN.set(normalise(parent), inner);
  }
}
const HARMLESS = new Set(NOT_SECRET_KEYS.map(normalise));

/** Options of {@link maskSecrets} and {@link collectSecretValues}. */
export interface MaskOptions {
  /** More key names to mask whole (normalised like the built-in ones), e.g. from a policy file. */
  extraKeys?: readonly string[];
  /** Return the value untouched: only for a profile a person configured to reveal secrets. */
  reveal?: boolean;
}

type Classifier = (key: string, parent: string | undefined) => SecretMatch | undefined;

/** A key's normalised name and what the parent-independent rules say about it. */
interface KeyInfo {
  readonly name: string;
  readonly match: SecretMatch | undefined;
}

/**
 * Classifications by raw key: a result holds the same few dozen keys thousands of times. Bounded, because
 * `user_metadata` keys are whatever users chose.
 */
const KEY_CACHE = new Map<string, KeyInfo>();
const KEY_CACHE_LIMIT = 10_000;

function keyInfo(key: string): KeyInfo {
  let info = KEY_CACHE.get(key);
  if (info) return info;
  const name = normalise(key);
  let match: SecretMatch | undefined;
  if (!HARMLESS.has(name)) {
    match = EXACT.get(name) ?? (SECRET_KEY_PATTERNS.some((p) => p.test(name)) ? 'scalar' : undefined);
  }
  info = { name, match };
  if (KEY_CACHE.size >= KEY_CACHE_LIMIT) KEY_CACHE.clear();
  KEY_CACHE.set(key, info);
  return info;
}

function classifier(extraKeys: readonly string[] | undefined): Classifier {
  const extra = new Set((extraKeys ?? []).map(normalise));
  return (key, parent) => {
    const info = keyInfo(key);
    if (extra.size > 0 && extra.has(info.name)) return 'whole';
    if (parent !== undefined) {
      const child = CHILDREN.get(keyInfo(parent).name)?.get(info.name);
      if (child) return child;
    }
    return info.match;
  };
}

/** Whether a value under a key classified `match` is masked. */
function masks(match: SecretMatch | undefined, value: unknown): boolean {
  if (match === undefined || value === null || value === '' || typeof value === 'boolean') return false;
  if (match === 'whole') return true;
  return typeof value === 'string' || typeof value === 'number';
}

/**
 * A deep copy of the JSON value `value` where the value of every secret-bearing key is {@link MASK}
 * (objects and arrays under a whole-value key are masked whole), and a container nested deeper than
 * {@link MAX_DEPTH} is {@link TOO_DEEP}. With `reveal: true`, `value` itself is returned. Never mutates
 * `value`.
 */
export function maskSecrets(value: unknown, options: MaskOptions = {}): unknown {
  if (options.reveal) return value;
  const classify = classifier(options.extraKeys);

  // An array takes its key from the property holding it, so `secrets[].value` and `{ token: ['…'] }` match.
  function walk(node: unknown, key: string | undefined, parent: string | undefined, depth: number): unknown {
    if (key !== undefined && masks(classify(key, parent), node)) return MASK;
    if (typeof node !== 'object' || node === null) return node;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(node)) return node.map((item) => walk(item, key, parent, depth + 1));
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const child of Object.keys(node)) setOwn(out, child, walk(node[child], child, key, depth + 1));
    return out;
  }
  return walk(value, undefined, undefined, 0);
}

/**
 * The secret values in `value` (what {@link maskSecrets} would hide), each once, as strings: the gate scrubs
 * them from error texts and logs with {@link maskString}. Strings and numbers inside a masked object count.
 */
export function collectSecretValues(value: unknown, options: Pick<MaskOptions, 'extraKeys'> = {}): string[] {
  const classify = classifier(options.extraKeys);
  const found = new Set<string>();

  // Past MAX_DEPTH, maskSecrets drops the subtree, so nothing there can reach a text to scrub.
  function leaves(node: unknown, depth: number): void {
    if (typeof node === 'string') {
      if (node !== '') found.add(node);
    } else if (typeof node === 'number') {
      found.add(String(node));
    } else if (typeof node === 'object' && node !== null && depth < MAX_DEPTH) {
      const items = Array.isArray(node) ? node : isPlainObject(node) ? Object.values(node) : [];
      for (const item of items) leaves(item, depth + 1);
    }
  }

  function walk(node: unknown, key: string | undefined, parent: string | undefined, depth: number): void {
    if (key !== undefined && masks(classify(key, parent), node)) {
      leaves(node, depth);
    } else if (Array.isArray(node)) {
      if (depth < MAX_DEPTH) for (const item of node) walk(item, key, parent, depth + 1);
    } else if (typeof node === 'object' && node !== null && isPlainObject(node) && depth < MAX_DEPTH) {
      for (const child of Object.keys(node)) walk(node[child], child, key, depth + 1);
    }
  }
  walk(value, undefined, undefined, 0);
  return [...found];
}

/**
 * Shortest secret {@link maskString} replaces: a shorter value would blank out ordinary words and digits,
 * and a credential that short offers no protection to keep.
 */
export const MIN_MASKED_LENGTH = 4;

/**
 * `text` with every occurrence of each of `secrets` replaced by {@link MASK}, also where a secret appears
 * JSON-escaped (inside a quoted body) or percent-encoded (inside a URL). Longer secrets are replaced first,
 * so a secret that contains another is masked whole.
 */
export function maskString(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_MASKED_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    try {
      forms.add(encodeURIComponent(secret));
    } catch {
      // A lone surrogate cannot be percent-encoded, so that form cannot occur in a URL either.
    }
  }
  if (forms.size === 0) return text;
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return text.replace(new RegExp(alternatives.join('|'), 'g'), MASK);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
