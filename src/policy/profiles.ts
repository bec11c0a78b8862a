/**
 * Profiles: which operations and tools an agent may see and run, which need a person's confirmation, and
 * which arguments are off limits. Three are built in (`read-only`, the audit agent and the default;
 * `helpdesk`, chat-ops user support; `admin`); a policy file adds more, each built by {@link createProfile}
 * from the same rules, so built-in and file profiles behave alike.
 *
 * A profile that extends another can only take away: it sees what its parent allows, filtered by its own
 * allow list, deny list, `max_risk` and scope allowlist, and it adds its own argument constraints to the
 * parent's. Only confirmation overrides replace the parent's, per operation, because they are explicit.
 */
import picomatch from 'picomatch';
import { auth0Catalog } from '../tools/auth0/index.js';
import type { Catalog, OperationSpec, Risk } from '../tools/types.js';
import { PolicyFileError } from './policy-error.js';
import type { PolicyFile } from './policy-file.js';
import type { ConfirmMode, ElicitationSetting, Profile } from './types.js';

/** Tools every profile lists: they only describe the catalog, and describe only what the profile allows. */
export const DISCOVERY_TOOLS = ['search_operations', 'describe_operation'] as const;

/** The generic tool for read operations; listed when the profile allows at least one read. */
export const INVOKE_READ_TOOL = 'invoke_read_operation';

/** The generic tool for writes; listed only when the profile allows at least one write. */
export const INVOKE_WRITE_TOOL = 'invoke_write_operation';

/**
 * Task tools (one intent, several calls) and whether they change the tenant. A writing task tool is listed
 * only when the profile also allows some write, since every call it makes is checked again by the gate.
 * A task tool added to the server must be added here, or `tool:` rules in policy files cannot name it.
 */
export const TASK_TOOLS: Readonly<Record<string, { readonly writes: boolean }>> = {
  find_users: { writes: false },
  get_user_overview: { writes: false },
  diagnose_login: { writes: false },
  list_security_events: { writes: false },
  review_security_settings: { writes: false },
  snapshot_tenant: { writes: false },
  diff_tenant: { writes: false },
  block_user: { writes: true },
  unblock_user: { writes: true },
  revoke_user_sessions: { writes: true },
  create_password_change_ticket: { writes: true },
};

/** Every tool name a `tool:` rule may match (per-operation tools follow their operation's rules instead). */
export const TOOL_NAMES: readonly string[] = [
  ...DISCOVERY_TOOLS,
  INVOKE_READ_TOOL,
  INVOKE_WRITE_TOOL,
  ...Object.keys(TASK_TOOLS),
];

/** Risk classes from the least to the most harmful, the order `max_risk` compares in. */
export const RISKS: readonly Risk[] = ['read', 'write', 'destructive'];

/** One allow or deny rule, matching operations or tool names; `label` is how a denial quotes it. */
export type Rule =
  | {
      /** Rules over operations (plain globs over ids, `toolset:` globs). */
      readonly target: 'operation';
      /** The rule as written, e.g. `toolset:keys`. */
      readonly label: string;
      /** Whether the rule covers `op`. */
      matches(op: OperationSpec): boolean;
    }
  | {
      /** Rules over tool names (`tool:` globs). */
      readonly target: 'tool';
      /** The rule as written, e.g. `tool:block_user`. */
      readonly label: string;
      /** Whether the rule covers the tool `name`. */
      matches(name: string): boolean;
    };

/**
 * Parses a rule: `toolset:<glob>` over toolsets, `tool:<glob>` over tool names, anything else a glob over
 * operation ids. Globs are picomatch's (`*`, `?`, `[...]`, `{a,b}`), matched against the whole name.
 */
export function parseRule(text: string): Rule {
  const prefixed = /^(toolset|tool):(.*)$/.exec(text);
  const kind = prefixed?.[1];
  const glob = prefixed ? prefixed[2]! : text;
  const test = picomatch(glob, { dot: true });
  if (kind === 'tool') return { target: 'tool', label: text, matches: (name) => test(name) };
  if (kind === 'toolset') return { target: 'operation', label: text, matches: (op) => test(op.toolset) };
  return { target: 'operation', label: text, matches: (op) => test(op.id) };
}

/** An argument constraint, applied by {@link Profile.checkArguments} to the operations it names. */
export type ArgumentConstraint =
  | {
      /** A rule on the value of one argument. */
      readonly kind: 'value';
      /** Ids of the operations it applies to. */
      readonly operations: ReadonlySet<string>;
      /** The argument (parameter or body field) it checks. */
      readonly argument: string;
      /** Allowed values (compared with `===`; `equals: x` in a policy file is `[x]`), when set. */
      readonly oneOf?: readonly unknown[];
      /** Regular expression the value must match whole (a string value only), when set. */
      readonly pattern?: string;
      /** Whether the argument must be present. */
      readonly required: boolean;
    }
  | {
      /** The body may carry only these fields; parameters are not affected. */
      readonly kind: 'body-fields';
      /** Ids of the operations it applies to. */
      readonly operations: ReadonlySet<string>;
      /** The body fields that may be sent. */
      readonly fields: readonly string[];
    };

/** What {@link createProfile} builds a profile from. */
export interface ProfileDefinition {
  /** The profile's name. */
  name: string;
  /** The profile it narrows; without one, only what `allow` names is allowed. */
  extends?: Profile;
  /**
   * Allow rules. Operation rules and tool rules filter separately: with a parent, a kind with no rule
   * keeps everything of that kind the parent allows; without a parent, it allows nothing of that kind.
   */
  allow?: readonly Rule[];
  /** Deny rules; a deny always wins over an allow, here or in a parent. */
  deny?: readonly Rule[];
  /** The most harmful risk class allowed. */
  maxRisk?: Risk;
  /** Scope allowlist: an operation needing none of these scopes is denied (operations without scopes pass). */
  scopes?: readonly string[];
  /** Confirmation overrides by operation id; they replace the parent's for the same id. */
  confirm?: Readonly<Record<string, ConfirmMode>>;
  /** Argument constraints, checked after the parent's. */
  constraints?: readonly ArgumentConstraint[];
  /** Whether results show secrets unmasked; never inherited, so it is visible where it is set. */
  revealSecrets?: boolean;
  /** How a denial words an operation that no allow rule covers; the default quotes the allow list. */
  allowMiss?: string;
  /** Where a person may confirm in the client; inherited from the parent, `stdio` at the root. */
  elicitation?: ElicitationSetting;
}

/** A profile built from rules; it keeps what a narrowing child needs to ask of it. */
class RuleProfile implements Profile {
  readonly name: string;
  readonly revealSecrets: boolean;
  readonly scopes: ReadonlySet<string> | undefined;
  readonly elicitation: ElicitationSetting;
  readonly #parent: RuleProfile | undefined;
  readonly #def: ProfileDefinition;
  readonly #operations: readonly OperationSpec[];
  readonly #byToolName: ReadonlyMap<string, OperationSpec>;
  readonly #ownScopes: ReadonlySet<string> | undefined;
  readonly #decisions = new WeakMap<OperationSpec, { reason: string | undefined }>();
  #reach: { read: boolean; write: boolean } | undefined;

  constructor(def: ProfileDefinition, operations: readonly OperationSpec[]) {
    if (def.extends && !(def.extends instanceof RuleProfile)) {
      throw new TypeError(`profile "${def.name}" can only extend a profile made by createProfile`);
    }
    this.name = def.name;
    this.revealSecrets = def.revealSecrets ?? false;
    this.#parent = def.extends;
    this.elicitation = def.elicitation ?? def.extends?.elicitation ?? 'stdio';
    this.#def = def;
    this.#operations = operations;
    this.#byToolName = new Map(operations.map((op) => [op.toolName, op]));
    this.#ownScopes = def.scopes ? new Set(def.scopes) : undefined;
    const inherited = this.#parent?.scopes;
    this.scopes =
      inherited && this.#ownScopes
        ? new Set([...this.#ownScopes].filter((scope) => inherited.has(scope)))
        : (this.#ownScopes ?? inherited);
  }

  denies(op: OperationSpec): string | undefined {
    let decision = this.#decisions.get(op);
    if (!decision) {
      decision = { reason: this.#decide(op) };
      this.#decisions.set(op, decision);
    }
    return decision.reason;
  }

  #decide(op: OperationSpec): string | undefined {
    const by = `denied by profile "${this.name}"`;
    const deny = this.#def.deny?.find((rule) => rule.target === 'operation' && rule.matches(op));
    if (deny) return `${by}: deny rule "${deny.label}"`;
    const inherited = this.#parent?.denies(op);
    if (inherited) return inherited;
    const allow = (this.#def.allow ?? []).filter((rule) => rule.target === 'operation');
    if ((allow.length > 0 || !this.#parent) && !allow.some((rule) => rule.matches(op))) {
      const list = allow.map((rule) => rule.label).join(', ');
      return `${by}: ${this.#def.allowMiss ?? (list ? `not matched by its allow list (${list})` : 'it allows no operation')}`;
    }
    const max = this.#def.maxRisk;
    if (max && RISKS.indexOf(op.risk) > RISKS.indexOf(max)) {
      return `${by}: its max_risk is ${max} and this operation is ${op.risk}`;
    }
    const scopes = this.#ownScopes;
    if (scopes && op.scopes.length > 0 && !op.scopes.some((scope) => scopes.has(scope))) {
      return `${by}: not in the scope allowlist (needs one of: ${op.scopes.join(', ')})`;
    }
    return undefined;
  }

  /** Which kinds of operation the profile allows at all; decides the two generic invoke tools. */
  #reachable(): { read: boolean; write: boolean } {
    if (!this.#reach) {
      const allowed = this.#operations.filter((op) => !this.denies(op));
      this.#reach = {
        read: allowed.some((op) => op.risk === 'read'),
        write: allowed.some((op) => op.risk !== 'read'),
      };
    }
    return this.#reach;
  }

  /** Whether a deny rule here or in a parent names the tool. */
  toolDenied(name: string): boolean {
    const own = this.#def.deny?.some((rule) => rule.target === 'tool' && rule.matches(name)) ?? false;
    return own || (this.#parent?.toolDenied(name) ?? false);
  }

  /** Whether the allow rules here and in every parent let a task tool through (deny rules aside). */
  taskToolAllowed(name: string): boolean {
    const allow = (this.#def.allow ?? []).filter((rule) => rule.target === 'tool');
    if (this.#parent && !this.#parent.taskToolAllowed(name)) return false;
    if (allow.length === 0) return this.#parent !== undefined;
    return allow.some((rule) => rule.matches(name));
  }

  allowsTool(name: string): boolean {
    if ((DISCOVERY_TOOLS as readonly string[]).includes(name)) return true;
    const op = this.#byToolName.get(name);
    if (op) return !this.denies(op);
    if (this.toolDenied(name)) return false;
    const reach = this.#reachable();
    if (name === INVOKE_READ_TOOL) return reach.read;
    if (name === INVOKE_WRITE_TOOL) return reach.write;
    // A tool we do not know is treated as a writing task tool: it needs an allow rule and a write.
    const writes = Object.hasOwn(TASK_TOOLS, name) ? TASK_TOOLS[name]!.writes : true;
    return this.taskToolAllowed(name) && (!writes || reach.write);
  }

  confirmFor(op: OperationSpec): ConfirmMode | undefined {
    const own = this.#def.confirm;
    if (own && Object.hasOwn(own, op.id)) return own[op.id];
    return this.#parent?.confirmFor(op);
  }

  checkArguments(op: OperationSpec, args: Readonly<Record<string, unknown>>): string | undefined {
    const inherited = this.#parent?.checkArguments(op, args);
    if (inherited) return inherited;
    for (const constraint of this.#def.constraints ?? []) {
      if (!constraint.operations.has(op.id)) continue;
      const problem = violation(constraint, op, args, this.name);
      if (problem) return problem;
    }
    return undefined;
  }
}

/** The message for a broken constraint, or undefined. Values are never echoed: they may be secrets. */
function violation(
  constraint: ArgumentConstraint,
  op: OperationSpec,
  args: Readonly<Record<string, unknown>>,
  profile: string,
): string | undefined {
  const under = `under profile "${profile}"`;
  if (constraint.kind === 'body-fields') {
    const body = new Set(op.body?.mode === 'fields' ? op.body.fields : []);
    const extra = Object.keys(args).filter((key) => body.has(key) && args[key] !== undefined);
    const refused = extra.filter((key) => !constraint.fields.includes(key));
    if (refused.length === 0) return undefined;
    return (
      `${op.id}: body field${refused.length > 1 ? 's' : ''} ${refused.map((f) => `"${f}"`).join(', ')} ` +
      `may not be sent ${under}; the body may only carry ${constraint.fields.map((f) => `"${f}"`).join(', ')}.`
    );
  }
  const name = `${op.id}: argument "${constraint.argument}"`;
  const allowed = constraint.oneOf
    ? constraint.oneOf.length === 1
      ? JSON.stringify(constraint.oneOf[0])
      : `one of ${constraint.oneOf.map((value) => JSON.stringify(value)).join(', ')}`
    : constraint.pattern !== undefined
      ? `a string matching /^(?:${constraint.pattern})$/`
      : undefined;
  const value = Object.hasOwn(args, constraint.argument) ? args[constraint.argument] : undefined;
  if (value === undefined) {
    if (!constraint.required) return undefined;
    return `${name} is required ${under}${allowed ? ` and must be ${allowed}` : ''}.`;
  }
  if (constraint.oneOf && !constraint.oneOf.some((option) => option === value)) {
    return `${name} must be ${allowed} ${under}.`;
  }
  if (constraint.pattern !== undefined) {
    const re = new RegExp(`^(?:${constraint.pattern})$`, 'u');
    if (typeof value !== 'string' || !re.test(value)) return `${name} must be ${allowed} ${under}.`;
  }
  return undefined;
}

/**
 * Builds a profile from its rules over `operations` (the Auth0 catalog by default). The policy file checks
 * a definition before it gets here; this function trusts it.
 */
export function createProfile(
  def: ProfileDefinition,
  operations: readonly OperationSpec[] = auth0Catalog.operations,
): Profile {
  return new RuleProfile(def, operations);
}

/** Names of the built-in profiles (`read-only` first: it is the default). */
export const PROFILE_NAMES = ['read-only', 'admin', 'helpdesk'] as const;

/** A built-in profile name. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** A built-in profile: a {@link Profile} whose name is one of {@link PROFILE_NAMES}. */
export interface BuiltinProfile extends Profile {
  /** The built-in name. */
  readonly name: ProfileName;
}

/** Reading task tools: what the audit agent may use besides the discovery tools. */
const READING_TASK_TOOLS = Object.keys(TASK_TOOLS).filter((name) => !TASK_TOOLS[name]!.writes);

/**
 * The writes the helpdesk profile may run, each chosen because a support agent needs it to get a person
 * back in, or to contain an account that looks taken over, and none grants a role or permission. The one
 * that hands out access (a password-reset link) is destructive, so a person confirms each, as for every
 * destructive write here. Left to admin: MFA enrolment removal and recovery codes (the classic social-
 * engineering route to a takeover), user deletion, roles and permissions, account linking.
 */
export const HELPDESK_WRITES: Readonly<Record<string, string>> = {
  patch_users_by_id:
    'block or unblock an account; limited to the `blocked` body field by a constraint, because the other ' +
    'fields (email, password, connection, app_metadata) can hand the account or a role to someone else',
  'delete_user-blocks_by_id': 'lift a brute-force lock of a user; they still have to sign in themselves',
  'delete_user-blocks': 'the same lock, when support has an email, username or phone rather than a user id',
  delete_sessions_for_user:
    'sign a user out everywhere: containment for a stolen session, reversible by signing in',
  user_revoke_access: 'sessions and refresh tokens at once: containment when a device or token is lost',
  'post_invalidate-remember-browser':
    'make every browser ask for MFA again after a lost device; costs the user one more prompt',
  'post_password-change':
    'a reset link for a locked-out user (destructive, so a person confirms each one); the body may not carry ' +
    '`mark_email_as_verified`, `result_url` or `includeEmailInRedirect`, which would verify an address ' +
    'nobody proved or send the user, and their email, to a page of the caller’s choice',
  'post_verification-email':
    'resend the verification email to the address on file; chosen instead of post_email-verification, ' +
    'whose ticket link would reach the agent and verify an address without its owner clicking',
};

/**
 * The same job on MonoCloud, by its operation ids: disable and enable (MonoCloud's block), lift an
 * IP or lockout block, end sessions, send a reset link or force a reset at next sign-in, resend
 * verification. None changes a password, an email or a group.
 */
export const MONOCLOUD_HELPDESK_WRITES: Readonly<Record<string, string>> = {
  disable_user: 'block an account that looks taken over (destructive: a person confirms each)',
  enable_user:
    'let a disabled account sign in again (destructive, as re-opening access: a person confirms each)',
  unblock_user: 'lift the lockout after too many failed sign-ins',
  unblock_ip: 'lift a block of one IP address for a user',
  revoke_user_session: 'sign a user out of one session: containment for a stolen session',
  reset_password: 'send a password-reset link to the user (destructive: a person confirms each)',
  set_password_reset_required: 'make the user choose a new password at next sign-in',
};

/** The helpdesk write list and its constraints per provider. */
const HELPDESK: Record<
  string,
  { writes: Readonly<Record<string, string>>; constraints: ArgumentConstraint[] }
> = {
  auth0: {
    writes: HELPDESK_WRITES,
    constraints: [
      { kind: 'body-fields', operations: new Set(['patch_users_by_id']), fields: ['blocked'] },
      {
        kind: 'body-fields',
        operations: new Set(['post_password-change']),
        fields: ['user_id', 'email', 'connection_id', 'client_id', 'organization_id', 'ttl_sec', 'identity'],
      },
    ],
  },
  monocloud: { writes: MONOCLOUD_HELPDESK_WRITES, constraints: [] },
};

function builtinDefinition(name: ProfileName, provider: string): ProfileDefinition {
  if (name === 'read-only') {
    return {
      name: 'read-only',
      allow: [parseRule('*'), ...READING_TASK_TOOLS.map((tool) => parseRule(`tool:${tool}`))],
      maxRisk: 'read',
    };
  }
  if (name === 'admin') return { name: 'admin', allow: [parseRule('*'), parseRule('tool:*')] };
  const helpdesk = HELPDESK[provider];
  if (!helpdesk) throw new Error(`no helpdesk profile is defined for provider "${provider}"`);
  return {
    name: 'helpdesk',
    allow: [
      {
        target: 'operation',
        label: 'reads and user-support writes',
        matches: (op) => op.risk === 'read' || Object.hasOwn(helpdesk.writes, op.id),
      },
      ...Object.keys(TASK_TOOLS).map((tool) => parseRule(`tool:${tool}`)),
    ],
    allowMiss: `it runs reads and only these writes: ${Object.keys(helpdesk.writes).join(', ')}`,
    constraints: helpdesk.constraints,
  };
}

/** Built-in profiles per provider, built on first use (they walk the whole catalog). */
const BUILTINS = new Map<string, BuiltinProfile>();

/** Whether `name` is a built-in profile. */
export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** The built-in profile of that name over `catalog` (Auth0's by default). */
export function getProfile(name: ProfileName, catalog: Catalog = auth0Catalog): BuiltinProfile {
  const key = `${catalog.provider}:${name}`;
  let profile = BUILTINS.get(key);
  if (!profile) {
    profile = createProfile(builtinDefinition(name, catalog.provider), catalog.operations) as BuiltinProfile;
    BUILTINS.set(key, profile);
  }
  return profile;
}

/** Whether the profile lets `op` run (and so be listed). */
export function allows(profile: Profile, op: OperationSpec): boolean {
  return profile.denies(op) === undefined;
}

/**
 * The profile called `name`: one the policy file defines, or a built-in. Throws a {@link PolicyFileError}
 * listing the known names when there is none.
 */
export function resolveProfile(name: string, policy?: PolicyFile, catalog: Catalog = auth0Catalog): Profile {
  const fromFile = policy?.profiles.get(name);
  if (
    fromFile &&
    policy?.profileProviders?.get(name) !== undefined &&
    policy.profileProviders.get(name) !== catalog.provider
  ) {
    throw new PolicyFileError(
      { file: policy.source },
      `profile "${name}" is written for ${policy.profileProviders.get(name)}, not for ${catalog.provider}`,
    );
  }
  const found = fromFile ?? (isProfileName(name) ? getProfile(name, catalog) : undefined);
  if (found) return found;
  const known = [...PROFILE_NAMES, ...(policy?.profiles.keys() ?? [])];
  throw new PolicyFileError(
    { file: policy?.source },
    `unknown profile "${name}" (known: ${known.join(', ')})`,
  );
}
