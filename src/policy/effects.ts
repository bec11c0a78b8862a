/**
 * An effect is what a call does to the tenant: one operation with its validated arguments. Confirmation,
 * approvals and declines belong to effects, not to the tool that asked, so the same change reached through
 * `invoke_write_operation`, a per-operation tool or a task tool is the same thing to a person.
 */
import { createHash } from 'node:crypto';
import type { OperationSpec, Risk } from '../tools/types.js';

/** One change a call would make. */
export interface Effect {
  /** The operation. */
  readonly op: OperationSpec;
  /** Its arguments as validated (what would be sent). */
  readonly args: Readonly<Record<string, unknown>>;
  /** The risk it runs at (a write carrying a destructive field is destructive). */
  readonly risk: Risk;
}

/** An effect as an approval binds it: the operation id and the arguments. */
export interface BoundEffect {
  /** Operation id. */
  operation: string;
  /** The validated arguments. */
  arguments: unknown;
}

/** JSON with object keys sorted at every depth, so equal arguments hash equally whatever their order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The hash of one effect on one tenant: what declines are remembered by. */
export function effectHash(tenant: string, effect: BoundEffect): string {
  return sha256(`${tenant}\n${effect.operation}\n${canonicalJson(effect.arguments)}`);
}

/**
 * The hash an approval is bound to: the effect's own hash for one effect, and for several (a task) a hash
 * of their sorted hashes, so the order a task lists its steps in does not matter but every step does.
 */
export function bindingOf(tenant: string, effects: readonly BoundEffect[]): string {
  if (effects.length === 1) return effectHash(tenant, effects[0]!);
  const hashes = effects.map((effect) => effectHash(tenant, effect)).sort();
  return sha256(`effects\n${hashes.join('\n')}`);
}

/** The bound form of an effect. */
export function bound(effect: Effect): BoundEffect {
  return { operation: effect.op.id, arguments: effect.args };
}
