// The snapshot store keeps disk use bounded and secrets off disk whatever it is handed: masked keys,
// digested code, 0600 files under a 0700 directory per tenant, at most 8 MiB a file and 20 files a tenant,
// and ids that cannot name a file outside the directory.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSnapshotStore, KEEP_SNAPSHOTS, MAX_SNAPSHOT_BYTES } from '../../src/server/snapshots.js';
import type { SnapshotDocument } from '../../src/tools/tasks/index.js';

const doc = (kinds: SnapshotDocument['kinds']): SnapshotDocument => ({
  format: 'tenant-mcp-snapshot/1',
  provider: 'auth0',
  taken_at: '2026-12-01T00:00:00.000Z',
  kinds,
});

function store(tenant = 'prod') {
  let clock = Date.UTC(2026, 11, 1);
  const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-snapshots-'));
  return { stateDir, files: createSnapshotStore({ stateDir, tenant, now: () => (clock += 1000) }) };
}

describe('snapshot store', () => {
  it('masks secrets and digests code whatever it is given, and writes 0600 under 0700', async () => {
    const { files } = store();
    const code = `exports.onExecutePostLogin = async () => { const key = "sk_live_${'x'.repeat(80)}"; };`;
    const saved = await files.save(
      doc({
        clients: {
          c1: { name: 'App', data: { client_secret: 'raw-secret-value-0001', callbacks: ['https://a'] } },
        },
        actions: {
          a1: {
            name: 'Login',
            data: { code, secrets: [{ name: 'API_KEY', value: 'raw-secret-value-0002' }] },
          },
        },
      }),
    );
    const text = readFileSync(saved.file, 'utf8');
    expect(text).not.toContain('raw-secret-value-0001');
    expect(text).not.toContain('raw-secret-value-0002');
    expect(text).not.toContain('sk_live_');
    expect(text).toMatch(/"code":"sha256:[0-9a-f]{32} \(\d+ chars\)"/);
    expect(statSync(saved.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(saved.file, '..')).mode & 0o777).toBe(0o700);
    const loaded = await files.load(saved.id);
    expect(loaded.kinds.clients?.c1?.data).toEqual({ client_secret: '[masked]', callbacks: ['https://a'] });
  });

  it('keeps the newest 20 of a tenant and loads the newest by default', async () => {
    const { files } = store();
    const ids: string[] = [];
    for (let i = 0; i < KEEP_SNAPSHOTS + 3; i++) ids.push((await files.save(doc({ roles: {} }))).id);
    expect(readdirSync(files.dir)).toHaveLength(KEEP_SNAPSHOTS);
    expect((await files.load()).id).toBe(ids.at(-1));
    await expect(files.load(ids[0])).rejects.toThrow(/No snapshot snap_/);
  });

  it('refuses a snapshot over 8 MiB and writes nothing', async () => {
    const { files } = store();
    const big: SnapshotDocument['kinds'] = { clients: {} };
    // Strings under the digest limit, so the size is real after preparation.
    for (let i = 0; i < 10_000; i++) big.clients![`c${i}`] = { data: { a: 'x'.repeat(1000) } };
    expect(JSON.stringify(big).length).toBeGreaterThan(MAX_SNAPSHOT_BYTES);
    await expect(files.save(doc(big))).rejects.toThrow(/over the 8 MiB limit; nothing was written/);
    expect(existsSync(files.dir) ? readdirSync(files.dir) : []).toEqual([]);
  });

  it('reads only its own files by id, and says why it cannot', async () => {
    const { files } = store();
    await expect(files.load()).rejects.toThrow(/run snapshot_tenant first/);
    for (const id of ['../../audit', 'snap_20261201T000000Z_abcdef/../../x', 'audit.jsonl', '']) {
      await expect(files.load(id)).rejects.toThrow(/is not a snapshot id/);
    }
    const saved = await files.save(doc({}));
    writeFileSync(saved.file, '{"format":"other"}');
    await expect(files.load(saved.id)).rejects.toThrow(/not a tenant-mcp snapshot/);
    writeFileSync(saved.file, '{not json');
    await expect(files.load(saved.id)).rejects.toThrow(/not readable JSON/);
  });

  it("keeps each tenant apart, whatever characters the tenant's name holds", async () => {
    const { stateDir, files } = store('../../etc');
    await files.save(doc({}));
    expect(files.dir.startsWith(join(stateDir, 'snapshots'))).toBe(true);
    expect(readdirSync(join(stateDir, 'snapshots'))).toEqual(['__.._etc']);
  });

  it('never writes a prototype: a key named __proto__ stays a plain key', async () => {
    const { files } = store();
    const data = JSON.parse('{"__proto__":{"polluted":true},"name":"x"}');
    const saved = await files.save(doc({ clients: { c: { data } } }));
    const loaded = await files.load(saved.id);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(loaded.kinds.clients!.c!.data as object)).toContain('__proto__');
  });
});
