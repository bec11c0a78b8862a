// Pins the wording of generated summaries, the only prose most tools get, and the singular forms behind it.
import { describe, expect, it } from 'vitest';
import { singularise, summarize } from '../../src/generator/summary.js';
import type { HttpMethod } from '../../src/tools/types.js';

const CASES: Array<[HttpMethod, string, string]> = [
  ['GET', '/users', 'List users'],
  ['POST', '/users', 'Create a user'],
  ['GET', '/users/{id}', 'Get a user'],
  ['PATCH', '/users/{id}', 'Update a user'],
  ['DELETE', '/users/{id}', 'Delete a user'],
  ['GET', '/users/{id}/roles', 'List roles of a user'],
  ['POST', '/users/{id}/roles', 'Add roles to a user'],
  ['DELETE', '/users/{id}/roles', 'Remove roles from a user'],
  ['DELETE', '/users/{id}/multifactor/{provider}', 'Delete an MFA provider of a user'],
  [
    'POST',
    '/users/{id}/multifactor/actions/invalidate-remember-browser',
    'Invalidate the remembered MFA browsers of a user',
  ],
  ['GET', '/users/{id}/enrollments', 'List MFA enrollments of a user'],
  ['GET', '/users-by-email', 'List users by email'],
  ['GET', '/organizations/name/{name}', 'Get an organization by name'],
  ['GET', '/organizations/{id}/members/{user_id}/roles', 'List roles of a member of an organization'],
  ['DELETE', '/organizations/{id}/connections/{connection_id}', 'Remove a connection from an organization'],
  ['POST', '/organizations/{id}/invitations', 'Create an invitation for an organization'],
  ['GET', '/actions/actions', 'List actions'],
  ['POST', '/actions/actions/{actionId}/versions/{id}/deploy', 'Deploy a version of an action'],
  ['POST', '/clients/{id}/rotate-secret', 'Rotate the secret of a client'],
  ['POST', '/connections/{id}/keys/rotate', 'Rotate the keys of a connection'],
  ['POST', '/keys/signing/rotate', 'Rotate the signing keys'],
  ['PUT', '/keys/signing/{kid}/revoke', 'Revoke a signing key'],
  ['GET', '/tenants/settings', 'Get the tenant settings'],
  ['PATCH', '/attack-protection/bot-detection', 'Update the bot detection settings'],
  ['GET', '/emails/provider', 'Get the email provider'],
  ['POST', '/tickets/password-change', 'Create a password change ticket'],
  ['POST', '/jobs/users-exports', 'Create a user export job'],
  ['GET', '/guardian/policies', 'List MFA policies'],
  ['GET', '/guardian/factors/sms/providers/twilio', 'Get the MFA SMS Twilio provider'],
  ['GET', '/anomaly/blocks/ips/{id}', 'Get a blocked IP address'],
  ['GET', '/network-acls/{id}', 'Get a network ACL'],
  [
    'POST',
    '/connections/{id}/scim-configuration/tokens',
    'Create a SCIM configuration token for a connection',
  ],
  ['GET', '/prompts/{prompt}/custom-text/{language}', 'Get the custom text of a prompt'],
  ['POST', '/event-streams/{id}/redeliver/{event_id}', 'Redeliver one event of an event stream'],
  ['GET', '/connections/{id}/status', 'Get the status of a connection'],
  ['POST', '/refresh-tokens/revoke', 'Revoke the refresh tokens'],
  ['GET', '/policies', 'List policies'],
];

describe('summarize', () => {
  it.each(CASES)('%s %s → %s', (method, path, expected) => {
    expect(summarize(method, path)).toBe(expected);
  });
});

describe('singularise', () => {
  it.each([
    ['users', 'user'],
    ['policies', 'policy'],
    ['identities', 'identity'],
    ['deliveries', 'delivery'],
    ['keys', 'key'],
    ['addresses', 'address'],
    ['boxes', 'box'],
    ['settings', 'settings'],
    ['status', 'status'],
    ['credentials', 'credential'],
    ['IPs', 'IP'],
    ['ACLs', 'ACL'],
    ['role', 'role'],
  ])('%s → %s', (plural, singular) => {
    expect(singularise(plural)).toBe(singular);
  });
});
