/**
 * Turns zod issues into one message that names every bad field and says what it expects, so an agent can
 * fix all of them in one retry.
 */
import type { z } from 'zod';

/** Formats zod issues for `arguments` of `operation`; unknown keys get a "did you mean" from `known`. */
export function describeIssues(
  operation: string,
  issues: readonly z.core.$ZodIssue[],
  known: string[],
): string {
  const lines = issues.slice(0, 20).map((issue) => `- ${issueLine(issue, known)}`);
  if (issues.length > 20) lines.push(`- ...and ${issues.length - 20} more`);
  return `Invalid arguments for ${operation}; nothing was sent.\n${lines.join('\n')}`;
}

function issueLine(issue: z.core.$ZodIssue, known: string[]): string {
  const at = issue.path.length
    ? `arguments.${issue.path.map((part) => quoteKey(String(part))).join('.')}`
    : 'arguments';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const name = issue.path.length ? `${at}.${quoteKey(key)}` : `arguments.${quoteKey(key)}`;
        const guess = issue.path.length ? undefined : closest(key, known);
        return `${name}: not a field of this operation${guess ? ` (did you mean "${guess}"?)` : ''}`;
      })
      .join('\n- ');
  }
  return `${at}: ${issue.message}`;
}

/** The known name nearest to `word` by edit distance, when it is plausibly a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of known) {
    // The distance is at least the difference in length: a huge word costs nothing to rule out.
    if (Math.abs(word.length - candidate.length) >= bestDistance) continue;
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Key names refused anywhere in an agent's arguments: assigned as plain properties they rewrite an
 * object's prototype (`__proto__`) or reach its constructor, and parsers disagree on whether to keep or
 * drop them, so the only safe answer is a refusal the agent can read. Tenant data may carry them: there
 * they are copied as plain data.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deepest nesting accepted in arguments. Management API bodies are a few levels deep; `user_metadata`
 * takes any shape, but nothing an agent means to send is deeper than this, and every later walk (zod, the
 * audit trail, JSON) is then bounded.
 */
export const MAX_ARGUMENT_DEPTH = 64;

/** Longest piece of a key or path quoted back in a message: the agent chose it, and it may be huge. */
const MAX_QUOTED = 80;

/** A key quoted for a message, cut to {@link MAX_QUOTED} characters. */
export function quoteKey(key: string): string {
  return key.length > MAX_QUOTED ? `${key.slice(0, MAX_QUOTED)}…` : key;
}

/** `parent.key`, or `key` at the root when the root has no name. */
function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/** What is wrong with a value, and where (`arguments.user_metadata.__proto__`). */
export interface ArgumentProblem {
  /** Dotted path from `arguments`, keys cut to a readable length. */
  path: string;
  /** What is wrong there, for the agent. */
  reason: string;
}

/** Whether `text` holds a UTF-16 half without its partner (it cannot be encoded as UTF-8). */
export function hasLoneSurrogate(text: string): boolean {
  return !(text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The first problem no schema can be trusted to catch in `value`, an agent's arguments: a refused key
 * name ({@link FORBIDDEN_KEYS}), a lone surrogate in a key or a string (URL encoding would silently send
 * U+FFFD instead), or nesting deeper than {@link MAX_ARGUMENT_DEPTH}. Iterative, so no input can exhaust
 * the stack; `undefined` when there is none.
 */
export function findArgumentProblem(value: unknown, root = 'arguments'): ArgumentProblem | undefined {
  const stack: Array<{ node: unknown; path: string; depth: number }> = [
    { node: value, path: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      if (hasLoneSurrogate(node)) {
        return {
          path,
          reason:
            'holds a lone surrogate (half of a UTF-16 pair), which cannot be sent as UTF-8; send well-formed text',
        };
      }
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_ARGUMENT_DEPTH) {
      return { path, reason: `is nested deeper than ${MAX_ARGUMENT_DEPTH} levels; send a flatter value` };
    }
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--)
        stack.push({ node: node[i], path: join(path, String(i)), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) {
        return {
          path: join(path, key),
          reason: `the key "${key}" is refused (__proto__, constructor and prototype can rewrite objects); rename or remove it`,
        };
      }
      if (hasLoneSurrogate(key)) {
        return {
          path: join(path, quoteKey(key)),
          reason: 'the key holds a lone surrogate; send well-formed text',
        };
      }
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({
        node: (node as Record<string, unknown>)[key],
        path: join(path, quoteKey(key)),
        depth: depth + 1,
      });
    }
  }
  return undefined;
}

/**
 * The refusal text for {@link findArgumentProblem} on the arguments of `subject` (an operation id or a
 * tool name), in the same shape as {@link describeIssues}; `undefined` when the arguments are clean.
 */
export function describeArgumentProblem(
  subject: string,
  value: unknown,
  root = 'arguments',
): string | undefined {
  const problem = findArgumentProblem(value, root);
  if (!problem) return undefined;
  return `Invalid arguments for ${subject}; nothing was sent.\n- ${problem.path}: ${problem.reason}.`;
}
