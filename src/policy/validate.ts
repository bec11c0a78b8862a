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
  const at = issue.path.length ? `arguments.${issue.path.map(String).join('.')}` : 'arguments';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const name = issue.path.length ? `${at}.${key}` : `arguments.${key}`;
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
