/**
 * The sandbox tenant's data, in memory. Records are stored close to the JSON the Management API returns
 * so handlers mostly copy them out; relations (role members, enabled clients) live in one place each.
 */
import { randomBytes } from 'node:crypto';

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

/** A role; `description` is kept although the API description's role schema omits it. */
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
  private logSequence = 0;

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

  /** Appends a log event, giving it a `log_id` that sorts after every earlier one. */
  addLog(event: NewLogEvent): LogRecord {
    this.logSequence += 1;
    const stamp = event.date.replace(/\D/g, '').slice(0, 14).padEnd(14, '0');
    const log = {
      ...event,
      log_id: `90020${stamp}${String(this.logSequence).padStart(37, '0')}`,
    } as LogRecord;
    this.logs.push(log);
    return log;
  }

  /** Drops a user and everything that points at them. */
  deleteUser(userId: string): void {
    const user = this.users.get(userId);
    this.users.delete(userId);
    for (const members of this.roleMembers.values()) members.delete(userId);
    for (const [id, session] of this.sessions) if (session.user_id === userId) this.sessions.delete(id);
    this.enrollments.delete(userId);
    if (user) {
      const ids = identifiersOf(user);
      this.blocks = this.blocks.filter((b) => !ids.includes(b.identifier.toLowerCase()));
    }
  }
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
