/**
 * Policy files: profiles beyond the built-in three, and named tenants, in YAML (`--policy FILE` or
 * `TENANT_MCP_POLICY`). The whole file is checked before anything runs; any problem is one
 * {@link PolicyFileError} naming the file, the line and the key path, because a policy that is half
 * understood is worse than none.
 *
 * ```yaml
 * version: 1                        # required; the only version
 * profiles:
 *   support:                        # [A-Za-z0-9][A-Za-z0-9_-]*, not a built-in name
 *     description: Tier-1 support   # optional, free text
 *     extends: helpdesk             # optional: a built-in or a profile of this file; narrows it
 *     allow: [get_*, "toolset:users", "tool:block_user"]
 *     deny: ["toolset:keys", "tool:invoke_write_operation"]
 *     max_risk: write               # read | write | destructive
 *     confirm:                      # exact operation ids; always | never
 *       patch_users_by_id: always
 *     constraints:
 *       - operations: [post_users]  # rules as in allow, without tool:
 *         argument: connection      # then one of one_of / equals / pattern, and/or required: true
 *         one_of: [Username-Password-Authentication]
 *         required: true
 *       - operations: [patch_users_by_id]
 *         body_fields: [blocked]    # the body may carry only these fields
 *     scopes: [read:users, update:users]
 *     reveal_secrets: false
 *     elicitation: stdio            # stdio (default) | allowed | never: where a person may confirm in
 *                                   # the agent's own client; over HTTP `allowed` trusts every principal
 * tenants:
 *   prod:
 *     domain: acme.eu.auth0.com     # a string or { env: VAR }
 *     client_id: { env: PROD_AUTH0_CLIENT_ID }            # a string or { env: VAR }
 *     client_secret: { env: PROD_AUTH0_CLIENT_SECRET }    # { env: VAR } only
 *     audience: https://acme.eu.auth0.com/api/v2/         # optional; client credentials only
 *     profile: read-only            # optional; otherwise the CLI's --profile
 *   dev:
 *     domain: acme-dev.eu.auth0.com
 *     token: { env: DEV_AUTH0_TOKEN }                      # { env: VAR } only
 * default_tenant: dev               # used without --tenant
 * ```
 *
 * Rules: a plain entry is a glob over operation ids, `toolset:<glob>` over toolsets, `tool:<glob>` over
 * tool names (the generic and task tools). A rule that matches nothing is an error: it is a typo, and a
 * typo in a deny list is a hole. Deny wins over allow. Without `extends`, a profile allows only what its
 * allow list names; with it, the profile starts from what the parent allows and can only take away (an
 * allow rule covering nothing the parent allows is an error, since it would silently grant nothing).
 * Operation rules and tool rules filter separately: with `extends`, an allow list with no `tool:` entry
 * keeps the parent's task tools. The scope allowlist keeps an operation when any one of its scopes is
 * listed (Auth0 accepts any one) and always keeps operations that need no scope. `confirm: never` is for
 * operations named one by one, and only ones the profile allows; the gate records every use.
 *
 * Credentials never sit in the file: `client_secret` and `token` must be `{ env: VAR }`, read when the
 * tenant is resolved, so the file can be committed and reviewed.
 */
import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { auth0Catalog } from '../tools/auth0/index.js';
import { namedTools } from '../tools/registry.js';
import type { Catalog, OperationSpec } from '../tools/types.js';
import { PolicyFileError } from './policy-error.js';
import {
  type ArgumentConstraint,
  createProfile,
  getProfile,
  isProfileName,
  PROFILE_NAMES,
  type ProfileDefinition,
  parseRule,
  RISKS,
  type Rule,
  TOOL_NAMES,
} from './profiles.js';
import type { ConfirmMode, Profile } from './types.js';
import { closest } from './validate.js';

export { PolicyFileError } from './policy-error.js';

/** A value read from the environment when the tenant is resolved. */
export interface EnvRef {
  /** Name of the environment variable. */
  env: string;
}

/** A setting written in the file or taken from the environment. */
export type SettingValue = string | EnvRef;

/** A tenant as the file declares it; credentials stay references until {@link resolveTenant}. */
export interface TenantEntry {
  /** The tenant's name (its key under `tenants`). */
  name: string;
  /** Tenant domain or base URL. */
  domain: SettingValue;
  /** Client id of a machine-to-machine application. */
  clientId?: SettingValue;
  /** Its client secret; always an environment reference. */
  clientSecret?: EnvRef;
  /** A ready Management API token; always an environment reference. */
  token?: EnvRef;
  /** Token audience for client credentials. */
  audience?: SettingValue;
  /** Profile pinned to this tenant (built-in or file profile), already checked to exist. */
  profile?: string;
  /** The identity provider (`auth0` unless the file says `monocloud`). */
  provider: 'auth0' | 'monocloud';
  /** MonoCloud's management API key; always an environment reference. */
  apiKey?: EnvRef;
  /** Line of the tenant's key and of each of its settings, for errors raised when it is resolved. */
  lines: Readonly<Record<string, number | undefined>>;
}

/** A checked policy file. */
export interface PolicyFile {
  /** File name as given, or the name passed to {@link parsePolicy}; it prefixes every message. */
  source: string;
  /** The file's profiles, resolved (extends applied), in file order. */
  profiles: ReadonlyMap<string, Profile>;
  /** The provider each file profile is written for (its rules name that provider's operations). */
  profileProviders?: ReadonlyMap<string, 'auth0' | 'monocloud'>;
  /** Named tenants, in file order. */
  tenants: ReadonlyMap<string, TenantEntry>;
  /** The tenant used when none is selected. */
  defaultTenant?: string;
}

/** How the server authenticates to a tenant (the same shape as the CLI's environment configuration). */
export type ResolvedTenantAuth =
  | {
      /** A ready token. */
      kind: 'token';
      /** The bearer token. */
      token: string;
    }
  | {
      /** MonoCloud's management API key, sent in `X-API-KEY`. */
      kind: 'api_key';
      /** The key. */
      apiKey: string;
    }
  | {
      /** Client credentials, exchanged for tokens at `/oauth/token`. */
      kind: 'client_credentials';
      /** Client id. */
      clientId: string;
      /** Client secret. */
      clientSecret: string;
      /** Token audience, when set. */
      audience?: string;
    };

/** A tenant with its environment references read. */
export interface ResolvedTenant {
  /** The tenant's name in the file. */
  name: string;
  /** Domain or base URL as written (the CLI checks its form, as it does for `AUTH0_DOMAIN`). */
  domain: string;
  /** Credentials. */
  auth: ResolvedTenantAuth;
  /** The profile the file pins to this tenant; `undefined` leaves the choice to the CLI. */
  profileName: string | undefined;
  /** The identity provider. */
  provider: 'auth0' | 'monocloud';
}

/** Options of {@link parsePolicy} and {@link loadPolicyFile}. */
export interface PolicyOptions {
  /** Operations the rules of Auth0 profiles are checked and resolved against; the Auth0 catalog by default. */
  operations?: readonly OperationSpec[];
  /** Catalogs per provider, for profiles that say `provider:` (MonoCloud's is loaded when needed). */
  catalogs?: Partial<Record<'auth0' | 'monocloud', Catalog>>;
}

/** Reads and checks a policy file; every problem, unreadable file included, is a {@link PolicyFileError}. */
export function loadPolicyFile(path: string, options: PolicyOptions = {}): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyFileError(
      { file: path },
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`,
    );
  }
  return parsePolicy(text, path, options);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LITERAL_SECRET = 'literal secrets are not allowed in the policy file; use { env: VAR }';

const envRefSchema = z.strictObject({
  env: z.string().regex(ENV_NAME, 'expected an environment variable name'),
});
const settingSchema = z.union([z.string().min(1), envRefSchema], {
  error: 'expected a string or { env: VAR }',
});
const secretSchema = z
  .union([z.string(), envRefSchema], { error: 'expected { env: VAR }' })
  .superRefine((value, ctx) => {
    if (typeof value === 'string') ctx.addIssue({ code: 'custom', message: LITERAL_SECRET });
  });
const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'expected a string, number, boolean or null',
});
const constraintSchema = z.strictObject({
  operations: z.array(z.string().min(1)).min(1),
  argument: z.string().min(1).optional(),
  one_of: z.array(scalarSchema).min(1).optional(),
  equals: scalarSchema.optional(),
  pattern: z.string().optional(),
  required: z.boolean().optional(),
  body_fields: z.array(z.string().min(1)).min(1).optional(),
});
const providerSchema = z.enum(['auth0', 'monocloud']);
const profileSchema = z.strictObject({
  description: z.string().optional(),
  provider: providerSchema.optional(),
  extends: z.string().min(1).optional(),
  allow: z.array(z.string().min(1)).optional(),
  deny: z.array(z.string().min(1)).optional(),
  max_risk: z.enum(RISKS as ['read', 'write', 'destructive']).optional(),
  confirm: z.record(z.string(), z.enum(['always', 'never'])).optional(),
  constraints: z.array(constraintSchema).optional(),
  scopes: z.array(z.string().min(1)).optional(),
  reveal_secrets: z.boolean().optional(),
  elicitation: z.enum(['stdio', 'allowed', 'never']).optional(),
});
const tenantSchema = z.strictObject({
  description: z.string().optional(),
  provider: providerSchema.optional(),
  domain: settingSchema,
  api_key: secretSchema.optional(),
  client_id: settingSchema.optional(),
  client_secret: secretSchema.optional(),
  token: secretSchema.optional(),
  audience: settingSchema.optional(),
  profile: z.string().min(1).optional(),
});
const policySchema = z.strictObject({
  version: z.literal(1),
  profiles: z.record(z.string(), profileSchema).optional(),
  tenants: z.record(z.string(), tenantSchema).optional(),
  default_tenant: z.string().min(1).optional(),
});

type PolicyData = z.infer<typeof policySchema>;
type ProfileData = z.infer<typeof profileSchema>;
type Path = ReadonlyArray<string | number>;

/** Formats a key path the way people write it: `profiles.support.allow[2]`. */
function formatPath(path: Path): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/** Finds lines for key paths in the parsed document. */
class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly file: string,
  ) {}

  /** The line of `path`: of its key when it ends at a map key, of its item in a list; else the nearest parent. */
  line(path: Path): number | undefined {
    let node: unknown = this.doc.contents;
    let at: Node | undefined = isNodeLike(node) ? node : undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        at = isNodeLike(pair.key) ? pair.key : at;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!isNodeLike(item)) break;
        at = item;
        node = item;
      } else {
        break;
      }
    }
    const offset = at?.range?.[0];
    return offset === undefined ? undefined : this.lineAt(offset);
  }

  /** The 1-based line of a character offset. */
  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /** An error at `path`. */
  error(path: Path, reason: string): PolicyFileError {
    return new PolicyFileError({ file: this.file, line: this.line(path), path: formatPath(path) }, reason);
  }
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** The key path of the deepest node around `offset`, to place YAML syntax errors. */
function pathAt(node: unknown, offset: number, path: Array<string | number> = []): Array<string | number> {
  if (isMap(node)) {
    for (const pair of node.items) {
      const start = isNodeLike(pair.key) ? pair.key.range?.[0] : undefined;
      const end = isNodeLike(pair.value)
        ? pair.value.range?.[2]
        : isNodeLike(pair.key)
          ? pair.key.range?.[2]
          : undefined;
      if (
        start !== undefined &&
        end !== undefined &&
        start <= offset &&
        offset <= end &&
        isScalar(pair.key)
      ) {
        return pathAt(pair.value, offset, [...path, String(pair.key.value)]);
      }
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const range = isNodeLike(item) ? item.range : undefined;
      if (range && range[0] <= offset && offset <= range[2]) return pathAt(item, offset, [...path, i]);
    }
  }
  return path;
}

/** Keys an object at `path` may have, for "did you mean". */
function knownKeys(path: Path): string[] {
  const shape =
    path.length === 0
      ? policySchema.shape
      : path[0] === 'profiles' && path.length === 2
        ? profileSchema.shape
        : path[0] === 'profiles' && path[2] === 'constraints'
          ? constraintSchema.shape
          : path[0] === 'tenants' && path.length === 2
            ? tenantSchema.shape
            : envRefSchema.shape;
  return Object.keys(shape);
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function expectedName(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a map';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** One zod issue as an error at its key path, worded for the person editing the file. */
function issueError(issue: z.core.$ZodIssue, data: unknown, locator: Locator): PolicyFileError {
  const path = issue.path as Array<string | number>;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const known = knownKeys(path);
      const guess = closest(key, known);
      return locator.error(
        [...path, key],
        `unknown key${guess ? ` (did you mean "${guess}"?)` : ''}; known keys: ${known.join(', ')}`,
      );
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      return locator.error(
        path,
        value === undefined
          ? `missing (expected ${expectedName(issue.expected)})`
          : `expected ${expectedName(issue.expected)}, got ${typeName(value)}`,
      );
    }
    case 'invalid_value': {
      const value = valueAt(data, path);
      const expected = issue.values.map((v) => JSON.stringify(v)).join(' | ');
      if (value === undefined) return locator.error(path, `missing (expected ${expected})`);
      const got =
        typeof value === 'string' || typeof value === 'number' ? `, got ${JSON.stringify(value)}` : '';
      return locator.error(path, `expected ${expected}${got}`);
    }
    case 'too_small':
      return locator.error(
        path,
        issue.origin === 'array' ? 'must not be an empty list' : 'must not be empty',
      );
    default:
      return locator.error(path, issue.message);
  }
}

/**
 * Parses and checks a policy document. `sourceName` prefixes every message (a file name, or e.g.
 * `TENANT_MCP_POLICY`). Throws the first problem in file order as a {@link PolicyFileError}.
 */
export function parsePolicy(text: string, sourceName: string, options: PolicyOptions = {}): PolicyFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = new Locator(doc, lineCounter, sourceName);
  const syntax = doc.errors[0];
  if (syntax) {
    const offset = syntax.pos[0];
    const path = formatPath(pathAt(doc.contents, offset));
    throw new PolicyFileError(
      { file: sourceName, line: locator.lineAt(offset), path },
      `YAML syntax error: ${syntax.message}`,
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === undefined || data === null) {
    throw new PolicyFileError(
      { file: sourceName, line: 1 },
      'the policy file is empty; start it with version: 1',
    );
  }
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => issueError(issue, data, locator));
    errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw errors[0]!;
  }
  const catalogs: Partial<Record<'auth0' | 'monocloud', Catalog>> = {
    auth0: options.operations ? { ...auth0Catalog, operations: options.operations } : auth0Catalog,
    ...options.catalogs,
  };
  return build(parsed.data, locator, catalogs);
}

/** `statement`, then did-you-mean and the names there are. */
function notAmong(statement: string, name: string, known: readonly string[]): string {
  const guess = closest(name, known);
  return `${statement} (${guess ? `did you mean "${guess}"? ` : ''}known: ${known.join(', ')})`;
}

/** Did-you-mean plus the known names, for an unknown name; a long list (scopes) is only counted. */
function unknownName(kind: string, name: string, known: readonly string[]): string {
  const guess = closest(name, known);
  const list = known.length > 50 ? `${known.length} known` : `known: ${known.join(', ')}`;
  return `unknown ${kind} "${name}" (${guess ? `did you mean "${guess}"? ` : ''}${list})`;
}

/** The semantic checks zod cannot do: names, rules against the catalog, extends, tenants. */
function build(
  data: PolicyData,
  locator: Locator,
  catalogs: Partial<Record<'auth0' | 'monocloud', Catalog>>,
): PolicyFile {
  // The catalog rules are checked against: each profile's provider's, switched while it is resolved.
  let provider: 'auth0' | 'monocloud' = 'auth0';
  let catalog: Catalog = catalogs.auth0!;
  let operations: readonly OperationSpec[] = [];
  let opIds: string[] = [];
  let byId = new Map<string, OperationSpec>();
  let toolsets: string[] = [];
  let scopes: string[] = [];
  function use(next: 'auth0' | 'monocloud', at: Path): 'auth0' | 'monocloud' {
    const previous = provider;
    const found = catalogs[next];
    if (!found) throw locator.error(at, `no catalog is loaded for provider "${next}"`);
    provider = next;
    catalog = found;
    operations = found.operations;
    opIds = operations.map((op) => op.id);
    byId = new Map(operations.map((op) => [op.id, op]));
    toolsets = [...new Set(operations.map((op) => op.toolset))];
    scopes = [...new Set(operations.flatMap((op) => op.scopes))];
    return previous;
  }
  use('auth0', []);
  const profileProviders = new Map<string, 'auth0' | 'monocloud'>();
  const raw = data.profiles ?? {};
  const resolved = new Map<string, Profile>();
  const resolving: string[] = [];

  /** Parses one rule and checks that it matches something. */
  function rule(text: string, path: Path, tools: boolean): Rule {
    const prefix = /^([^:]*):/.exec(text)?.[1];
    if (prefix !== undefined && prefix !== 'toolset' && prefix !== 'tool') {
      throw locator.error(
        path,
        `unknown prefix "${prefix}:" (use toolset:<glob>, tool:<glob> or an operation id glob)`,
      );
    }
    const parsed = parseRule(text);
    if (parsed.target === 'tool') {
      if (!tools) throw locator.error(path, `"${text}": tool rules do not apply here; name operations`);
      if (!TOOL_NAMES.some((name) => parsed.matches(name))) {
        throw locator.error(path, unknownName('tool', text.slice('tool:'.length), TOOL_NAMES));
      }
    } else if (prefix === 'toolset') {
      const test = picomatch(text.slice('toolset:'.length), { dot: true });
      if (!toolsets.some((name) => test(name))) {
        throw locator.error(path, unknownName('toolset', text.slice('toolset:'.length), toolsets));
      }
    } else if (!operations.some((op) => parsed.matches(op))) {
      const guess = closest(text, opIds);
      throw locator.error(
        path,
        `"${text}" matches no operation id${guess ? ` (did you mean "${guess}"?)` : ''}; use search_operations to find ids`,
      );
    }
    return parsed;
  }

  function resolve(name: string): Profile {
    const done = resolved.get(name);
    if (done) return done;
    const at: Path = ['profiles', name];
    if (resolving.includes(name)) {
      const cycle = [...resolving.slice(resolving.indexOf(name)), name].join(' → ');
      const last = resolving[resolving.length - 1]!;
      throw locator.error(['profiles', last, 'extends'], `extends cycle: ${cycle}`);
    }
    resolving.push(name);
    const spec = raw[name]!;
    const previous = use(spec.provider ?? 'auth0', [...at, 'provider']);
    let profile: Profile;
    try {
      profile = resolveData(name, spec, at);
    } finally {
      use(previous, at);
    }
    profileProviders.set(name, spec.provider ?? 'auth0');
    resolving.pop();
    resolved.set(name, profile);
    return profile;
  }

  function resolveData(name: string, spec: ProfileData, at: Path): Profile {
    if (!NAME.test(name)) {
      throw locator.error(at, `profile name "${name}" must be letters, digits, "-" and "_"`);
    }
    if (isProfileName(name)) {
      throw locator.error(at, `"${name}" is a built-in profile; choose another name (and extends: ${name})`);
    }
    let parent: Profile | undefined;
    if (spec.extends !== undefined) {
      if (Object.hasOwn(raw, spec.extends)) {
        const own = provider;
        parent = resolve(spec.extends);
        use(own, at);
        if ((raw[spec.extends]!.provider ?? 'auth0') !== own) {
          throw locator.error(
            [...at, 'extends'],
            `"${spec.extends}" is written for another provider than ${own}`,
          );
        }
      } else if (isProfileName(spec.extends)) parent = getProfile(spec.extends, catalog);
      else {
        const known = [...PROFILE_NAMES, ...Object.keys(raw).filter((n) => n !== name)];
        throw locator.error([...at, 'extends'], unknownName('profile', spec.extends, known));
      }
    } else if (spec.allow === undefined) {
      throw locator.error(
        at,
        'needs allow or extends: without extends, a profile allows only what its allow list names',
      );
    }
    const allow = (spec.allow ?? []).map((text, i) => {
      const parsed = rule(text, [...at, 'allow', i], true);
      if (parent) checkWidening(parsed, parent, spec.extends!, [...at, 'allow', i]);
      return parsed;
    });
    const deny = (spec.deny ?? []).map((text, i) => rule(text, [...at, 'deny', i], true));
    for (const [i, scope] of (spec.scopes ?? []).entries()) {
      if (!scopes.includes(scope))
        throw locator.error([...at, 'scopes', i], unknownName('scope', scope, scopes));
    }
    const def: ProfileDefinition = {
      name,
      allow,
      deny,
      ...(parent ? { extends: parent } : {}),
      ...(spec.max_risk ? { maxRisk: spec.max_risk } : {}),
      ...(spec.scopes ? { scopes: spec.scopes } : {}),
      ...(spec.elicitation ? { elicitation: spec.elicitation } : {}),
      revealSecrets: spec.reveal_secrets ?? false,
    };
    // Confirm overrides and constraints do not change what is allowed, so they are checked against this.
    const bare = createProfile(def, operations, namedTools(catalog.provider));
    const confirm: Record<string, ConfirmMode> = {};
    for (const [id, mode] of Object.entries(spec.confirm ?? {})) {
      const path = [...at, 'confirm', id];
      const op = byId.get(id);
      if (!op) {
        const guess = closest(id, opIds);
        throw locator.error(
          path,
          `unknown operation id "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; confirm takes exact ids, no globs`,
        );
      }
      const denial = bare.denies(op);
      if (denial) {
        throw locator.error(path, `confirm for an operation this profile does not allow (${denial})`);
      }
      confirm[id] = mode;
    }
    const constraints = (spec.constraints ?? []).map((c, i) =>
      constraint(c, [...at, 'constraints', i], bare),
    );
    return createProfile({ ...def, confirm, constraints }, operations, namedTools(catalog.provider));
  }

  /** An allow rule under extends that covers nothing the parent allows would silently grant nothing. */
  function checkWidening(parsed: Rule, parent: Profile, parentName: string, path: Path): void {
    if (parsed.target === 'tool') {
      if (!TOOL_NAMES.some((name) => parsed.matches(name) && parent.allowsTool(name))) {
        throw locator.error(
          path,
          `"${parsed.label}" covers no tool that profile "${parentName}" (extended here) lists; extends can only narrow`,
        );
      }
      return;
    }
    const matched = operations.filter((op) => parsed.matches(op));
    if (matched.every((op) => parent.denies(op))) {
      const example = matched.length === 1 ? ` (${parent.denies(matched[0]!)})` : '';
      throw locator.error(
        path,
        `"${parsed.label}" covers no operation that profile "${parentName}" (extended here) allows${example}; ` +
          'extends can only narrow',
      );
    }
  }

  function constraint(
    c: NonNullable<ProfileData['constraints']>[number],
    path: Path,
    profile: Profile,
  ): ArgumentConstraint {
    const ids = new Set<string>();
    for (const [j, text] of c.operations.entries()) {
      const parsed = rule(text, [...path, 'operations', j], false);
      for (const op of operations) if (parsed.target === 'operation' && parsed.matches(op)) ids.add(op.id);
    }
    const matched = [...ids].map((id) => byId.get(id)!);
    if (matched.every((op) => profile.denies(op))) {
      throw locator.error(
        [...path, 'operations'],
        'names no operation this profile allows, so the constraint would never apply',
      );
    }
    const checks = (['one_of', 'equals', 'pattern'] as const).filter((key) => c[key] !== undefined);
    if (c.body_fields) {
      const extra = [c.argument && 'argument', ...checks, c.required !== undefined && 'required'].filter(
        Boolean,
      );
      if (extra.length > 0) {
        throw locator.error(
          path,
          `body_fields stands alone; move ${extra.join(', ')} to a constraint of its own`,
        );
      }
      for (const op of matched) {
        if (op.body?.mode !== 'fields') {
          throw locator.error([...path, 'body_fields'], `${op.id} has no body fields to limit`);
        }
        for (const [k, field] of c.body_fields.entries()) {
          if (!op.body.fields.includes(field)) {
            throw locator.error(
              [...path, 'body_fields', k],
              notAmong(`${op.id} has no body field "${field}"`, field, op.body.fields),
            );
          }
        }
      }
      return { kind: 'body-fields', operations: ids, fields: c.body_fields };
    }
    if (c.argument === undefined) {
      throw locator.error(path, 'needs argument (with one_of, equals, pattern or required) or body_fields');
    }
    if (checks.length > 1) {
      throw locator.error(
        [...path, checks[1]!],
        `use one of one_of, equals and pattern per constraint, not ${checks.join(' and ')}`,
      );
    }
    if (checks.length === 0 && c.required !== true) {
      throw locator.error(path, 'checks nothing: add one_of, equals, pattern or required: true');
    }
    for (const op of matched) {
      const args = [
        ...op.params.map((p) => p.name),
        ...(op.body?.mode === 'fields' ? op.body.fields : op.body ? ['body'] : []),
      ];
      if (!args.includes(c.argument)) {
        throw locator.error(
          [...path, 'argument'],
          notAmong(`${op.id} takes no argument "${c.argument}"`, c.argument, args),
        );
      }
    }
    if (c.pattern !== undefined) {
      try {
        new RegExp(`^(?:${c.pattern})$`, 'u');
      } catch (error) {
        throw locator.error([...path, 'pattern'], `invalid regular expression: ${(error as Error).message}`);
      }
    }
    const oneOf = c.one_of ?? (c.equals !== undefined ? [c.equals] : undefined);
    return {
      kind: 'value',
      operations: ids,
      argument: c.argument,
      required: c.required ?? false,
      ...(oneOf ? { oneOf } : {}),
      ...(c.pattern !== undefined ? { pattern: c.pattern } : {}),
    };
  }

  for (const name of Object.keys(raw)) resolve(name);

  const tenants = new Map<string, TenantEntry>();
  const knownProfiles = [...PROFILE_NAMES, ...resolved.keys()];
  for (const [name, t] of Object.entries(data.tenants ?? {})) {
    const at: Path = ['tenants', name];
    if (!NAME.test(name))
      throw locator.error(at, `tenant name "${name}" must be letters, digits, "-" and "_"`);
    const tenantProvider = t.provider ?? 'auth0';
    if (tenantProvider === 'monocloud') {
      if (!t.api_key) throw locator.error(at, 'a MonoCloud tenant needs api_key: { env: VAR }');
      for (const key of ['client_id', 'client_secret', 'token', 'audience'] as const) {
        if (t[key] !== undefined)
          throw locator.error([...at, key], `${key} is for Auth0 tenants; MonoCloud uses api_key`);
      }
    } else if (t.api_key) {
      throw locator.error([...at, 'api_key'], 'api_key is for MonoCloud tenants (provider: monocloud)');
    }
    if (tenantProvider === 'auth0' && t.token && (t.client_id || t.client_secret)) {
      throw locator.error([...at, 'token'], 'give token or client_id and client_secret, not both');
    }
    if (tenantProvider === 'auth0' && !t.token && !t.client_id && !t.client_secret) {
      throw locator.error(at, 'needs credentials: token: { env: VAR }, or client_id and client_secret');
    }
    if (t.client_id && !t.client_secret)
      throw locator.error([...at, 'client_id'], 'client_secret is missing');
    if (t.client_secret && !t.client_id)
      throw locator.error([...at, 'client_secret'], 'client_id is missing');
    if (t.audience && t.token) {
      throw locator.error([...at, 'audience'], 'audience only applies to client credentials, not to token');
    }
    if (t.profile !== undefined && !knownProfiles.includes(t.profile)) {
      throw locator.error([...at, 'profile'], unknownName('profile', t.profile, knownProfiles));
    }
    const profileProvider = t.profile === undefined ? undefined : profileProviders.get(t.profile);
    if (profileProvider !== undefined && profileProvider !== tenantProvider) {
      throw locator.error(
        [...at, 'profile'],
        `profile "${t.profile}" is written for ${profileProvider}, this tenant is ${tenantProvider}`,
      );
    }
    const lines: Record<string, number | undefined> = { '': locator.line(at) };
    for (const key of Object.keys(t)) lines[key] = locator.line([...at, key]);
    tenants.set(name, {
      name,
      domain: t.domain,
      ...(t.client_id ? { clientId: t.client_id } : {}),
      ...(t.client_secret ? { clientSecret: t.client_secret as EnvRef } : {}),
      ...(t.token ? { token: t.token as EnvRef } : {}),
      ...(t.audience ? { audience: t.audience } : {}),
      ...(t.profile ? { profile: t.profile } : {}),
      ...(t.api_key ? { apiKey: t.api_key as EnvRef } : {}),
      provider: tenantProvider,
      lines,
    });
  }
  if (data.default_tenant !== undefined && !tenants.has(data.default_tenant)) {
    throw locator.error(['default_tenant'], unknownName('tenant', data.default_tenant, [...tenants.keys()]));
  }
  return {
    source: locator.file,
    profiles: resolved,
    profileProviders,
    tenants,
    ...(data.default_tenant ? { defaultTenant: data.default_tenant } : {}),
  };
}

/**
 * The tenant to connect to: `name` (from `--tenant`), else the file's `default_tenant`, else its only
 * tenant. Returns `undefined` when there is no policy file or it names no tenant, so the CLI falls back to
 * the `AUTH0_*` variables; a `name` given then is an error rather than silently ignored. Environment
 * references are read from `env`; an unset or empty one is an error naming the tenant, key and variable.
 */
export function resolveTenant(
  policy: PolicyFile | undefined,
  name: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedTenant | undefined {
  if (!policy || policy.tenants.size === 0) {
    if (name === undefined) return undefined;
    throw new PolicyFileError(
      { file: policy?.source, path: '--tenant' },
      `"${name}" needs a policy file with tenants; pass --policy FILE (or set TENANT_MCP_POLICY)`,
    );
  }
  const known = [...policy.tenants.keys()];
  const chosen = name ?? policy.defaultTenant ?? (known.length === 1 ? known[0] : undefined);
  if (chosen === undefined) {
    throw new PolicyFileError(
      { file: policy.source },
      `several tenants and no default_tenant: choose one with --tenant (known: ${known.join(', ')})`,
    );
  }
  const tenant = policy.tenants.get(chosen);
  if (!tenant) {
    throw new PolicyFileError(
      { file: policy.source, path: '--tenant' },
      unknownName('tenant', chosen, known),
    );
  }
  const read = (key: string, value: SettingValue): string => {
    if (typeof value === 'string') return value.trim();
    const found = env[value.env]?.trim();
    if (found) return found;
    throw new PolicyFileError(
      { file: policy.source, line: tenant.lines[key], path: `tenants.${tenant.name}.${key}` },
      `environment variable ${value.env} is not set (tenant "${tenant.name}", ${key})`,
    );
  };
  const domain = read('domain', tenant.domain);
  const auth: ResolvedTenantAuth = tenant.apiKey
    ? { kind: 'api_key', apiKey: read('api_key', tenant.apiKey) }
    : tenant.token
      ? { kind: 'token', token: read('token', tenant.token) }
      : {
          kind: 'client_credentials',
          clientId: read('client_id', tenant.clientId!),
          clientSecret: read('client_secret', tenant.clientSecret!),
          ...(tenant.audience ? { audience: read('audience', tenant.audience) } : {}),
        };
  return { name: tenant.name, domain, auth, profileName: tenant.profile, provider: tenant.provider };
}
