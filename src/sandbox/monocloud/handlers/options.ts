/**
 * Tenant settings beyond a plain merge: switching email to SendGrid or SMS to Twilio needs that
 * provider's credentials, and a sign-up field renamed through PATCH moves to its new claim name.
 * The password and username rules set here are the ones user operations then enforce.
 */
import { concrete } from '../../engine/engine.js';
import { mergePatch, missing, readSchema } from '../engine.js';
import { conflict, fieldErrors } from '../problem.js';
import type { JsonObject } from '../state.js';
import { type MonoContext, type MonoHandlerTable, type MonoResult, viaEngine } from './context.js';

const COMMUNICATION = '/options/communication';
const FIELDS = '/options/authentication/signup/custom_fields';

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

function patchCommunication(ctx: MonoContext): MonoResult {
  const current = (ctx.state.store.singletons.get(COMMUNICATION) ?? {}) as JsonObject;
  const next = mergePatch(readSchema(COMMUNICATION), current, ctx.body as JsonObject);
  const email = (next.email ?? {}) as JsonObject;
  const sms = (next.sms ?? {}) as JsonObject;
  const errors: Record<string, string[]> = {};
  const grid = email.send_grid as JsonObject | null | undefined;
  if (email.provider === 'send_grid' && !(grid && nonEmpty(grid.api_key) && nonEmpty(grid.from_email)))
    errors['email.send_grid'] = [
      'Sending email through SendGrid needs send_grid.api_key and send_grid.from_email.',
    ];
  const twilio = sms.twilio as JsonObject | null | undefined;
  if (sms.provider === 'twilio' && !(twilio && nonEmpty(twilio.sid) && nonEmpty(twilio.auth_token)))
    errors['sms.twilio'] = ['Sending SMS through Twilio needs twilio.sid and twilio.auth_token.'];
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return viaEngine(ctx);
}

function patchField(ctx: MonoContext): MonoResult {
  const body = ctx.body as JsonObject;
  const current = ctx.params.field_claim_name ?? '';
  const renamed = typeof body.claim_name === 'string' ? body.claim_name : current;
  if (renamed === current) return viaEngine(ctx);
  const fields = ctx.state.store.collection(concrete(FIELDS, ctx.params), true);
  const held = fields.get(current);
  if (!held) throw missing(FIELDS, current);
  if (fields.has(renamed)) throw conflict(`Sign-up field with the claim_name '${renamed}' already exists.`);
  // Re-key in place so the field keeps its position in the list.
  const entries = [...fields];
  fields.clear();
  for (const [key, value] of entries) {
    if (key === current)
      fields.set(renamed, { ...mergePatch(readSchema(FIELDS), value, body), claim_name: renamed });
    else fields.set(key, value);
  }
  return { body: ctx.engine.shape(ctx.op, fields.get(renamed)) };
}

/** Handlers for tenant settings. */
export const optionHandlers: MonoHandlerTable = {
  patch_communication_options: patchCommunication,
  patch_sign_up_custom_field: patchField,
};
