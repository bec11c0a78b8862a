/**
 * Checks that JSON Schema cannot say at the top of a flat `arguments` object (it must stay a plain object
 * for MCP clients), run as zod refinements by the generated input schemas. Messages name the fields so an
 * agent can fix the call in one retry.
 */
import type { z } from 'zod';
import type { FieldRule } from './types.js';

type Args = Record<string, unknown>;

/** The refinement a generated schema attaches to enforce `rules` on its arguments. */
export function checkRules(rules: readonly FieldRule[]): (args: Args, ctx: z.RefinementCtx) => void {
  return (args, ctx) => {
    for (const rule of rules) {
      const failure = violation(rule, args);
      if (failure) ctx.addIssue({ code: 'custom', path: [failure.field], message: failure.message });
    }
  };
}

/** The default wording of `rule`, used in tool descriptions; a rule's own `message` replaces it. */
export function describeRule(rule: FieldRule): string {
  if (rule.message) return rule.message;
  switch (rule.kind) {
    case 'exclusive':
      return `Send at most one of ${list(rule.fields, 'or')}.`;
    case 'requires':
      return `${rule.field} needs ${list(rule.with, 'and')}: send them too, or leave ${rule.field} out.`;
    case 'any-requires':
      return `When sending any of ${list(rule.fields, 'or')}, also send ${list(rule.with, 'and')}.`;
    case 'one-of-groups':
      return `Send exactly one of: ${rule.groups.map(group).join('; or ')}.`;
    case 'at-least-one':
      return `Send at least one of ${list(rule.fields, 'or')}.`;
  }
}

/** The field to blame and the message, when `args` break `rule`. */
function violation(rule: FieldRule, args: Args): { field: string; message: string } | undefined {
  const has = (name: string) => args[name] !== undefined;
  const say = (fallback: string) => rule.message ?? fallback;
  switch (rule.kind) {
    case 'exclusive': {
      const sent = rule.fields.filter(has);
      if (sent.length < 2) return undefined;
      return {
        field: sent[1]!,
        message: say(`${list(sent, 'and')} cannot be sent together; send only one of ${list(sent, 'or')}.`),
      };
    }
    case 'requires': {
      if (!has(rule.field)) return undefined;
      const missing = rule.with.filter((name) => !has(name));
      if (missing.length === 0) return undefined;
      return {
        field: rule.field,
        message: say(`${rule.field} needs ${list(missing, 'and')}: send it too, or leave ${rule.field} out.`),
      };
    }
    case 'any-requires': {
      const sent = rule.fields.filter(has);
      const missing = rule.with.filter((name) => !has(name));
      if (sent.length === 0 || missing.length === 0) return undefined;
      return {
        field: missing[0]!,
        message: say(`${list(missing, 'and')} is required when sending ${list(sent, 'and')}.`),
      };
    }
    case 'one-of-groups': {
      const complete = rule.groups.filter((g) => g.every(has));
      if (complete.length === 1) return undefined;
      const options = rule.groups.map(group).join('; or ');
      if (complete.length > 1) {
        return {
          field: complete[1]![0]!,
          message: say(`Send only one of: ${options}; got ${complete.map(group).join(' and ')}.`),
        };
      }
      // Blame the missing field of the group the caller came closest to completing.
      let best = rule.groups[0] ?? [];
      for (const g of rule.groups) if (g.filter(has).length > best.filter(has).length) best = g;
      return { field: best.find((name) => !has(name)) ?? '', message: say(`Send ${options}.`) };
    }
    case 'at-least-one': {
      if (rule.fields.some(has)) return undefined;
      return {
        field: rule.fields[0] ?? '',
        message: say(`Send at least one of ${list(rule.fields, 'or')}.`),
      };
    }
  }
}

/**
 * The refinement for JSON Schema's `minProperties`/`maxProperties` on a nested object, which zod has no
 * keyword for.
 */
export function propertyCount(
  min: number | undefined,
  max: number | undefined,
): (value: object, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    const count = Object.keys(value).length;
    if (min !== undefined && count < min) {
      ctx.addIssue({
        code: 'custom',
        message: `needs at least ${min} ${min === 1 ? 'property' : 'properties'}`,
      });
    }
    if (max !== undefined && count > max) {
      ctx.addIssue({
        code: 'custom',
        message: `allows at most ${max} ${max === 1 ? 'property' : 'properties'}`,
      });
    }
  };
}

function group(fields: readonly string[]): string {
  return fields.length === 1
    ? fields[0]!
    : `${list(fields.slice(0, -1), 'and')} together with ${fields.at(-1)}`;
}

function list(names: readonly string[], joiner: 'and' | 'or'): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${joiner} ${names.at(-1)}`;
}
