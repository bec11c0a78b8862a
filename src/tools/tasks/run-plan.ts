/**
 * The shared shape of a containment or recovery task: validate every request, ask a person once for all of
 * them (or show them for `dry_run`), run them in order, and report each step; a step that fails is reported
 * beside those that took effect. Used by the Auth0 and MonoCloud task tools alike.
 */
import { type TaskAnswer, type TaskContext, TaskError } from './context.js';

/** One request of a plan. */
export interface Step {
  /** Operation id. */
  operation: string;
  /** Its arguments. */
  args: Record<string, unknown>;
  /** What it does, in our words, for `done` and `failed`. */
  what: string;
  /** The tenant value it acts on (an IP, a session id), kept out of our words. */
  on?: unknown;
}

/** `what` of each step, a repeated one counted once: `IP unblocked ×2`. */
export function tally(whats: string[]): string[] {
  const counts = new Map<string, number>();
  for (const what of whats) counts.set(what, (counts.get(what) ?? 0) + 1);
  return [...counts].map(([what, n]) => (n > 1 ? `${what} ×${n}` : what));
}

/** Runs (or previews) a plan confirmed once, and reports each step. */
export async function runPlan(
  ctx: TaskContext,
  plan: {
    steps: Step[];
    summary: string;
    dryRun: boolean | undefined;
    next: string;
    extra?: Record<string, unknown>;
  },
): Promise<TaskAnswer> {
  // Every step is validated (schema, profile) before a person is asked to confirm any of it; the gate
  // asks about exactly the steps that need a person in the profile, as it would for each alone.
  const wouldSend = await Promise.all(plan.steps.map((s) => ctx.preview(s.operation, s.args)));
  if (plan.dryRun) {
    return {
      answer: {
        dry_run: true,
        note: 'Nothing was sent. Repeat without dry_run to run it; a person confirms first.',
        steps: plan.steps.map((s) => s.what),
        ...plan.extra,
      },
      tenant: { would_send: wouldSend },
    };
  }
  const grant = await ctx.confirm({
    steps: plan.steps.map((s) => ({ operation: s.operation, args: s.args })),
    summary: plan.summary,
  });
  const done: string[] = [];
  const failed: Array<{ step: string; error: string; on?: unknown }> = [];
  for (const step of plan.steps) {
    try {
      await ctx.write(step.operation, step.args, grant);
      done.push(step.what);
    } catch (error) {
      if (!(error instanceof TaskError)) throw error;
      failed.push({
        step: step.what,
        error: error.message,
        ...(step.on !== undefined ? { on: step.on } : {}),
      });
    }
  }
  const anyFailed = failed.length > 0;
  return {
    answer: {
      done: tally(done),
      ...(anyFailed ? { note: 'Some steps failed (see failed); the others took effect.' } : {}),
      ...plan.extra,
      next: plan.next,
    },
    // Error texts quote the tenant, so they travel as its data.
    ...(anyFailed ? { tenant: { failed }, isError: true } : {}),
  };
}
