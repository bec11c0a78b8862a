/**
 * The sandbox tenant's data, in memory. Records are stored close to the JSON the Management API returns
 * so handlers mostly copy them out; relations (role members, enabled clients) live in one place each.
 */
import { randomBytes } from 'node:crypto';
import { ResourceStore } from './engine/store.js';

/** A JSON object as the API sends it. */
export type JsonObject = Record<string, unknown>;

/** One identity of a user (a user has one per linked connection). */
export interface Identity {
  /** Connection name. */
  connection: string;
  /** The id inside that provider (the part after `|` in `user_id`). */
  user_id: string;
  /** Provider, e.g. `auth0` for database connections or `google-oauth2`. */
  provider: string;
  /** Whether the provider is a social one. */
  isSocial: boolean;
}

/** A user as stored: the API's fields, plus whatever metadata the caller set. */
export interface UserRecord extends JsonObject {
  /** `{provider}|{id}`. */
  user_id: string;
  /** Email address, when the connection has one. */
  email?: string;
  /** Whether the email address is verified. */
  email_verified?: boolean;
  /** Username, on connections that require one. */
  username?: string;
  /** Display name. */
  name?: string;
  /** Short name. */
  nickname?: string;
  /** Avatar URL. */
  picture?: string;
  /** ISO date of creation. */
  created_at: string;
  /** ISO date of the last change. */
  updated_at: string;
  /** Linked identities; the first is the primary one. */
  identities: Identity[];
  /** Data the application controls. */
  app_metadata: JsonObject;
  /** Data the user may change. */
  user_metadata: JsonObject;
  /** Set when an administrator blocked the user (unlike brute-force blocks, which are per IP). */
  blocked?: boolean;
  /** ISO date of the last successful login. */
  last_login?: string;
  /** IP of the last successful login. */
  last_ip?: string;
  /** Successful logins so far. */
  logins_count: number;
}

/** A brute-force block: an identifier locked out from one IP on one connection. */
export interface BlockRecord {
  /** The email, username or phone number that was attacked. */
  identifier: string;
  /** Source IP of the failed attempts. */
  ip: string;
  /** Connection the attempts were made against. */
  connection: string;
}

/** A role. */
export interface RoleRecord {
  /** `rol_` followed by 16 characters. */
  id: string;
  /** Unique name. */
  name: string;
  /** Free text. */
  description?: string;
}

/** A connection (identity source). */
export interface ConnectionRecord extends JsonObject {
  /** `con_` followed by 16 characters. */
  id: string;
  /** Unique name, e.g. `Username-Password-Authentication`. */
  name: string;
  /** Strategy, e.g. `auth0` for a database connection. */
  strategy: string;
  /** Strategy-specific settings (`brute_force_protection`, `requires_username`...). */
  options: JsonObject;
  /** Client ids allowed to log users in through this connection. */
  enabled_clients: string[];
}

/** An application. Stored whole because the API's client object has dozens of optional fields. */
export interface ClientRecord extends JsonObject {
  /** 32-character id. */
  client_id: string;
  /** Name shown in the dashboard and logs. */
  name: string;
}

/** A log event; `log_id` sorts in time order so checkpoint paging works on strings. */
export interface LogRecord extends JsonObject {
  /** Sortable id. */
  log_id: string;
  /** ISO date. */
  date: string;
  /** Event type code: `s`, `f`, `fp`, `fu`, `limit_wc`, `sapi`... */
  type: string;
}

/** A log event before it has an id. */
export type NewLogEvent = JsonObject & { date: string; type: string };

/** A ticket the sandbox issued (or the seed pretends was issued). */
export interface TicketRecord {
  /** The random part of the URL. */
  id: string;
  /** What the ticket lets the user do. */
  kind: 'password-change' | 'email-verification';
  /** Whose ticket it is. */
  user_id: string;
  /** The link sent to the user. */
  url: string;
  /** ISO date of issue. */
  created_at: string;
  /** ISO date after which the link stops working. */
  expires_at: string;
  /** Where the user lands afterwards, when given. */
  result_url?: string;
  /** Application the ticket was issued for, when given. */
  client_id?: string;
}

/** A login session. */
export interface SessionRecord extends JsonObject {
  /** Session id. */
  id: string;
  /** Owner. */
  user_id: string;
}

/** An MFA enrolment of a user, as `GET /users/{id}/enrollments` returns it. */
export interface EnrollmentRecord extends JsonObject {
  /** Enrolment id. */
  id: string;
  /** `pending` until the user finishes enrolling, then `confirmed`. */
  status: 'pending' | 'confirmed';
  /** `authenticator` (one-time codes), `guardian` (push) or `sms`. */
  auth_method: 'authenticator' | 'guardian' | 'sms';
  /** Device name. */
  name?: string;
  /** ISO date of enrolment. */
  enrolled_at: string;
  /** ISO date of the last use. */
  last_auth?: string;
}

/** Everything the tenant holds. Handlers mutate it directly; `reset()` swaps in a fresh one. */
export class TenantState {
  /** Users by `user_id`, in creation order. */
  readonly users = new Map<string, UserRecord>();
  /** Roles by id. */
  readonly roles = new Map<string, RoleRecord>();
  /** Role id to the user ids holding it, in assignment order. */
  readonly roleMembers = new Map<string, Set<string>>();
  /** Connections by id. */
  readonly connections = new Map<string, ConnectionRecord>();
  /** Clients by id. */
  readonly clients = new Map<string, ClientRecord>();
  /** Log events, oldest first. */
  readonly logs: LogRecord[] = [];
  /** Brute-force blocks. */
  blocks: BlockRecord[] = [];
  /** Issued tickets, oldest first. */
  readonly tickets: TicketRecord[] = [];
  /** Sessions by id. */
  readonly sessions = new Map<string, SessionRecord>();
  /** MFA enrolments by user id. */
  readonly enrollments = new Map<string, EnrollmentRecord[]>();
  /** Everything the resource engine serves: resource servers, organizations, settings... */
  store = new ResourceStore();
  /** Background jobs (imports, exports, verification emails), by id, oldest first. */
  readonly jobs = new Map<string, JobRecord>();
  private logSequence = 0;

  /** Most log events kept; older ones are dropped, as a tenant's retention window does. */
  static readonly MAX_LOGS = 10_000;

  /** The connection with this name, if any. */
  connectionByName(name: string): ConnectionRecord | undefined {
    for (const c of this.connections.values()) if (c.name === name) return c;
    return undefined;
  }

  /** Role ids held by a user, in assignment order. */
  rolesOf(userId: string): string[] {
    const out: string[] = [];
    for (const [roleId, members] of this.roleMembers) if (members.has(userId)) out.push(roleId);
    return out;
  }

  /** After loading saved logs, continues their numbering so new ids still sort last. */
  restoreLogSequence(): void {
    const last = this.logs[this.logs.length - 1]?.log_id;
    const n = last ? Number.parseInt(last.slice(-37), 10) : 0;
    this.logSequence = Number.isFinite(n) ? n : this.logs.length;
  }

  /** Appends a log event, giving it a `log_id` that sorts after every earlier one. */
  addLog(event: NewLogEvent): LogRecord {
    this.logSequence += 1;
    const stamp = event.date.replace(/\D/g, '').slice(0, 14).padEnd(14, '0');
    const log = {
      ...event,
      log_id: `90020${stamp}${String(this.logSequence).padStart(37, '0')}`,
    } as LogRecord;
    this.logs.push(log);
    if (this.logs.length > TenantState.MAX_LOGS) this.logs.splice(0, this.logs.length - TenantState.MAX_LOGS);
    return log;
  }

  /** Drops a user and everything that points at them. */
  deleteUser(userId: string): void {
    const user = this.users.get(userId);
    this.users.delete(userId);
    for (const members of this.roleMembers.values()) members.delete(userId);
    for (const [id, session] of this.sessions) if (session.user_id === userId) this.sessions.delete(id);
    this.enrollments.delete(userId);
    const key = encodeURIComponent(userId);
    this.store.dropUnder(`/users/${key}`);
    this.store.dropMember('/members', key);
    this.store.dropMember('/members', userId);
    for (const [path] of this.store.collections)
      if (path.includes(`/members/${key}/`)) this.store.collections.delete(path);
    if (user) {
      const ids = identifiersOf(user);
      this.blocks = this.blocks.filter((b) => !ids.includes(b.identifier.toLowerCase()));
    }
  }
}

/** A background job as stored; `effects` run once when it completes. */
export interface JobRecord extends JsonObject {
  /** `job_` followed by 16 characters. */
  id: string;
  /** `users_import`, `users_export` or `verification_email`. */
  type: string;
  /** Epoch milliseconds of creation, for its progress. */
  created_ms: number;
  /** Whether the job's effects have been applied. */
  done?: boolean;
}

/** The tenant as plain JSON, for `--state FILE`. */
export function stateToJSON(state: TenantState): JsonObject {
  return {
    version: 1,
    users: [...state.users.values()],
    roles: [...state.roles.values()],
    roleMembers: [...state.roleMembers].map(([id, members]) => [id, [...members]]),
    connections: [...state.connections.values()],
    clients: [...state.clients.values()],
    logs: state.logs,
    blocks: state.blocks,
    tickets: state.tickets,
    sessions: [...state.sessions.values()],
    enrollments: [...state.enrollments],
    jobs: [...state.jobs.values()],
    store: state.store.toJSON(),
  };
}

/** Rebuilds a tenant from {@link stateToJSON}'s output; throws naming what is malformed. */
export function stateFromJSON(raw: unknown): TenantState {
  const data = raw as Record<string, unknown> | null;
  if (!data || typeof data !== 'object' || data.version !== 1)
    throw new Error('not a sandbox state file (expected {"version": 1, ...})');
  const list = (key: string): JsonObject[] => {
    const value = data[key] ?? [];
    if (!Array.isArray(value)) throw new Error(`"${key}" must be an array`);
    return value.filter((v): v is JsonObject => v !== null && typeof v === 'object');
  };
  const state = new TenantState();
  for (const u of list('users')) state.users.set(String(u.user_id), u as UserRecord);
  for (const r of list('roles')) state.roles.set(String(r.id), r as unknown as RoleRecord);
  for (const entry of (data.roleMembers as unknown[] | undefined) ?? []) {
    if (Array.isArray(entry) && Array.isArray(entry[1]))
      state.roleMembers.set(String(entry[0]), new Set(entry[1].map(String)));
  }
  for (const c of list('connections')) state.connections.set(String(c.id), c as ConnectionRecord);
  for (const c of list('clients')) state.clients.set(String(c.client_id), c as ClientRecord);
  for (const l of list('logs')) state.logs.push(l as LogRecord);
  state.blocks = list('blocks') as unknown as BlockRecord[];
  state.tickets.push(...(list('tickets') as unknown as TicketRecord[]));
  for (const s of list('sessions')) state.sessions.set(String(s.id), s as SessionRecord);
  for (const entry of (data.enrollments as unknown[] | undefined) ?? []) {
    if (Array.isArray(entry) && Array.isArray(entry[1]))
      state.enrollments.set(String(entry[0]), entry[1] as EnrollmentRecord[]);
  }
  for (const j of list('jobs')) state.jobs.set(String(j.id), j as JobRecord);
  state.store = ResourceStore.fromJSON(data.store);
  state.restoreLogSequence();
  return state;
}

/** The lower-cased identifiers a brute-force block can name for a user. */
export function identifiersOf(user: UserRecord): string[] {
  return [user.email, user.username, user.phone_number]
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
    .map((v) => v.toLowerCase());
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random letters and digits, for ids of records created at run time. */
export function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Random lower-case hex, as Auth0 uses after `auth0|`. */
export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}
