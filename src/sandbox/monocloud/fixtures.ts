/**
 * What every new MonoCloud tenant has before anyone adds to it, loaded for `seed: none` and under the
 * Northwind demo alike: sign-in, messaging and branding settings, the OpenID Connect standard claims
 * and scopes, and a current signing key with the one it replaced (kept to validate older tokens).
 */
import {
  AUTHENTICATION_OPTIONS,
  COMMUNICATION_OPTIONS,
  EMAIL_BRANDING,
  PAGE_BRANDING,
  SMS_BRANDING,
  STANDARD_CLAIMS,
  STANDARD_SCOPES,
} from './defaults.js';
import { newSigningKey } from './handlers/keys.js';
import type { MonoCloudState } from './state.js';

/** A fixed id in UUID form, for records whose ids tests and demos name. */
export const fixedId = (prefix: string, n: number) =>
  `${prefix}-5eed-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Fixed ids of what every tenant starts with. */
export const MONOCLOUD_FIXTURES = {
  /** The current signing key. */
  currentKey: fixedId('4e7c0000', 2),
  /** The key it replaced 90 days ago, kept for validation. */
  previousKey: fixedId('4e7c0000', 1),
  /** Identity scopes by name. */
  scopes: Object.fromEntries(
    STANDARD_SCOPES.map(([name], i) => [name, fixedId('5c09e000', i + 1)]),
  ) as Record<string, string>,
  /** Claim definitions by name. */
  claims: Object.fromEntries(
    STANDARD_CLAIMS.map(([name], i) => [name, fixedId('c1a10000', i + 1)]),
  ) as Record<string, string>,
} as const;

const DAY = 86_400;

/** Loads a new tenant's settings, scopes, claims and keys into `state`, dated from `now` (epoch seconds). */
export function seedMonoCloudBase(state: MonoCloudState, now: number): void {
  const created = now - 400 * DAY;
  const singletons = state.store.singletons;
  singletons.set('/options/authentication', structuredClone(AUTHENTICATION_OPTIONS));
  singletons.set('/options/communication', structuredClone(COMMUNICATION_OPTIONS));
  singletons.set('/branding/page', structuredClone(PAGE_BRANDING));
  singletons.set('/branding/email', structuredClone(EMAIL_BRANDING));
  singletons.set('/branding/sms', structuredClone(SMS_BRANDING));

  const claims = state.store.collection('/resources/claim_resources', true);
  for (const [name, source] of STANDARD_CLAIMS) {
    const id = MONOCLOUD_FIXTURES.claims[name]!;
    claims.set(id, {
      id,
      display_name: null,
      description: null,
      show_in_discovery_document: true,
      creation_time: created,
      last_updated: created,
      name,
      source,
      is_default: true,
    });
  }
  const scopes = state.store.collection('/resources/scopes', true);
  for (const [name, released, required] of STANDARD_SCOPES) {
    const id = MONOCLOUD_FIXTURES.scopes[name]!;
    scopes.set(id, {
      id,
      display_name: null,
      description: null,
      show_in_discovery_document: true,
      creation_time: created,
      last_updated: created,
      name,
      required,
      emphasize: false,
      is_default: true,
      user_claims: released.map((claim) => ({
        claim,
        include_in_identity_token: name === 'openid',
        include_in_user_info: true,
      })),
    });
  }

  const keys = state.store.collection('/keys', true);
  const previous = newSigningKey(created, 'rs256', MONOCLOUD_FIXTURES.previousKey);
  Object.assign(previous, { is_current: false, use: 'validation', rotation_date: now - 90 * DAY });
  keys.set(MONOCLOUD_FIXTURES.previousKey, previous);
  keys.set(
    MONOCLOUD_FIXTURES.currentKey,
    newSigningKey(now - 90 * DAY, 'rs256', MONOCLOUD_FIXTURES.currentKey),
  );
}
