/**
 * Where `snapshot_tenant` keeps its files: `<state dir>/snapshots/<tenant>/snap_<time>_<random>.json`,
 * directories 0700 and files 0600, written whole or not at all (a temporary file renamed into place).
 * Secrets are masked here whatever the profile says (a profile that reveals secrets to an agent still
 * never writes one to disk), long text such as action code is kept as a digest, each file is at most
 * {@link MAX_SNAPSHOT_BYTES}, and only the newest {@link KEEP_SNAPSHOTS} of a tenant are kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maskSecrets } from '../policy/secrets.js';
import {
  type SavedSnapshot,
  type SnapshotDocument,
  type SnapshotFiles,
  TaskError,
} from '../tools/tasks/index.js';

/** Largest snapshot file. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

/** Snapshots kept per tenant; older ones are deleted when a new one is written. */
export const KEEP_SNAPSHOTS = 20;

/** Text longer than this is stored as its digest: code and templates change, their content stays out. */
const MAX_TEXT = 1024;

/** Keys whose value is code or markup, stored as a digest whatever its length. */
const DIGESTED_KEYS = new Set(['code', 'customScripts', 'script', 'body', 'html', 'template']);

const ID = /^snap_\d{8}T\d{6}Z_[0-9a-f]{6}$/;

/** Options of {@link createSnapshotStore}. */
export interface SnapshotStoreOptions {
  /** The server's state directory. */
  stateDir: string;
  /** The tenant's name: each tenant's snapshots live apart. */
  tenant: string;
  /** The clock (tests move it). */
  now?: () => number;
}

/** The snapshot files of one tenant. */
export function createSnapshotStore(options: SnapshotStoreOptions): SnapshotFiles & { dir: string } {
  const dir = join(options.stateDir, 'snapshots', safeName(options.tenant));
  const now = options.now ?? Date.now;

  async function ids(): Promise<string[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    // Ids sort by time: the newest is last.
    return names
      .filter((n) => n.endsWith('.json') && ID.test(n.slice(0, -5)))
      .map((n) => n.slice(0, -5))
      .sort();
  }

  return {
    dir,
    prepare,
    async save(snapshot) {
      const text = `${JSON.stringify(prepare(snapshot))}\n`;
      const bytes = Buffer.byteLength(text);
      if (bytes > MAX_SNAPSHOT_BYTES) {
        throw new TaskError(
          'invalid_input',
          `The snapshot would take ${(bytes / 1048576).toFixed(1)} MiB, over the ${MAX_SNAPSHOT_BYTES / 1048576} MiB limit; nothing was written. Take it in parts with kinds.`,
        );
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const stamp = new Date(now())
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const id = `snap_${stamp}_${randomBytes(3).toString('hex')}`;
      const file = join(dir, `${id}.json`);
      const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
      await rename(temporary, file);
      const all = await ids();
      for (const old of all.slice(0, Math.max(0, all.length - KEEP_SNAPSHOTS)))
        await rm(join(dir, `${old}.json`), { force: true });
      return { id, file, bytes } satisfies SavedSnapshot;
    },
    async load(id) {
      if (id !== undefined && !ID.test(id)) {
        throw new TaskError('invalid_input', `snapshot: "${id.slice(0, 60)}" is not a snapshot id (snap_…).`);
      }
      const chosen = id ?? (await ids()).at(-1);
      if (!chosen) {
        throw new TaskError(
          'not_found',
          'No snapshot of this tenant is saved yet: run snapshot_tenant first.',
        );
      }
      const file = join(dir, `${chosen}.json`);
      const size = await stat(file).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined)
        throw new TaskError('not_found', `No snapshot ${chosen} of this tenant is saved.`);
      if (size > MAX_SNAPSHOT_BYTES)
        throw new TaskError('invalid_input', `Snapshot ${chosen} is too large to read.`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        throw new TaskError('invalid_input', `Snapshot ${chosen} is not readable JSON; take a new one.`);
      }
      const doc = parsed as Partial<SnapshotDocument>;
      if (doc.format !== 'tenant-mcp-snapshot/1' || typeof doc.kinds !== 'object' || doc.kinds === null) {
        throw new TaskError(
          'invalid_input',
          `Snapshot ${chosen} is not a tenant-mcp snapshot; take a new one.`,
        );
      }
      return { ...(doc as SnapshotDocument), id: chosen };
    },
  };
}

/**
 * `snapshot` with every secret masked (the one masking path's key list), code and long text replaced by
 * their digest, and nothing of the prototype carried over: what a file holds and what a live reading is
 * compared as.
 */
function prepare(snapshot: SnapshotDocument): SnapshotDocument {
  return digestLong(maskSecrets(JSON.parse(JSON.stringify(snapshot)))) as SnapshotDocument;
}

function digestLong(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (value.length <= MAX_TEXT && !(key && DIGESTED_KEYS.has(key) && value.length > 64)) return value;
    return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 32)} (${value.length} chars)`;
  }
  if (Array.isArray(value)) return value.map((item) => digestLong(item, key));
  if (typeof value !== 'object' || value === null) return value;
  if (key && DIGESTED_KEYS.has(key)) {
    const text = JSON.stringify(value);
    if (text.length > 64)
      return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 32)} (${text.length} chars)`;
  }
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    // Own data only: a key named __proto__ becomes a plain property, never a prototype.
    Object.defineProperty(out, name, {
      value: digestLong(inner, name),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A tenant name as a directory name: letters, digits, dot, dash and underscore. */
function safeName(name: string): string {
  const plain = name
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 64);
  return plain || 'tenant';
}
