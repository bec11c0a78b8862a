/**
 * Background jobs as Auth0 runs them: a job is `pending`, then `processing`, then `completed`, one
 * stage per `jobStepMs` of the sandbox clock, and its effect lands when it completes: an import
 * creates (or with `upsert` updates) the users of its file and records an error per refused user, an
 * export writes a gzipped file of users served under `/jobs-exports/`, a verification email marks the
 * sending. Every request settles jobs that are due, so their effects never wait for a poll.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ApiError, badBody } from '../http.js';
import {
  type JobRecord,
  type JsonObject,
  randomAlnum,
  randomHex,
  type TenantState,
  type UserRecord,
} from '../state.js';
import { findUser, type HandlerContext, type HandlerTable, isoNow, objectBody } from './context.js';

/** Largest import file the sandbox reads, in users (Auth0 caps files at 500 KB). */
const MAX_IMPORT_USERS = 10_000;

/** The stage a job is at after `elapsed` milliseconds. */
function stage(elapsed: number, step: number): 'pending' | 'processing' | 'completed' {
  if (elapsed < step) return 'pending';
  if (elapsed < 2 * step) return 'processing';
  return 'completed';
}

/** The job as the API answers it. */
function jobJson(job: JobRecord, nowMs: number, step: number): JsonObject {
  const { created_ms, done, effects, errors, file, ...rest } = job;
  const status = done ? 'completed' : stage(nowMs - created_ms, step);
  const out: JsonObject = { ...rest, status };
  if (status !== 'completed') {
    out.percentage_done = status === 'pending' ? 0 : 50;
    out.time_left_seconds = Math.ceil((2 * step - (nowMs - created_ms)) / 1000);
  } else {
    delete out.location_pending;
  }
  return out;
}

/** Applies the effects of every job that is due. */
export function settleJobs(state: TenantState, nowMs: number, step: number, origin: string): void {
  for (const job of state.jobs.values()) {
    if (job.done || nowMs - job.created_ms < 2 * step) continue;
    job.done = true;
    if (job.type === 'users_import') runImport(state, job, new Date(nowMs).toISOString());
    if (job.type === 'users_export') {
      const users = [...state.users.values()].filter(
        (u) => !job.connection || u.identities[0]?.connection === job.connection,
      );
      const fields = Array.isArray(job.fields)
        ? (job.fields as JsonObject[]).map((f) => String(f.name))
        : undefined;
      const lines = users.map((u) => {
        const { password_hash, ...visible } = u;
        const row = fields ? Object.fromEntries(fields.map((f) => [f, visible[f]])) : visible;
        return JSON.stringify(row);
      });
      job.file = gzipSync(`${lines.join('\n')}\n`).toString('base64');
      job.location = `${origin}/jobs-exports/${job.id}.json.gz`;
    }
  }
}

/** The gzipped export file of job `name` (`{id}.json.gz`), if it has one. */
export function exportFile(state: TenantState, name: string): Buffer | undefined {
  const id = name.replace(/\.json\.gz$/, '');
  const file = state.jobs.get(id)?.file;
  return typeof file === 'string' ? Buffer.from(file, 'base64') : undefined;
}

function runImport(state: TenantState, job: JobRecord, now: string): void {
  const connection = state.connections.get(String(job.connection_id));
  const users = (job.effects as JsonObject[] | undefined) ?? [];
  const errors: JsonObject[] = [];
  let inserted = 0;
  let updated = 0;
  for (const raw of users) {
    const problems: Array<{ code: string; message: string; path?: string }> = [];
    const email = typeof raw.email === 'string' ? raw.email : undefined;
    if (!email)
      problems.push({
        code: 'OBJECT_MISSING_REQUIRED_PROPERTY',
        message: 'Missing required property: email',
        path: 'email',
      });
    else if (!/^[^\s@]+@[^\s@]+$/.test(email))
      problems.push({
        code: 'INVALID_FORMAT',
        message: `Object didn't pass validation for format email: ${email}`,
        path: 'email',
      });
    const existing = email
      ? [...state.users.values()].find(
          (u) =>
            u.email?.toLowerCase() === email.toLowerCase() &&
            u.identities[0]?.connection === connection?.name,
        )
      : undefined;
    if (existing && job.upsert !== true && problems.length === 0)
      problems.push({ code: 'DUPLICATED_USER', message: 'The user already exists.' });
    if (problems.length > 0 || !connection || !email) {
      const { password_hash, custom_password_hash, ...shown } = raw;
      errors.push({ user: shown, errors: problems });
      continue;
    }
    const profile: JsonObject = {};
    for (const key of [
      'name',
      'nickname',
      'given_name',
      'family_name',
      'picture',
      'username',
      'email_verified',
      'blocked',
    ]) {
      if (raw[key] !== undefined) profile[key] = raw[key];
    }
    const meta = (key: string) => (raw[key] && typeof raw[key] === 'object' ? (raw[key] as JsonObject) : {});
    if (existing) {
      state.users.set(existing.user_id, {
        ...existing,
        ...profile,
        app_metadata: { ...existing.app_metadata, ...meta('app_metadata') },
        user_metadata: { ...existing.user_metadata, ...meta('user_metadata') },
        updated_at: now,
      });
      updated += 1;
      continue;
    }
    const localId = typeof raw.user_id === 'string' && raw.user_id ? raw.user_id : randomHex(24);
    const user: UserRecord = {
      user_id: `auth0|${localId}`,
      email,
      email_verified: raw.email_verified === true,
      name: email,
      nickname: email.split('@')[0]!,
      picture: `https://avatars.example.com/${encodeURIComponent(email.split('@')[0]!)}.png`,
      ...profile,
      created_at: now,
      updated_at: now,
      identities: [{ connection: connection.name, user_id: localId, provider: 'auth0', isSocial: false }],
      app_metadata: meta('app_metadata'),
      user_metadata: meta('user_metadata'),
      logins_count: 0,
    };
    if (typeof raw.password_hash === 'string')
      user.password_hash = createHash('sha256').update(raw.password_hash).digest('hex');
    state.users.set(user.user_id, user);
    inserted += 1;
  }
  job.errors = errors;
  job.summary = { failed: errors.length, updated, inserted, total: users.length };
  delete job.effects;
}

function newJob(ctx: HandlerContext, type: string, fields: JsonObject): JobRecord {
  const job: JobRecord = {
    id: `job_${randomAlnum(16)}`,
    type,
    status: 'pending',
    created_at: isoNow(ctx),
    created_ms: ctx.nowMs,
    ...fields,
  };
  ctx.state.jobs.set(job.id, job);
  return job;
}

function findJob(ctx: HandlerContext): JobRecord {
  const job = ctx.state.jobs.get(ctx.params.id ?? '');
  if (!job) throw new ApiError(404, 'The job does not exist.', 'inexistent_job');
  return job;
}

/** Reads the `users` file of an import: a JSON array of user objects. */
function importFile(text: unknown): JsonObject[] {
  if (typeof text !== 'string' || text.trim() === '') throw badBody("'Missing required property: users'.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Users file must be an array of user objects in JSON.', 'invalid_body');
  }
  if (!Array.isArray(parsed))
    throw new ApiError(400, 'Users file must be an array of user objects in JSON.', 'invalid_body');
  if (parsed.length > MAX_IMPORT_USERS)
    throw new ApiError(
      413,
      `The sandbox imports at most ${MAX_IMPORT_USERS} users a file.`,
      'payload_too_large',
    );
  return parsed.map((u) =>
    u !== null && typeof u === 'object' && !Array.isArray(u) ? (u as JsonObject) : {},
  );
}

/** Stateful handlers for jobs. */
export const jobHandlers: HandlerTable = {
  'post_users-imports': (ctx) => {
    const body = objectBody(ctx);
    const connectionId = body.connection_id;
    if (typeof connectionId !== 'string' || connectionId === '')
      throw badBody("'Missing required property: connection_id'.");
    const connection = ctx.state.connections.get(connectionId);
    if (!connection) throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
    if (connection.strategy !== 'auth0')
      throw new ApiError(
        400,
        'Users can only be imported into database connections.',
        'operation_not_supported',
      );
    const users = importFile(body.users);
    const flag = (v: unknown) => v === true || v === 'true';
    const job = newJob(ctx, 'users_import', {
      connection_id: connectionId,
      connection: connection.name,
      ...(typeof body.external_id === 'string' ? { external_id: body.external_id } : {}),
      upsert: flag(body.upsert),
      effects: users,
    });
    return { body: jobJson(job, ctx.nowMs, ctx.jobStepMs) };
  },
  'post_users-exports': (ctx) => {
    const body = objectBody(ctx);
    let connection: string | undefined;
    if (typeof body.connection_id === 'string') {
      const c = ctx.state.connections.get(body.connection_id);
      if (!c) throw new ApiError(404, 'The connection does not exist.', 'inexistent_connection');
      connection = c.name;
    }
    const job = newJob(ctx, 'users_export', {
      // Without a connection the export covers them all; the job still names one, as its schema needs.
      ...(typeof body.connection_id === 'string' ? { connection_id: body.connection_id } : {}),
      connection: connection ?? '',
      format: body.format ?? 'json',
      ...(Array.isArray(body.fields) ? { fields: body.fields } : {}),
    });
    return { body: jobJson(job, ctx.nowMs, ctx.jobStepMs) };
  },
  'post_verification-email': (ctx) => {
    const body = objectBody(ctx);
    const user = findUser(ctx, typeof body.user_id === 'string' ? body.user_id : undefined);
    if (!user.email) throw badBody("'the user has no email address to verify'.");
    if (typeof body.client_id === 'string' && !ctx.state.clients.has(body.client_id))
      throw new ApiError(404, 'The client does not exist.', 'inexistent_client');
    const job = newJob(ctx, 'verification_email', {});
    return { body: jobJson(job, ctx.nowMs, ctx.jobStepMs) };
  },
  get_jobs_by_id: (ctx) => ({ body: jobJson(findJob(ctx), ctx.nowMs, ctx.jobStepMs) }),
  get_errors: (ctx) => {
    const job = findJob(ctx);
    const errors = (job.errors as JsonObject[] | undefined) ?? [];
    // Auth0 answers 204 while a job has no errors to report.
    if (errors.length === 0) return { status: 204 };
    return { body: errors };
  },
};
