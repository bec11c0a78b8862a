/**
 * Asking the tenant's rate budget before an attempt: wait for the slot it holds, or refuse the call with
 * the tenant's limit and a `Retry-After`, so a request the tenant would refuse is never sent.
 */
import { isMutating, TenantError } from './errors.js';
import type { CallContext } from './responses.js';
import { type RetryPolicy, raceAbort } from './retry.js';
import type { BudgetObservation, BudgetVerdict, RateBudget, TenantErrorDetails } from './types.js';

/** The code a budget's store failure carries (see {@link RateBudget}). */
const UNAVAILABLE = 'budget_unavailable';

function providerOf(context: CallContext): string {
  return context.provider ?? 'Auth0';
}

function refusalDetails(context: CallContext, code: TenantErrorDetails['code']): TenantErrorDetails {
  const details: TenantErrorDetails = { code, attempts: context.attempts };
  if (context.label) details.label = context.label;
  if (isMutating(context.method)) details.mayHaveReachedTenant = context.earlierMayHaveReached;
  return details;
}

/** Readable requests-per-second: `10/s`, `0.5/s`. */
function perSecondText(perSecond: number): string {
  return `${Number(perSecond.toPrecision(3))}/s`;
}

/**
 * Most times a call asks again while the budget is still learning the tenant's limit; each wait is short
 * (the budget says how short), so this bounds the whole wait to a few seconds.
 */
export const MAX_BUDGET_ASKS = 50;

/** The budget's answer, or a `budget_unavailable` refusal when its store cannot be read. */
async function ask(budget: RateBudget, context: CallContext): Promise<BudgetVerdict> {
  try {
    return await budget.take();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== UNAVAILABLE) throw error;
    throw new TenantError(
      `${(error as Error).message} The call ${context.method} ${context.path} was not sent to ${providerOf(context)}; try again once the operator has restored it.`,
      refusalDetails(context, 'budget_unavailable'),
      { cause: error },
    );
  }
}

/**
 * Waits until the budget lets one attempt go.
 * @throws TenantError `rate_limited` (not sent: the wait would exceed the budget's bound),
 *   `budget_unavailable` (the budget's store is unreachable) or `aborted`.
 */
export async function admit(
  budget: RateBudget,
  context: CallContext,
  policy: Pick<RetryPolicy, 'now' | 'sleep'>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const pause = (ms: number) =>
    raceAbort(policy.sleep(ms, signal), signal, `The call ${context.method} ${context.path}`);
  for (let asks = 1; ; asks++) {
    const verdict = await ask(budget, context);
    if (verdict.kind === 'go') {
      if (verdict.waitMs > 0) await pause(verdict.waitMs);
      return;
    }
    if (verdict.kind === 'ask_again' && asks < MAX_BUDGET_ASKS) {
      await pause(Math.max(1, verdict.waitMs));
      continue;
    }
    const refusal =
      verdict.kind === 'refused' ? verdict : { retryAfterMs: 1000, limit: undefined, perSecond: undefined };
    const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
    const at = new Date(policy.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const limit =
      refusal.limit === undefined
        ? ''
        : ` (${refusal.limit} at once, ${perSecondText(refusal.perSecond)} after)`;
    throw new TenantError(
      `${context.method} ${context.path} was not sent: it would exceed the tenant's ${providerOf(context)} rate limit${limit}, shared by every replica. Retry after ${at} (in ${seconds} s), or make fewer calls.`,
      { ...refusalDetails(context, 'rate_limited'), retryAfterMs: seconds * 1000 },
    );
  }
}

/** Tells the budget about an answer; a budget that cannot store it costs nothing to the call. */
export async function observeQuietly(budget: RateBudget, answer: BudgetObservation): Promise<void> {
  try {
    await budget.observe(answer);
  } catch {
    // The answer is already here; the next take reports a store that is down.
  }
}
