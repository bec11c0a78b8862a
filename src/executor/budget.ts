/**
 * Asking the tenant's rate budget before an attempt: wait for the slot it holds, or refuse the call with
 * the tenant's limit and a `Retry-After`, so a request the tenant would refuse is never sent.
 */
import { isMutating, TenantError } from './errors.js';
import type { CallContext } from './responses.js';
import { type RetryPolicy, raceAbort } from './retry.js';
import type { BudgetObservation, RateBudget, TenantErrorDetails } from './types.js';

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
  let verdict: Awaited<ReturnType<RateBudget['take']>>;
  try {
    verdict = await budget.take();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== UNAVAILABLE) throw error;
    throw new TenantError(
      `${(error as Error).message} The call ${context.method} ${context.path} was not sent to ${providerOf(context)}; try again once the operator has restored it.`,
      refusalDetails(context, 'budget_unavailable'),
      { cause: error },
    );
  }
  if (!verdict.granted) {
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    const at = new Date(policy.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    throw new TenantError(
      `${context.method} ${context.path} was not sent: it would exceed the tenant's ${providerOf(context)} rate limit (${verdict.limit} at once, ${perSecondText(verdict.perSecond)} after), shared by every replica. Retry after ${at} (in ${seconds} s), or make fewer calls.`,
      { ...refusalDetails(context, 'rate_limited'), retryAfterMs: seconds * 1000 },
    );
  }
  if (verdict.waitMs > 0) {
    await raceAbort(
      policy.sleep(verdict.waitMs, signal),
      signal,
      `The call ${context.method} ${context.path}`,
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
