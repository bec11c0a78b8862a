/**
 * Sign-in for approvers in OAuth mode: a person signs in with the issuer in a browser (authorization code
 * with PKCE, `state` and `nonce`, through oauth4webapi) and becomes an approver when the issuer granted
 * them `tenant-mcp:approve`, nothing more: an approve-only identity is enough, and no MCP access token
 * ever opens the page. The flow's secrets (verifier, state, nonce) stay on the server, keyed by a random
 * value the browser holds in a short-lived cookie, so a stolen redirect cannot be replayed elsewhere.
 */
import { randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';

/** How long a started sign-in may take before it must start again. */
export const LOGIN_TTL_MS = 10 * 60_000;

/** Started sign-ins kept at once; the oldest go first beyond it. */
const MAX_PENDING = 500;

/** Settings of the approver sign-in, from the environment. */
export interface ApproverLoginSettings {
  /** The issuer (the same one whose access tokens MCP clients present). */
  issuer: string;
  /** The approvals page's own client at the issuer (`TENANT_MCP_APPROVALS_CLIENT_ID`). */
  clientId: string;
  /** Its secret, for a confidential client (`TENANT_MCP_APPROVALS_CLIENT_SECRET`); PKCE alone otherwise. */
  clientSecret?: string | undefined;
  /** The scope that makes an approver. */
  approverScope: string;
  /** The fetch to use (tests). */
  fetch?: typeof fetch;
  /** Sign-ins in progress (default: this process); see {@link LoginFlows}. */
  flows?: LoginFlows;
}

/** A finished sign-in. */
export type LoginResult =
  | {
      /** The person holds the approver scope. */
      ok: true;
      /** How they are recorded: `Alice <alice@example.com> (oauth:sub)`. */
      name: string;
      /** Where they were going. */
      next: string;
    }
  | {
      /** They did not get in. */
      ok: false;
      /** 400 (a broken or replayed flow), 403 (no approver scope), 502 (the issuer failed). */
      status: 400 | 403 | 502;
      /** Why, for the page. */
      message: string;
    };

/** The approver sign-in. */
export interface ApproverLogin {
  /**
   * Starts a sign-in: the issuer URL to redirect the browser to, and the value of the flow cookie that
   * must come back with the callback.
   */
  start(redirectUri: string, next: string): Promise<{ location: string; flow: string }>;
  /** Finishes it from the callback URL and the flow cookie. */
  finish(callbackUrl: URL, flow: string | undefined, redirectUri: string): Promise<LoginResult>;
}

/**
 * Where sign-ins in progress wait for the issuer's callback: in this process by default; in Redis with
 * replicas, since the callback may reach another replica than the one that started it.
 */
export interface LoginFlows {
  /** Keeps `value` under `flow` for `ttlMs`. */
  put(flow: string, value: string, ttlMs: number): Promise<void>;
  /** Takes the value of `flow` once (a second take finds nothing). */
  take(flow: string): Promise<string | undefined>;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  expiresAt: number;
}

const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

/** Creates the sign-in for an issuer; the issuer's metadata is fetched on first use. */
export function createApproverLogin(settings: ApproverLoginSettings): ApproverLogin {
  const issuer = new URL(settings.issuer);
  // http:// is accepted only on loopback, as the OAuth settings are (tests run a provider there).
  const insecure = issuer.protocol === 'http:' && isLoopback(issuer.hostname);
  // Each request to the issuer gets its own deadline.
  const http = () => ({
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(settings.fetch ? { [oauth.customFetch]: settings.fetch } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const client: oauth.Client = { client_id: settings.clientId };
  const auth = settings.clientSecret ? oauth.ClientSecretPost(settings.clientSecret) : oauth.None();
  const pending = new Map<string, Pending>();
  const shared = settings.flows;
  let server: Promise<oauth.AuthorizationServer> | undefined;

  function metadata(): Promise<oauth.AuthorizationServer> {
    server ??= oauth
      .discoveryRequest(issuer, { ...http(), algorithm: 'oidc' })
      .then((response) => oauth.processDiscoveryResponse(issuer, response))
      .catch((error: unknown) => {
        server = undefined; // try again next time
        throw error;
      });
    return server;
  }

  return {
    async start(redirectUri, next) {
      const as = await metadata();
      if (!as.authorization_endpoint) throw new Error('the issuer has no authorization endpoint');
      const now = Date.now();
      for (const [key, value] of pending) if (value.expiresAt <= now) pending.delete(key);
      while (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
      const flow = randomBytes(32).toString('base64url');
      const entry: Pending = {
        verifier: oauth.generateRandomCodeVerifier(),
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        next,
        expiresAt: now + LOGIN_TTL_MS,
      };
      if (shared) await shared.put(flow, JSON.stringify(entry), LOGIN_TTL_MS);
      else pending.set(flow, entry);
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', `openid profile email ${settings.approverScope}`);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(entry.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      url.searchParams.set('state', entry.state);
      url.searchParams.set('nonce', entry.nonce);
      return { location: url.href, flow };
    },

    async finish(callbackUrl, flow, redirectUri) {
      // One use: a callback replayed, or one this browser did not start, finds nothing.
      let entry: Pending | undefined;
      if (flow && shared) {
        const raw = await shared.take(flow);
        entry = raw ? (JSON.parse(raw) as Pending) : undefined;
      } else if (flow) {
        entry = pending.get(flow);
        pending.delete(flow);
      }
      if (!entry || entry.expiresAt <= Date.now()) {
        return {
          ok: false,
          status: 400,
          message: 'This sign-in was not started here, was already used, or took too long. Start again.',
        };
      }
      let as: oauth.AuthorizationServer;
      try {
        as = await metadata();
      } catch (error) {
        return {
          ok: false,
          status: 502,
          message: `The issuer could not be reached (${(error as Error).message}).`,
        };
      }
      let claims: oauth.IDToken | undefined;
      let granted: string[];
      try {
        const params = oauth.validateAuthResponse(as, client, callbackUrl, entry.state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          redirectUri,
          entry.verifier,
          http(),
        );
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: entry.nonce,
          requireIdToken: true,
        });
        claims = oauth.getValidatedIdTokenClaims(tokens);
        // Issuers that keep the ID token lean give the name and email at the userinfo endpoint.
        if (claims && !claims.name && !claims.email && as.userinfo_endpoint && tokens.access_token) {
          try {
            const info = await oauth.processUserInfoResponse(
              as,
              client,
              claims.sub,
              await oauth.userInfoRequest(as, client, tokens.access_token, http()),
            );
            claims = { ...claims, name: info.name, email: info.email };
          } catch {
            // The name is for the record only; the subject still identifies the person.
          }
        }
        // Only what the issuer says it granted counts; a token response without `scope` grants nothing here.
        granted = typeof tokens.scope === 'string' ? tokens.scope.split(' ').filter(Boolean) : [];
      } catch (error) {
        const why =
          error instanceof oauth.AuthorizationResponseError
            ? `the issuer answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
            : (error as Error).message;
        return { ok: false, status: 400, message: `The sign-in did not complete (${why}).` };
      }
      const who = nameOf(claims);
      if (!granted.includes(settings.approverScope)) {
        return {
          ok: false,
          status: 403,
          message: `Signed in as ${who}, but the issuer did not grant ${settings.approverScope}: only approvers can open this page. Ask for that scope.`,
        };
      }
      return { ok: true, name: who, next: entry.next };
    },
  };
}

/** `Alice Adams <alice@example.com> (oauth:sub)`, from the ID token. */
function nameOf(claims: oauth.IDToken | undefined): string {
  const clean = (value: unknown) =>
    typeof value === 'string'
      ? value
          .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
          .trim()
          .slice(0, 64)
      : '';
  const name = clean(claims?.name);
  const email = clean(claims?.email);
  const sub = clean(claims?.sub);
  return [name, email ? `<${email}>` : '', `(oauth:${sub})`].filter(Boolean).join(' ');
}
