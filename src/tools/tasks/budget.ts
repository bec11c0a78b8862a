/**
 * Keeping an answer small: audit answers list findings or changes that grow with the tenant, and every
 * token of an answer is paid by the agent. An answer is cut to whole items until its JSON fits the budget,
 * and says where the rest starts (`next_from`).
 */
import type { TaskAnswer } from './context.js';

/**
 * The most characters of JSON an audit answer may take: about 1,300 tokens of the o200k encoding for the
 * JSON these tools write (measured at 3.8 to 4.4 characters a token), under the 1,500 promised.
 */
export const ANSWER_BUDGET_CHARS = 5000;

/** Longest tenant string an audit answer shows; longer ones are cut with an ellipsis. */
export const MAX_SHOWN_TEXT = 80;

/** Characters of an answer as the agent receives it. */
export function answerSize(answer: TaskAnswer): number {
  return JSON.stringify({ ...answer.answer, untrusted_tenant_data: answer.tenant }).length;
}

/**
 * The run of `items` from index `from` that fits: at most `max` of them, fewer if the answer `build`
 * makes would pass the budget. `build` receives the items shown and where the next run starts, if any.
 */
export function fitPage<T>(
  items: readonly T[],
  from: number,
  max: number,
  build: (shown: readonly T[], next: number | undefined) => TaskAnswer,
  budget = ANSWER_BUDGET_CHARS,
): TaskAnswer {
  let count = Math.min(max, Math.max(0, items.length - from));
  for (;;) {
    const shownItems = items.slice(from, from + count);
    const next = from + count < items.length ? from + count : undefined;
    const answer = build(shownItems, next);
    if (count <= 1 || answerSize(answer) <= budget) return answer;
    count = Math.max(1, Math.floor(count * 0.75));
  }
}

/** A tenant string cut to {@link MAX_SHOWN_TEXT} characters. */
export function shown(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_SHOWN_TEXT)
    return `${value.slice(0, MAX_SHOWN_TEXT - 1)}…`;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    const text = JSON.stringify(value);
    return text.length > MAX_SHOWN_TEXT ? `${text.slice(0, MAX_SHOWN_TEXT - 1)}…` : value;
  }
  return value;
}
