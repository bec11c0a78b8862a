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
    keys: [
      'ticket',
      'ticket_url',
      'provisioning_ticket_url',
      'recovery_code',
      'recovery_codes',
      'backup_codes',
      'otp',
      'link',
    ],
    match: 'whole',
  },
  {
    // Not in the document, but in Auth0's user import format and in OAuth requests an agent may relay.
    family: 'password hashes and OAuth proofs',
    keys: ['password_hash', 'custom_password_hash', 'client_assertion', 'code_verifier'],
    match: 'whole',
  },
  {
    // Near misses a hostile tenant (or an import format) can use: a hash and its salt, a bare `pass`,
    // secrets and keys spelled with a suffix. A form field's `hash` setting (an algorithm name) is masked
    // with them: hiding a setting costs less than showing a hash.
    family: 'hashes, salts and suffixed secrets',
    keys: ['hash', 'salt', 'pass', 'secret_value', 'client_secret_value', 'private_key_pem'],
    match: 'scalar',
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
    // SAML connections' `signing_key` and `decryptionKey` are `{ cert, key }`: the key is private; a
    // `signing_keys[]` entry carrying a `key` is one too.
    family: 'SAML private keys',
    keys: ['key'],
    match: 'whole',
    parents: ['signing_key', 'decryptionKey', 'signing_keys'],
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
  /(token|jwt)s?$/, // id_token, bearer_token, auth0Token, subject_token, refresh_tokens
  /(secret|privatekey|password|token)(value|pem)$/, // secret_value, private_key_pem
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
  // Own property only: an inherited `reveal` (a polluted prototype) must never switch masking off.
  if (Object.hasOwn(options, 'reveal') && options.reveal === true) return value;
  const classify = classifier(options.extraKeys);
  // A body that is text (a 2xx not typed as JSON, an echo) is masked as text: JSON inside by key, the
  // rest by `key=value` shapes and private-key blocks.
  if (typeof value === 'string') return maskTextWith(value, classify);

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

/** Longest run read as one key name in free text; longer runs are words, not keys. */
const MAX_TEXT_KEY = 64;

/** Auth schemes whose credential follows them after a space (`Authorization: Bearer eyJ…`). */
const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'digest', 'negotiate', 'apikey', 'sso-key']);

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Where an unquoted value starting at `at` ends: at whitespace or a separator of the enclosing text. */
function valueEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    // space, tab, CR, LF, `"`, `'`, `&`, `,`, `;`, `<`, `>`, `}`, `]`, `)`
    if (c <= 32 || c === 34 || c === 39 || c === 38 || c === 44 || c === 59 || c === 60 || c === 62) break;
    if (c === 125 || c === 93 || c === 41) break;
    i++;
  }
  return i;
}

/** Where a bracketed value (`[...]`, `{...}`) starting at `at` ends, quotes respected (or at the end). */
function bracketEnd(text: string, at: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = at; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && --depth === 0) return i + 1;
  }
  return text.length;
}

/** Where a value quoted with the character at `at` ends (after its closing quote, or at the end). */
function quotedEnd(text: string, at: number): number {
  const quote = text[at];
  let i = at + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return Math.min(text.length, i + 1);
}

/** PEM blocks of private keys (`-----BEGIN RSA PRIVATE KEY-----` … `-----END …-----`), masked whole. */
function maskPrivateKeyBlocks(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return text;
  const out: string[] = [];
  let at = 0;
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin === -1) break;
    const headerEnd = text.indexOf('-----', begin + 11);
    if (headerEnd === -1) break;
    const label = text.slice(begin + 11, headerEnd);
    if (label.length > 40 || !label.endsWith('PRIVATE KEY')) {
      from = headerEnd + 5;
      continue;
    }
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, headerEnd + 5);
    out.push(text.slice(at, begin), MASK);
    at = end === -1 ? text.length : end + endMarker.length;
    from = at;
  }
  out.push(text.slice(at));
  return out.join('');
}

/**
 * `text` with secrets masked as {@link maskSecrets} would mask them in JSON: a JSON document by key, and
 * free text (form bodies, `key: value` lines, logs, HTML) where a secret-bearing name is followed by `=`
 * or `:` and a value. One pass over the text, each character read a bounded number of times.
 */
export function maskText(text: string, options: Pick<MaskOptions, 'extraKeys'> = {}): string {
  return maskTextWith(text, classifier(options.extraKeys));
}

function maskTextWith(text: string, classify: Classifier): string {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return JSON.stringify(maskSecrets(JSON.parse(text)));
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  const masked = maskPrivateKeyBlocks(text);
  const out: string[] = [];
  let at = 0;
  let i = 0;
  while (i < masked.length) {
    if (!isKeyChar(masked.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < masked.length && isKeyChar(masked.charCodeAt(i))) i++;
    if (i - start > MAX_TEXT_KEY) continue;
    let j = i;
    if (masked[j] === '"' || masked[j] === "'") j++;
    while (j < masked.length && isSpace(masked.charCodeAt(j))) j++;
    if (masked[j] !== '=' && masked[j] !== ':') continue;
    j++;
    // `credentials.pass`: the last segment is the key, the one before it its parent.
    const segments = masked.slice(start, i).split('.').filter(Boolean);
    const key = segments.at(-1);
    if (key === undefined) continue;
    while (j < masked.length && isSpace(masked.charCodeAt(j))) j++;
    const quoted = masked[j] === '"' || masked[j] === "'";
    const bracketed = masked[j] === '[' || masked[j] === '{';
    let end = quoted ? quotedEnd(masked, j) : bracketed ? bracketEnd(masked, j) : valueEnd(masked, j);
    const value = quoted ? masked.slice(j + 1, Math.max(j + 1, end - 1)) : masked.slice(j, end);
    const match = classify(key, segments.at(-2));
    if (value === '' || match === undefined || value === 'null' || value === 'true' || value === 'false') {
      continue;
    }
    if (!quoted && AUTH_SCHEMES.has(value.toLowerCase()) && isSpace(masked.charCodeAt(end))) {
      let k = end;
      while (k < masked.length && isSpace(masked.charCodeAt(k))) k++;
      end = valueEnd(masked, k);
    }
    out.push(masked.slice(at, quoted ? j + 1 : j), MASK);
    at = quoted && masked[end - 1] === masked[j] && end - 1 > j ? end - 1 : end;
    i = end;
  }
  if (at === 0) return masked;
  out.push(masked.slice(at));
  return out.join('');
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
  const holds = textIndex(text);
  const add = (form: string) => {
    // Only forms the text holds go into the pattern: an agent can send thousands of secrets, and an
    // alternation of all of them would cost the event loop on every character of the text.
    if (holds(form)) forms.add(form);
  };
  for (const secret of secrets) {
    if (secret.length < MIN_MASKED_LENGTH) continue;
    const escaped = JSON.stringify(secret).slice(1, -1);
    add(secret);
    add(escaped);
    try {
      add(encodeURIComponent(secret));
      add(encodeURIComponent(escaped));
    } catch {
      // A lone surrogate cannot be percent-encoded, so that form cannot occur in a URL either.
    }
  }
  if (forms.size === 0) return text;
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return text.replace(new RegExp(alternatives.join('|'), 'g'), MASK);
}

/** Longest prefix {@link textIndex} looks up before it searches the whole text. */
const GRAM = 8;

/**
 * Whether `text` contains a string, answered for thousands of strings in about the time of one search:
 * the text's substrings of each prefix length are kept in a set (built on first need), so a string whose
 * prefix the text lacks costs a lookup, not a scan.
 */
function textIndex(text: string): (form: string) => boolean {
  const grams = new Map<number, Set<string>>();
  return (form) => {
    if (form.length > text.length) return false;
    const size = Math.min(GRAM, form.length);
    let set = grams.get(size);
    if (!set) {
      set = new Set<string>();
      for (let i = 0; i + size <= text.length; i++) set.add(text.slice(i, i + size));
      grams.set(size, set);
    }
    return set.has(form.slice(0, size)) && text.includes(form);
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
