/**
 * Reads the `scope` claim of a Management API token. The executor is the token's client, not its
 * verifier: the tenant checks the signature; we only want to know, before sending, whether a call can
 * possibly be allowed, so a refusal names the missing scope instead of costing a round trip.
 */

/** The scopes granted by a JWT's `scope` claim, or `undefined` when the token is not a readable JWT. */
export function scopesOfToken(token: string): ReadonlySet<string> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { scope?: unknown };
    if (typeof payload.scope !== 'string') return undefined;
    return new Set(payload.scope.split(/\s+/).filter(Boolean));
  } catch {
    return undefined;
  }
}
