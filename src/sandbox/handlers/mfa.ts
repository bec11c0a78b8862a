/**
 * A user's MFA enrolments, so a diagnosis can tell "never enrolled" from "enrolled, codes failing".
 * An unknown user has none, as the generated sample answered before.
 */
import type { HandlerTable } from './context.js';

/** Stateful handlers for MFA enrolments. */
export const mfaHandlers: HandlerTable = {
  get_enrollments: (ctx) => ({
    body: (ctx.state.enrollments.get(ctx.params.id ?? '') ?? []).map((e) => ({ ...e })),
  }),
};
