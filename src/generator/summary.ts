/**
 * One-line summaries written from facts alone (method and path), for operations our overlay does not
 * describe. The provider's own summaries are prose we may not copy, so every word here comes from the path
 * segments and a small word table.
 */
import type { HttpMethod } from '../tools/types.js';

/**
 * Runs of literal segments that read better as one phrase, keyed by the segments joined with a space. The
 * value is the plural form; `settings`-like values are treated as singletons.
 */
const PHRASES: Record<string, string> = {
  'actions actions': 'actions',
  'anomaly blocks ips': 'blocked IP addresses',
  'attack-protection bot-detection': 'bot detection settings',
  'attack-protection breached-password-detection': 'breached password detection settings',
  'attack-protection brute-force-protection': 'brute force protection settings',
  'attack-protection captcha': 'CAPTCHA settings',
  'attack-protection suspicious-ip-throttling': 'suspicious IP throttling settings',
  branding: 'branding settings',
  'branding templates universal-login': 'universal login template',
  'branding themes default': 'default branding theme',
  'branding phone providers': 'phone providers',
  'branding phone templates': 'phone templates',
  'clients cimd': 'client ID metadata document',
  'connections-directory-provisionings': 'directory provisioning configurations',
  'connections-scim-configurations': 'SCIM configurations',
  'custom-domains default': 'default custom domain',
  enrollments: 'MFA enrollments',
  'guardian enrollments': 'MFA enrollments',
  'guardian enrollments ticket': 'MFA enrollment tickets',
  'keys custom-signing': 'custom signing keys',
  'keys encryption': 'encryption keys',
  'keys signing': 'signing keys',
  multifactor: 'MFA providers',
  'multifactor actions': '',
  'prompts rendering': 'prompt rendering settings',
  'risk-assessments settings': 'risk assessment settings',
  'risk-assessments settings new-device': 'new-device risk assessment settings',
  'jobs users-exports': 'user export jobs',
  'jobs users-imports': 'user import jobs',
  'jobs verification-email': 'verification email jobs',
  'sso-ticket': 'SSO tickets',
  'stats active-users': 'active user count',
  'stats daily': 'daily stats',
  'supplemental-signals': 'supplemental signals settings',
  'tenants settings': 'tenant settings',
  'tickets email-verification': 'email verification tickets',
  'tickets password-change': 'password change tickets',
  'verifiable-credentials verification templates': 'verifiable credential templates',
};

/** Rewrites of a whole noun phrase where word order needs a nudge. */
const REWRITES: Array<[RegExp, string]> = [
  [/^MFA factor (?=\S)/, 'MFA '],
  [/\bprovider (\S+(?: v1)?)$/, '$1 provider'],
];

/** Words spelled differently from their segment (acronyms, brand names). */
const WORDS: Record<string, string> = {
  acls: 'ACLs',
  apns: 'APNs',
  cimd: 'CIMD',
  duo: 'Duo',
  fcm: 'FCM',
  fcmv1: 'FCM v1',
  guardian: 'MFA',
  ip: 'IP',
  ips: 'IPs',
  mfa: 'MFA',
  pn: 'push notification',
  scim: 'SCIM',
  sms: 'SMS',
  sns: 'SNS',
  sso: 'SSO',
  twilio: 'Twilio',
  vc: 'VC',
};

/** Plurals that the suffix rules would get wrong, and nouns that have no singular here. */
const SINGULAR: Record<string, string> = {
  ACLs: 'ACL',
  IPs: 'IP',
  addresses: 'address',
  analytics: 'analytics',
  credentials: 'credential',
  settings: 'settings',
  stats: 'stats',
  status: 'status',
};

/** Words that name one thing of which there is one per tenant or per parent, so `GET` means "get". */
const SINGLETON_WORDS = new Set([
  'branding',
  'captcha',
  'configuration',
  'count',
  'default',
  'detection',
  'mapping',
  'protection',
  'provider',
  'rendering',
  'settings',
  'stats',
  'status',
  'template',
  'text',
  'theme',
  'throttling',
]);

/** Final segments that are verbs; `{obj}` is the phrase for what they act on. */
const ACTIONS: Record<string, string> = {
  clear: 'Clear {obj}',
  deploy: 'Deploy {obj}',
  'invalidate-remember-browser': 'Invalidate the remembered MFA browsers of {obj}',
  preview: 'Preview {obj}',
  'recovery-code-regeneration': 'Regenerate the MFA recovery code of {obj}',
  redeliver: 'Redeliver failed events of {obj}',
  'redeliver {}': 'Redeliver one event of {obj}',
  register: 'Register {obj}',
  rekey: 'Rekey {obj}',
  reset: 'Reset {obj}',
  revoke: 'Revoke {obj}',
  'revoke-access': 'Revoke the access of {obj}',
  rollback: 'Roll back {obj}',
  rotate: 'Rotate {obj}',
  'rotate-secret': 'Rotate the secret of {obj}',
  test: 'Test {obj}',
  try: 'Send a test message with {obj}',
  verify: 'Verify {obj}',
  'wrapping-key': 'Create a wrapping key for {obj}',
};

/** Sub-collections that link existing things, so POST adds and DELETE removes rather than creates and deletes. */
const LINKS = new Set([
  'clients',
  'connections',
  'client-grants',
  'enabled_connections',
  'members',
  'organizations',
  'permissions',
  'roles',
  'synchronized-groups',
  'users',
]);

interface Noun {
  /** Plural (or mass) form. */
  plural: string;
  /** Singular form. */
  singular: string;
  /** Followed by a path parameter, so the path addresses one item. */
  item: boolean;
  /** Looked up by something other than its id, e.g. "name". */
  by?: string;
  /** The raw last segment of the noun, for the word tables. */
  segment: string;
}

/**
 * A one-line summary of `method path` built from the path alone, e.g. `GET /users/{id}/roles` → "List
 * roles of a user".
 */
export function summarize(method: HttpMethod, path: string): string {
  const segments = path.split('/').filter(Boolean);
  const action = method === 'GET' ? undefined : splitAction(segments);
  const nouns = parse(action ? segments.slice(0, -action.length) : segments);
  const last = nouns.at(-1);
  if (!last) return `${verbFor(method)} the API root`;
  const parents = nouns.slice(0, -1);
  const owner = ownerPhrase(parents);
  if (action) return capitalise(action.template.replace('{obj}', target(last, owner)));
  const link = LINKS.has(last.segment) && parents.some((n) => n.item);
  const one = last.item || isSingleton(last);
  const what = one ? `${article(last)} ${last.singular}` : last.plural;
  const by = last.by ? ` by ${last.by}` : '';
  switch (method) {
    case 'GET':
      return `${one ? 'Get' : 'List'} ${what}${by}${owner}`;
    case 'POST':
      if (link && !last.item) return `Add ${last.plural} to ${ownerTarget(parents)}`;
      if (isSingleton(last)) return `Create ${what}${owner}`;
      return `Create ${indefinite(last.singular)} ${last.singular}${owner.replace(/^ of /, ' for ')}`;
    case 'PUT':
      return `Replace ${what}${owner}`;
    case 'PATCH':
      return `Update ${what}${by}${owner}`;
    case 'DELETE':
      if (link) return `Remove ${what} from ${ownerTarget(parents)}`;
      return `Delete ${what}${by}${owner}`;
  }
}

/** The trailing verb of an action path (`.../deploy`, `.../redeliver/{event_id}`), with its segment count. */
function splitAction(segments: string[]): { template: string; length: number } | undefined {
  const last = segments.at(-1) ?? '';
  const before = segments.at(-2) ?? '';
  if (segments.length > 1 && ACTIONS[last]) return { template: ACTIONS[last], length: 1 };
  if (segments.length > 2 && last.startsWith('{') && ACTIONS[`${before} {}`]) {
    return { template: ACTIONS[`${before} {}`]!, length: 2 };
  }
  return undefined;
}

/** Splits a path into nouns: runs of literal segments, each marked when a parameter follows it. */
function parse(segments: string[]): Noun[] {
  const nouns: Noun[] = [];
  let run: string[] = [];
  const flush = (item: boolean, by?: string) => {
    if (run.length > 0) nouns.push(noun(run, item, by));
    run = [];
  };
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.startsWith('{')) {
      if (run.length > 0) flush(true);
    } else if (segment === 'name' && segments[i + 1]?.startsWith('{') && run.length > 0) {
      // `/organizations/name/{name}` looks an organization up by its name.
      flush(true, 'name');
      i++;
    } else {
      run.push(segment);
    }
  }
  flush(false);
  return nouns.filter((n) => n.plural !== '');
}

function noun(run: string[], item: boolean, by?: string): Noun {
  const segment = run.at(-1)!;
  let plural: string | undefined;
  // Prefer the longest known phrase ending the run; words before it are namespaces read as adjectives.
  for (let start = 0; start < run.length && plural === undefined; start++) {
    const known = PHRASES[run.slice(start).join(' ')];
    if (known !== undefined)
      plural = [...run.slice(0, start).map(adjective), known].filter(Boolean).join(' ');
  }
  if (plural === undefined) {
    let tail = words(segment);
    const lookup = /^(.*) by (.*)$/.exec(tail);
    if (lookup) {
      tail = lookup[1]!;
      by = lookup[2];
    }
    const parts = [...run.slice(0, -1).map(adjective), tail];
    // `/actions/actions` is "actions", not "action actions".
    plural = parts.filter((w, i) => i === 0 || singularise(parts[i - 1]!) !== singularise(w)).join(' ');
  }
  for (const [pattern, replacement] of REWRITES) plural = plural.replace(pattern, replacement);
  return { plural, singular: singularisePhrase(plural), item, by, segment };
}

function adjective(segment: string): string {
  return singularise(words(segment));
}

/** Turns a segment into words: `users-by-email` → "users by email", `sms` → "SMS". */
function words(segment: string): string {
  return segment
    .split(/[-_]/)
    .map((w) => WORDS[w] ?? w)
    .join(' ');
}

function singularisePhrase(phrase: string): string {
  const parts = phrase.split(' ');
  parts[parts.length - 1] = singularise(parts.at(-1)!);
  return parts.join(' ');
}

/** The singular of one English noun, careful with the plurals this API uses. */
export function singularise(word: string): string {
  const known = SINGULAR[word];
  if (known !== undefined) return known;
  if (word.includes(' ')) return singularisePhrase(word);
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  if (/(ss|us|is)$/.test(word)) return word;
  if (/s$/.test(word)) return word.slice(0, -1);
  return word;
}

function isSingleton(n: Noun): boolean {
  const lastWord = n.plural.split(' ').at(-1)!;
  return n.plural === n.singular || SINGLETON_WORDS.has(lastWord);
}

/** Mass nouns: even when a parameter picks one, it reads "the custom text of a prompt". */
const MASS_WORDS = new Set(['branding', 'mapping', 'rendering', 'settings', 'stats', 'status', 'text']);

/** "a" or "an" for one of many, "the" for a singleton or a mass noun. */
function article(n: Noun): string {
  return n.item && !MASS_WORDS.has(n.singular.split(' ').at(-1)!) ? indefinite(n.singular) : 'the';
}

/** Acronyms read as words, which take "a" although their first letter sounds like a vowel. */
const SPOKEN_ACRONYMS = new Set(['SCIM']);

function indefinite(phrase: string): string {
  const first = phrase.split(' ')[0] ?? '';
  if (SPOKEN_ACRONYMS.has(first)) return 'a';
  if (/^[A-Z]{2,}/.test(first)) return /^[AEFHILMNORSX]/.test(first) ? 'an' : 'a';
  if (/^(u[bcfhjkqrstn][aeiou]|uni|use|usa|one)/i.test(first)) return 'a';
  return /^[aeiou]/i.test(first) ? 'an' : 'a';
}

/** " of a member of an organization": the addressed parents, innermost first, at most two. */
function ownerPhrase(parents: Noun[]): string {
  return parents
    .filter((n) => n.item)
    .slice(-2)
    .reverse()
    .map((n) => ` of ${indefinite(n.singular)} ${n.singular}`)
    .join('');
}

function ownerTarget(parents: Noun[]): string {
  return ownerPhrase(parents).replace(/^ of /, '') || 'the tenant';
}

/** What an action acts on: "an action", "the keys of a connection", "the signing keys". */
function target(n: Noun, owner: string): string {
  if (n.item) return `${indefinite(n.singular)} ${n.singular}${owner}`;
  if (!owner && isSingleton(n)) return `the ${n.singular}`;
  return `the ${n.plural}${owner}`;
}

function verbFor(method: HttpMethod): string {
  return { GET: 'Get', POST: 'Post to', PUT: 'Replace', PATCH: 'Update', DELETE: 'Delete' }[method];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
