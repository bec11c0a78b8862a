// Pins how TENANT_MCP_HTTP_TOKEN entries read: a token, optionally @profile, optionally +elicitation (a
// person uses that client, so it may confirm held calls in it); anything else is a start-up error.
import { describe, expect, it } from 'vitest';
import { httpSettingsFrom } from '../../src/server/http/settings.js';

const token = (entry: string) => httpSettingsFrom({}, { TENANT_MCP_HTTP_TOKEN: entry }).auth;

describe('TENANT_MCP_HTTP_TOKEN entries', () => {
  it('reads profile and +elicitation per token; without it no token may confirm in its client', () => {
    expect(
      token('aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb@helpdesk+elicitation,cccccccccccccccc@+elicitation'),
    ).toEqual({
      kind: 'tokens',
      tokens: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'],
      profiles: [undefined, 'helpdesk', undefined],
      elicitation: [false, true, true],
    });
    expect(token('aaaaaaaaaaaaaaaa@admin')).toEqual({
      kind: 'tokens',
      tokens: ['aaaaaaaaaaaaaaaa'],
      profiles: ['admin'],
    });
  });

  it.each([
    ['aaaaaaaaaaaaaaaa@', /names no profile/],
    ['aaaaaaaaaaaaaaaa@admin+elicit', /not @profile or @profile\+elicitation/],
    ['aaaaaaaaaaaaaaaa@admin+elicitation+elicitation', /not @profile or @profile\+elicitation/],
  ])('refuses %s', (entry, message) => {
    expect(() => token(entry)).toThrow(message);
  });
});
