/**
 * The gate's decision, as a pure function of facts: the profile, the operation, the route it came
 * through, its validated arguments and the token's scopes. It answers what is allowed, whether a person
 * must confirm, and the rules that led there, as Cedar's `is_authorized` returns a decision with the
 * policies behind it. Nothing here reads, writes or asks; the gate gathers the facts and acts on the
 * answer, so tests can ask the decision directly.
 *
 * Whether a person must confirm depends on the profile, the operation and its arguments only, never on
 * the route: the same change asks the same way through every tool.
 */
import type { OperationSpec, Risk } from '../tools/types.js';
import type { CallErrorCode } from './errors.js';
import type { Profile } from './types.js';

/** Which tool a call came through; a read route must never carry a write. */
export type CallRoute = 'read' | 'write' | 'operation-tool' | 'task-tool';

/** Whether a person must confirm: `required`, `none`, or `waived` (destructive, but the profile says `confirm: never`). */
export type PersonNeed = 'required' | 'none' | 'waived';

/** What {@link decide} answers. */
export type Decision =
  | {
      /** The call may not run. */
      readonly allowed: false;
      /** Why, as a stable code. */
      readonly code: CallErrorCode;
      /** Why, for the agent, ending with what happened (nothing was sent). */
      readonly message: string;
      /** The rules that refused it. */
      readonly rules: readonly string[];
    }
  | {
      /** The call may run once its person need is met. */
      readonly allowed: true;
      /** The risk it runs at. */
      readonly risk: Risk;
      /** Whether a person must confirm first. */
      readonly person: PersonNeed;
      /** The rules that allowed it and decided the person need. */
      readonly rules: readonly string[];
    };

/** The facts a decision is made from. */
export interface DecisionInput {
  /** The active profile. */
  profile: Profile;
  /** The operation asked for (already found in the catalog). */
  op: OperationSpec;
  /** The route the call came through. */
  route: CallRoute;
  /** Its validated arguments; omit to decide only what needs none (profile and route). */
  args?: Readonly<Record<string, unknown>>;
  /** The scopes the tenant token carries, when known. */
  grantedScopes?: ReadonlySet<string> | undefined;
}

/** The risk a call runs at: a write becomes destructive when it carries a destructive field. */
export function effectiveRisk(op: OperationSpec, args: Readonly<Record<string, unknown>>): Risk {
  return destructiveField(op, args) ? 'destructive' : op.risk;
}

function destructiveField(op: OperationSpec, args: Readonly<Record<string, unknown>>): string | undefined {
  if (op.risk !== 'write') return undefined;
  return op.destructiveFields?.find((field) => Object.hasOwn(args, field) && args[field] !== undefined);
}

/**
 * Whether a person must confirm `op` with `args` under `profile`, and why. The one place this is decided:
 * the gate asks it for single calls and for every step of a task alike.
 */
export function personNeed(
  profile: Profile,
  op: OperationSpec,
  args: Readonly<Record<string, unknown>>,
): { person: PersonNeed; risk: Risk; rules: string[] } {
  const field = destructiveField(op, args);
  const risk: Risk = field ? 'destructive' : op.risk;
  const rules = [field ? `risk:destructive (field ${field})` : `risk:${risk}`];
  const mode = profile.confirmFor(op);
  if (mode === 'always') return { person: 'required', risk, rules: [...rules, `confirm:always (${op.id})`] };
  if (risk !== 'destructive') return { person: 'none', risk, rules };
  if (mode === 'never') return { person: 'waived', risk, rules: [...rules, `confirm:never (${op.id})`] };
  return { person: 'required', risk, rules: [...rules, 'default:destructive needs a person'] };
}

/** Decides a call; see the module comment. */
export function decide(input: DecisionInput): Decision {
  const { profile, op, route } = input;
  const rules = [`profile:${profile.name}`];
  const refuse = (code: CallErrorCode, message: string, rule: string): Decision => ({
    allowed: false,
    code,
    message,
    rules: [...rules, rule],
  });
  const denied = profile.denies(op);
  if (denied) {
    return refuse(
      'not_allowed',
      `Operation ${op.id} (${op.risk}) is not allowed by the "${profile.name}" profile (${denied}); nothing was sent. ` +
        'Only a person who starts the server with another profile can change that.',
      `denied:${denied}`,
    );
  }
  if (route === 'read' && op.risk !== 'read') {
    return refuse(
      'wrong_route',
      `${op.id} is a ${op.risk} operation; invoke_read_operation only runs reads. Nothing was sent.`,
      'route:read carries reads only',
    );
  }
  if (route === 'write' && op.risk === 'read') {
    return refuse(
      'wrong_route',
      `${op.id} only reads; call it with invoke_read_operation. Nothing was sent.`,
      'route:write carries writes only',
    );
  }
  const args = input.args ?? {};
  const constraint = profile.checkArguments(op, args);
  if (constraint) return refuse('constraint', `${constraint}; nothing was sent.`, 'constraint');
  const granted = input.grantedScopes;
  if (granted && op.scopes.length > 0 && !op.scopes.some((scope) => granted.has(scope))) {
    return refuse(
      'scope_missing',
      `The tenant token lacks the scope ${op.id} needs (any of: ${op.scopes.join(', ')}); nothing was sent. ` +
        "A person must grant it to the server's application.",
      `scope:${op.scopes.join('|')}`,
    );
  }
  const need = personNeed(profile, op, args);
  return { allowed: true, risk: need.risk, person: need.person, rules: [...rules, ...need.rules] };
}

/**
 * Whether a person may confirm inside the caller's own client (MCP elicitation). Over stdio the host that
 * started the server shows the form to its user; over HTTP the client may be the agent itself (a chat-ops
 * bot is its own MCP client), so only a principal the operator trusts, or a profile that says `allowed`,
 * may; `never` sends every confirmation out of band.
 */
export function mayConfirmInClient(
  profile: Pick<Profile, 'elicitation'>,
  caller: { transport: 'stdio' | 'http'; elicitation?: boolean | undefined },
): boolean {
  if (profile.elicitation === 'never') return false;
  if (caller.transport === 'stdio') return true;
  return profile.elicitation === 'allowed' || caller.elicitation === true;
}
