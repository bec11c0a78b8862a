/**
 * The MonoCloud sandbox tenant's data, in memory. A user is stored in the `User` model's own shape so
 * handlers copy it out; what the API never returns (password hashes, per-IP lockouts, issued links)
 * lives beside it, and each relation (group membership, grants) lives in one place. Everything the
 * resource engine serves (applications, groups, API resources, settings...) lives in `store`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ResourceStore } from '../engine/store.js';

/** A JSON object as the API sends it. */
export type JsonObject = Record<string, unknown>;

/** Identity providers a user can be connected through. */
export const IDPS = [
  'monocloud',
  'google',
  'apple',
  'facebook',
  'microsoft',
  'github',
  'gitlab',
  'discord',
  'twitter',
  'linkedin',
  'xero',
] as const;

/** External authenticators a user can link (every identity provider but MonoCloud itself). */
export const EXTERNAL_AUTHENTICATORS = IDPS.filter((i) => i !== 'monocloud');

/** Hash algorithms accepted for imported passwords. */
export const PASSWORD_ALGORITHMS = ['bcrypt'] as const;

/** An email address of a user. */
export interface UserEmail {
  /** Identifier id, used in `/emails/{identifier_id}` paths. */
  id: string;
  /** Whether this is the address used for sign-in and messages. */
  primary: boolean;
  /** Whether the address is verified. */
  verified: boolean;
  /** Where the address came from. */
  source?: string | null;
  /** What verified it. */
  verification_source?: string | null;
  /** The address. */
  email: string;
}

/** A phone number of a user. */
export interface UserPhone {
  /** Identifier id, used in `/phones/{identifier_id}` paths. */
  id: string;
  /** Whether this is the number used for sign-in and messages. */
  primary: boolean;
  /** Whether the number is verified. */
  verified: boolean;
  /** Where the number came from. */
  source?: string | null;
  /** What verified it. */
  verification_source?: string | null;
  /** The number, E.164. */
  phone: string;
}

/** A user's username. */
export interface UserUsername {
  /** Identifier id. */
  id: string;
  /** The username. */
  username: string;
  /** Where it came from. */
  source?: string | null;
}

/** A registered passkey. */
export interface UserPasskey {
  /** Name the user gave it. */
  name?: string | null;
  /** Passkey id, used in `/passkeys/{passkey_id}` paths. */
  passkey_id: string;
  /** Public key, base64. */
  public_key: string;
  /** Authenticator model GUID. */
  aa_guid: string;
  /** Whether the credential is backed up. */
  backup_state: boolean;
  /** Whether it may be backed up. */
  backup_eligibility: boolean;
  /** Whether user presence was checked at registration. */
  user_present: boolean;
  /** Whether the user was verified at registration. */
  user_verified: boolean;
  /** Browser that registered it. */
  user_agent: string;
}

/** A linked external account. */
export interface UserExternalProvider {
  /** Which provider. */
  authenticator: string;
  /** The user's id at that provider. */
  provider_user_id: string;
  /** Claims the provider sent. */
  claims: JsonObject;
}

/** An identity source the user signs in through. */
export interface UserConnection {
  /** Identity provider. */
  idp: string;
  /** Connection id. */
  connection_id: string;
}

/** A user in the shape of the `User` model. */
export interface MonoUser {
  /** User id. */
  user_id: string;
  /** Whether an administrator disabled the account. */
  disabled: boolean;
  /** Identity sources. */
  connections: UserConnection[];
  /** Profile claims (`name`, `given_name`, `picture`, `address`...). */
  claims: JsonObject;
  /** Data safe to show the user's own applications. */
  public_data: JsonObject;
  /** Data only trusted back ends should see. */
  private_data: JsonObject;
  /** Email addresses. */
  emails: UserEmail[];
  /** Phone numbers. */
  phone_numbers: UserPhone[];
  /** Passkeys. */
  passkeys: UserPasskey[];
  /** Whether the next password sign-in must choose a new password. */
  force_password_reset: boolean;
  /** Linked external accounts. */
  external_providers: UserExternalProvider[];
  /** Creation time, epoch seconds. */
  creation_time: number;
  /** Last change, epoch seconds. */
  last_updated: number;
  /** Username, when set. */
  username?: UserUsername | null;
  /** Whether a password is set. */
  has_password: boolean;
  /** When the password was last set, epoch seconds. */
  password_updated_at?: number | null;
  /** Account lockout end, epoch seconds; null when not locked. */
  block_until?: number | null;
  /** Failed sign-ins since the last success or reset. */
  failure_count: number;
  /** Sign-in attempts so far. */
  sign_in_attempts_count: number;
  /** Last attempt, epoch seconds. */
  last_sign_in_attempt?: number | null;
  /** IP of the last attempt. */
  last_sign_in_attempt_ip?: string | null;
  /** Successful sign-ins so far. */
  sign_in_success_count: number;
  /** Last success, epoch seconds. */
  last_sign_in_success?: number | null;
  /** IP of the last success. */
  last_sign_in_success_ip?: string | null;
  /** Last activity, epoch seconds. */
  last_activity?: number | null;
  /** City of the last known location. */
  last_known_city?: string | null;
  /** Country code of the last known location. */
  last_known_country?: string | null;
  /** Region of the last known location. */
  last_known_region?: string | null;
}

/** Sign-in failures from one IP for one user (the `UserIpAccessDetails` model). */
export interface IpAccessRecord {
  /** Failed attempts from this IP since the last reset. */
  failure_count: number;
  /** Lockout end, epoch seconds; null or past when the IP may try again. */
  block_until?: number | null;
  /** Attempts from this IP. */
  sign_in_attempts_count: number;
  /** The IP address. */
  ip: string;
  /** Last attempt, epoch seconds. */
  last_sign_in_attempt: number;
}

/** Where a session was last seen. */
export interface SessionMetadata {
  /** City. */
  city?: string | null;
  /** Country code. */
  country?: string | null;
  /** Region. */
  region?: string | null;
  /** Latitude, as text. */
  latitude?: string | null;
  /** Longitude, as text. */
  longitude?: string | null;
  /** IP address. */
  ip_address?: string | null;
  /** Browser. */
  user_agent?: string | null;
}

/** A sign-in session (the `UserSession` model plus its owner). */
export interface SessionRecord {
  /** Session id. */
  session_id: string;
  /** Owner. */
  user_id: string;
  /** Applications that joined the session. */
  client_ids: string[];
  /** Start, epoch seconds. */
  initiated_at: number;
  /** End, epoch seconds. */
  expires_at: number;
  /** Last use, epoch seconds. */
  last_updated: number;
  /** Where it was last used. */
  last_metadata: SessionMetadata;
}

/** One consented scope. */
export interface ConsentScope {
  /** Scope name. */
  scope: string;
  /** Consent time, epoch seconds. */
  granted_on: number;
  /** When the consent lapses, epoch seconds. */
  expiration?: number | null;
}

/** A consent (the `UserConsent` model plus its owner). */
export interface ConsentRecord {
  /** Consent id. */
  id: string;
  /** Owner. */
  user_id: string;
  /** Application consented to. */
  client_id: string;
  /** Consent time, epoch seconds. */
  creation_time: number;
  /** Scopes consented to. */
  scopes: ConsentScope[];
}

/** A refresh or reference token (the two models share their fields) plus its owner. */
export interface TokenRecord {
  /** Token grant id. */
  id: string;
  /** Owner. */
  user_id: string;
  /** Application it was issued to. */
  client_id: string;
  /** Issue time, epoch seconds. */
  creation_time: number;
  /** Session it was issued in. */
  session_id?: string | null;
  /** Whether ending the session ends the token. */
  is_session_bound: boolean;
  /** Scopes. */
  scopes: string[];
  /** Expiry, epoch seconds. */
  expiration?: number | null;
  /** Audiences. */
  audiences: string[];
  /** Issuer. */
  issuer?: string | null;
}

/** An authorization code not yet exchanged (the `AuthorizationCode` model plus its owner). */
export interface AuthorizationCodeRecord {
  /** Code grant id. */
  id: string;
  /** Owner. */
  user_id: string;
  /** Application it was issued to. */
  client_id: string;
  /** Issue time, epoch seconds. */
  creation_time: number;
  /** Session it was issued in. */
  session_id?: string | null;
  /** Scopes authorized. */
  authorized_scopes: string[];
  /** Expiry, epoch seconds. */
  expiration?: number | null;
}

/** A user's membership of a group. */
export interface MembershipRecord {
  /** Group id. */
  group_id: string;
  /** User id. */
  user_id: string;
  /** Assignment time, epoch seconds. */
  creation_time: number;
}

/** A password-reset or email-verification link the sandbox issued (or the seed pretends it did). */
export interface LinkRecord {
  /** What the link does. */
  kind: 'password_reset' | 'email_verification';
  /** The random token in the link. */
  token: string;
  /** Whose link it is. */
  user_id: string;
  /** For verification links: the email identifier being verified. */
  identifier_id?: string;
  /** The link itself. */
  link: string;
  /** Issue time, epoch seconds. */
  created_at: number;
  /** Expiry, epoch seconds. */
  expires_at: number;
  /** Whether the sandbox "sent" it by email. */
  email_sent: boolean;
}

/** Everything the tenant holds. Handlers mutate it directly; `reset()` swaps in a fresh one. */
export class MonoCloudState {
  /** Users by id, in creation order. */
  readonly users = new Map<string, MonoUser>();
  /** Password hashes by user id (never returned). */
  readonly passwords = new Map<string, string>();
  /** Per-IP sign-in failures by user id. */
  readonly ipAccess = new Map<string, IpAccessRecord[]>();
  /** Sessions by id. */
  readonly sessions = new Map<string, SessionRecord>();
  /** Group memberships, in assignment order. */
  memberships: MembershipRecord[] = [];
  /** Consents. */
  consents: ConsentRecord[] = [];
  /** Refresh tokens. */
  refreshTokens: TokenRecord[] = [];
  /** Reference (opaque access) tokens. */
  referenceTokens: TokenRecord[] = [];
  /** Authorization codes. */
  authorizationCodes: AuthorizationCodeRecord[] = [];
  /** Links issued, oldest first. */
  readonly links: LinkRecord[] = [];
  /** What the resource engine serves, by path: applications, groups, API resources, settings... */
  store = new ResourceStore();

  /** Groups by id, in the `Group` model's stored fields (the engine's `/groups` collection). */
  get groups(): Map<string, JsonObject> {
    return this.store.collection('/groups', true);
  }

  /** Applications by id (the engine's `/applications` collection). */
  get applications(): Map<string, JsonObject> {
    return this.store.collection('/applications', true);
  }

  /** Ends sessions (all of a user's, or the listed ones) and the tokens bound to them. */
  revokeSessions(userId: string, sessionIds?: readonly string[]): void {
    const ended = new Set<string>();
    for (const [id, s] of this.sessions) {
      if (s.user_id !== userId || (sessionIds && !sessionIds.includes(id))) continue;
      this.sessions.delete(id);
      ended.add(id);
    }
    const survives = (t: { user_id: string; session_id?: string | null; is_session_bound?: boolean }) =>
      !(t.user_id === userId && t.is_session_bound !== false && t.session_id && ended.has(t.session_id));
    this.refreshTokens = this.refreshTokens.filter(survives);
    this.referenceTokens = this.referenceTokens.filter(survives);
    this.authorizationCodes = this.authorizationCodes.filter(survives);
  }

  /** Drops a user and everything that points at them. */
  deleteUser(userId: string): void {
    this.users.delete(userId);
    this.passwords.delete(userId);
    this.ipAccess.delete(userId);
    for (const [id, s] of this.sessions) if (s.user_id === userId) this.sessions.delete(id);
    const other = (r: { user_id: string }) => r.user_id !== userId;
    this.memberships = this.memberships.filter(other);
    this.consents = this.consents.filter(other);
    this.refreshTokens = this.refreshTokens.filter(other);
    this.referenceTokens = this.referenceTokens.filter(other);
    this.authorizationCodes = this.authorizationCodes.filter(other);
  }
}

/** The tenant as plain JSON, for `--state FILE`. */
export function monoStateToJSON(state: MonoCloudState): JsonObject {
  return {
    version: 1,
    provider: 'monocloud',
    users: [...state.users.values()],
    passwords: [...state.passwords],
    ipAccess: [...state.ipAccess],
    sessions: [...state.sessions.values()],
    memberships: state.memberships,
    consents: state.consents,
    refreshTokens: state.refreshTokens,
    referenceTokens: state.referenceTokens,
    authorizationCodes: state.authorizationCodes,
    links: state.links,
    store: state.store.toJSON(),
  };
}

/** Rebuilds a tenant from {@link monoStateToJSON}'s output; throws naming what is malformed. */
export function monoStateFromJSON(raw: unknown): MonoCloudState {
  const data = raw as Record<string, unknown> | null;
  if (!data || typeof data !== 'object' || data.version !== 1 || data.provider !== 'monocloud')
    throw new Error(
      'not a MonoCloud sandbox state file (expected {"version": 1, "provider": "monocloud", ...})',
    );
  const list = <T>(key: string): T[] => {
    const value = data[key] ?? [];
    if (!Array.isArray(value)) throw new Error(`"${key}" must be an array`);
    return value.filter((v) => v !== null && typeof v === 'object') as T[];
  };
  const pairs = <T>(key: string): Array<[string, T]> =>
    list<unknown[]>(key)
      .filter((e) => Array.isArray(e) && typeof e[0] === 'string')
      .map((e) => [e[0] as string, e[1] as T]);
  const state = new MonoCloudState();
  for (const u of list<MonoUser>('users')) state.users.set(String(u.user_id), u);
  for (const [id, hash] of pairs<string>('passwords'))
    if (typeof hash === 'string') state.passwords.set(id, hash);
  for (const [id, records] of pairs<IpAccessRecord[]>('ipAccess'))
    if (Array.isArray(records)) state.ipAccess.set(id, records);
  for (const s of list<SessionRecord>('sessions')) state.sessions.set(String(s.session_id), s);
  state.memberships = list<MembershipRecord>('memberships');
  state.consents = list<ConsentRecord>('consents');
  state.refreshTokens = list<TokenRecord>('refreshTokens');
  state.referenceTokens = list<TokenRecord>('referenceTokens');
  state.authorizationCodes = list<AuthorizationCodeRecord>('authorizationCodes');
  state.links.push(...list<LinkRecord>('links'));
  state.store = ResourceStore.fromJSON(data.store);
  return state;
}

/** The stored form of a password: a salted SHA-256, enough to check `old_password` on a change. */
export function hashPassword(password: string, salt = randomBytes(8).toString('hex')): string {
  return `${salt}$${createHash('sha256').update(`${salt}:${password}`).digest('hex')}`;
}

/** Whether `password` matches a hash made by {@link hashPassword}. */
export function checkPassword(password: string, stored: string): boolean {
  const salt = stored.split('$')[0]!;
  return hashPassword(password, salt) === stored;
}

/** A fresh id for a record created at run time. */
export function newId(): string {
  return randomUUID();
}

/** Connection ids of the sandbox tenant's identity sources, by identity provider. */
export const CONNECTION_IDS: Readonly<Record<string, string>> = {
  monocloud: 'c0ec7100-5eed-4000-8000-000000000001',
  google: 'c0ec7100-5eed-4000-8000-000000000002',
  github: 'c0ec7100-5eed-4000-8000-000000000003',
};

/** The connection of an identity provider, inventing a stable id for one the tenant did not list. */
export function connectionFor(idp: string): UserConnection {
  return { idp, connection_id: CONNECTION_IDS[idp] ?? `${idp}-connection` };
}
