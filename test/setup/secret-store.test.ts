// Secrets out of config files: the real Secret Service keyring through secret-tool under a private
// D-Bus session, the 0600 file fallback always, and the macOS and Windows protocols against stand-ins.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fileStore,
  macosKeychainStore,
  type Runner,
  SecretStoreError,
  saveSecret,
  secretToolStore,
  windowsCredentialStore,
} from '../../src/setup/secret-store.js';
import { loadStoredTenant } from '../../src/setup/stored-tenant.js';
import { writeTenants } from '../../src/setup/tenants.js';
import { personToken, runCli, sandbox as startAuth0, startFromEntry, tempHome, text } from './helpers.js';

const SECRET = 'Sx9-secret_with-dashes_0123456789abcdefghijklmnopqrstuvwxyzABCDEF';

describe('file store (the fallback)', () => {
  it('writes 0600 in a 0700 directory, reads back, and refuses a file others can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-secrets-'));
    const store = fileStore(dir);
    await store.set('acme', SECRET, 'label');
    expect(statSync(store.path('acme')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(await store.get('acme')).toBe(SECRET);
    expect(await store.get('other')).toBeUndefined();
    chmodSync(store.path('acme'), 0o644);
    await expect(store.get('acme')).rejects.toThrow(
      /is readable by others \(mode 644\): it is not used; run chmod 600/,
    );
    await store.delete('acme');
    expect(await store.get('acme')).toBeUndefined();
  });

  it('is where auto goes when the keychain fails, and the reason is kept to be said', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-secrets-'));
    const missing: Runner = async () => {
      throw Object.assign(new Error('spawn secret-tool ENOENT'), { code: 'ENOENT' });
    };
    const saved = await saveSecret({
      prefer: 'auto',
      stateDir: dir,
      account: 'acme',
      secret: SECRET,
      label: 'l',
      platform: 'linux',
      store: { env: {}, run: missing },
    });
    expect(saved.store.kind).toBe('file');
    expect(saved.fallbackReason).toBe('secret-tool is not installed');
    expect(readFileSync(join(dir, 'secrets', 'acme'), 'utf8')).toBe(SECRET);
    await expect(
      saveSecret({
        prefer: 'keychain',
        stateDir: dir,
        account: 'b',
        secret: SECRET,
        label: 'l',
        platform: 'linux',
        store: { env: {}, run: missing },
      }),
    ).rejects.toThrow('the OS keychain cannot be used: secret-tool is not installed');
  });
});

/** Records what a stand-in tool was given and answers as scripted. */
function recorder(
  answer: (
    command: string,
    args: readonly string[],
    input: string | undefined,
    env: NodeJS.ProcessEnv,
  ) => { code: number; stdout?: string; stderr?: string },
) {
  const calls: Array<{
    command: string;
    args: readonly string[];
    input: string | undefined;
    env: NodeJS.ProcessEnv;
  }> = [];
  const run: Runner = async (command, args, { input, env }) => {
    calls.push({ command, args, input, env });
    const result = answer(command, args, input, env);
    return { code: result.code, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  };
  return { run, calls };
}

describe('macOS keychain protocol (stand-in for security)', () => {
  it('sends the secret on stdin to security -i, never on a command line, and reads it back', async () => {
    const kept = new Map<string, string>();
    const { run, calls } = recorder((_command, args, input) => {
      if (args[0] === '-i') {
        const m = /-a "([^"]*)" -s "tenant-mcp" -l "[^"]*" -w "([^"]*)"/.exec(input ?? '');
        if (!m) return { code: 1, stderr: 'parse error' };
        kept.set(m[1]!, m[2]!);
        return { code: 0 };
      }
      if (args[0] === 'find-generic-password') {
        const value = kept.get(String(args[2]));
        return value ? { code: 0, stdout: `${value}\n` } : { code: 44 };
      }
      return { code: 0 };
    });
    const store = macosKeychainStore({ env: {}, run });
    await store.set('acme', SECRET, 'tenant-mcp acme');
    expect(await store.get('acme')).toBe(SECRET);
    expect(await store.get('nobody')).toBeUndefined();
    for (const call of calls) expect(call.args.join(' ')).not.toContain(SECRET);
    await expect(store.set('acme', 'has"quote', 'l')).rejects.toBeInstanceOf(SecretStoreError);
  });
});

describe('Windows Credential Manager protocol (stand-in for powershell.exe)', () => {
  it('runs one constant encoded script; the target travels in the environment and the secret on stdin', async () => {
    const kept = new Map<string, string>();
    const { run, calls } = recorder((_command, _args, input, env) => {
      const target = String(env.TENANT_MCP_CREDENTIAL_TARGET);
      if (env.TENANT_MCP_CREDENTIAL_ACTION === 'write') kept.set(target, input ?? '');
      if (env.TENANT_MCP_CREDENTIAL_ACTION === 'read')
        return kept.has(target) ? { code: 0, stdout: kept.get(target)! } : { code: 3 };
      if (env.TENANT_MCP_CREDENTIAL_ACTION === 'delete') kept.delete(target);
      return { code: 0 };
    });
    const store = windowsCredentialStore({ env: {}, run });
    await store.set('acme', SECRET, 'l');
    expect(await store.get('acme')).toBe(SECRET);
    await store.delete('acme');
    expect(await store.get('acme')).toBeUndefined();
    expect(new Set(calls.map((c) => c.args.join(' '))).size).toBe(1);
    expect(calls[0]!.command).toBe('powershell.exe');
    expect(calls[0]!.env.TENANT_MCP_CREDENTIAL_TARGET).toBe('tenant-mcp:acme');
    const script = Buffer.from(String(calls[0]!.args.at(-1)), 'base64').toString('utf16le');
    expect(script).toContain('CredWriteW');
    expect(script).toContain('[Console]::In.ReadToEnd()');
    for (const call of calls) expect(call.args.join(' ')).not.toContain(SECRET);
  });
});

/** A private session bus with gnome-keyring's Secret Service on it, or why there cannot be one. */
async function privateKeyring(): Promise<{ env: NodeJS.ProcessEnv; stop(): void } | string> {
  for (const tool of ['secret-tool', 'gnome-keyring-daemon', 'dbus-daemon']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (Debian: libsecret-tools, gnome-keyring, dbus)`;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-keyring-'));
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(dir, 'share'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(runtime, 'bus')}`,
  };
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  const started = (child: ChildProcess, ready: (line: string) => boolean) =>
    new Promise<string | undefined>((resolve) => {
      let seen = '';
      const timer = setTimeout(() => resolve(`no sign of life in 10 s: ${seen.slice(0, 200)}`), 10_000);
      const look = (chunk: Buffer) => {
        seen += chunk.toString();
        if (ready(seen)) {
          clearTimeout(timer);
          resolve(undefined);
        }
      };
      child.stdout?.on('data', look);
      child.stderr?.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(`exited with ${code}: ${seen.slice(0, 200)}`);
      });
    });
  const bus = spawn(
    'dbus-daemon',
    [
      '--session',
      '--nofork',
      '--nopidfile',
      `--address=${env.DBUS_SESSION_BUS_ADDRESS}`,
      '--print-address=1',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(bus);
  const busProblem = await started(bus, (seen) => seen.includes('unix:path='));
  if (busProblem) {
    stop();
    return `dbus-daemon did not start: ${busProblem}`;
  }
  // --unlock reads the new keyring's password on stdin, so no prompt is ever shown.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(keyring);
  keyring.stdin.end('test-keyring-password');
  let keyringOutput = '';
  keyring.stderr.on('data', (chunk: Buffer) => {
    keyringOutput += chunk.toString();
  });
  // The daemon prints nothing when ready: wait for a store to work, a bounded number of tries.
  const store = secretToolStore({ env, timeoutMs: 5000 });
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await store.set('probe', 'probe-value', 'probe');
      if ((await store.get('probe')) === 'probe-value') return { env, stop };
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  return `the Secret Service never answered on the private bus${keyring.exitCode !== null ? ` (gnome-keyring-daemon exited ${keyring.exitCode}: ${keyringOutput.slice(0, 200)})` : ''}`;
}

describe('Secret Service keyring through secret-tool (private D-Bus, gnome-keyring-daemon)', () => {
  let keyring: { env: NodeJS.ProcessEnv; stop(): void } | undefined;
  let skipped: string | undefined;

  beforeAll(async () => {
    const result = await privateKeyring();
    if (typeof result === 'string') {
      skipped = result;
      process.stdout.write(`keychain test skipped: ${result}\n`);
    } else keyring = result;
  });
  afterAll(() => keyring?.stop());

  it('stores, reads back and clears a secret, which no command line carries', async (ctx) => {
    if (!keyring) return ctx.skip(skipped);
    const store = secretToolStore({ env: keyring.env });
    await store.set('acme', SECRET, 'tenant-mcp acme (acme.eu.auth0.com) client secret');
    expect(await store.get('acme')).toBe(SECRET);
    expect(await store.get('nobody')).toBeUndefined();
    await store.delete('acme');
    expect(await store.get('acme')).toBeUndefined();
  });

  it('init keeps the created application’s secret there, and the server from the written config reads it back', async (ctx) => {
    if (!keyring) return ctx.skip(skipped);
    const tenant = await startAuth0();
    try {
      const { home, env } = tempHome();
      const withBus = {
        ...env,
        DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS,
        XDG_RUNTIME_DIR: keyring.env.XDG_RUNTIME_DIR,
      };
      const ran = await runCli(
        [
          'init',
          '--domain',
          tenant.url,
          '--tenant',
          'kc',
          '--client',
          'cursor',
          '--secret-store',
          'keychain',
          '--token-stdin',
          '--yes',
        ],
        withBus,
        await personToken(tenant),
      );
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('The secret is in the Secret Service keyring (secret-tool).');
      const created = [...tenant.state.clients.values()].find((c) => c.name === 'tenant-mcp kc (read-only)')!;
      // Nowhere on disk under the home: only in the keyring.
      const { filesUnder } = await import('./helpers.js');
      for (const file of filesUnder(home))
        expect(file.text, file.path).not.toContain(String(created.client_secret));
      const stored = JSON.parse(readFileSync(join(home, '.tenant-mcp', 'tenants.json'), 'utf8')).tenants.kc;
      expect(stored.secret).toEqual({ store: 'secret-tool', account: 'kc' });
      const entry = JSON.parse(readFileSync(join(home, '.cursor', 'mcp.json'), 'utf8')).mcpServers[
        'auth0-kc'
      ];
      const server = await startFromEntry(entry, withBus);
      try {
        const roles = await server.client.callTool({
          name: 'invoke_read_operation',
          arguments: { operation: 'get_roles', arguments: {} },
        });
        expect(roles.isError, `${text(roles)} ${server.stderr()}`).not.toBe(true);
      } finally {
        await server.close();
      }
      // Without the session bus the keyring is out of reach, and the server says which tenant and store.
      const cut = await runCli(['--tenant', 'kc'], {
        ...env,
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      });
      expect(cut.code).toBe(2);
      expect(cut.stderr).toContain(
        'tenant "kc": its secret cannot be read from the Secret Service keyring (secret-tool)',
      );
    } finally {
      await tenant.close();
    }
  });
});

describe('moving a secret into the keychain', () => {
  it('init --tenant NAME --secret-store keychain moves a file-kept secret there and removes the file', async (ctx) => {
    const keyring = await privateKeyring();
    if (typeof keyring === 'string') return ctx.skip(keyring);
    const tenant = await startAuth0();
    try {
      const { home, env } = tempHome();
      const withBus = { ...env, DBUS_SESSION_BUS_ADDRESS: keyring.env.DBUS_SESSION_BUS_ADDRESS };
      const made = await runCli(
        [
          'init',
          '--domain',
          tenant.url,
          '--tenant',
          'mv',
          '--client',
          'none',
          '--secret-store',
          'file',
          '--token-stdin',
          '--yes',
        ],
        withBus,
        await personToken(tenant),
      );
      expect(made.code, made.stderr).toBe(0);
      const file = join(home, '.tenant-mcp', 'secrets', 'mv');
      const secret = readFileSync(file, 'utf8');
      const moved = await runCli(['init', '--tenant', 'mv', '--secret-store', 'keychain'], withBus);
      expect(moved.code, moved.stderr).toBe(0);
      expect(moved.stdout).toContain('Moved the secret to the Secret Service keyring (secret-tool)');
      expect(existsSync(file)).toBe(false);
      expect(await secretToolStore({ env: keyring.env }).get('mv')).toBe(secret);
      const doctor = await runCli(['doctor', '--tenant', 'mv'], withBus);
      expect(doctor.stdout).toMatch(/ok {4}credentials +client secret in the Secret Service keyring/);
    } finally {
      keyring.stop();
      await tenant.close();
    }
  });
});

describe('loadStoredTenant', () => {
  it('reads the secret from its store, lets AUTH0_CLIENT_SECRET win, and names what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-state-'));
    await fileStore(dir).set('acme', SECRET, 'l');
    writeTenants(
      dir,
      new Map([
        [
          'acme',
          {
            provider: 'auth0',
            domain: 'acme.eu.auth0.com',
            client_id: 'cid',
            profile: 'helpdesk',
            secret: { store: 'file', account: 'acme' },
            application: 'created',
            created_at: '2026-01-01T00:00:00Z',
            configs: [],
          },
        ],
      ]),
    );
    const loaded = await loadStoredTenant('acme', { stateDir: dir, env: {} });
    expect(loaded).toMatchObject({
      provider: 'auth0',
      profileName: 'helpdesk',
      auth: { clientId: 'cid', clientSecret: SECRET },
    });
    const overridden = await loadStoredTenant('acme', {
      stateDir: dir,
      env: { AUTH0_CLIENT_SECRET: 'from-env' },
    });
    expect(overridden?.auth).toMatchObject({ clientSecret: 'from-env' });
    expect(await loadStoredTenant('other', { stateDir: dir, env: {} })).toBeUndefined();
    await fileStore(dir).delete('acme');
    await expect(loadStoredTenant('acme', { stateDir: dir, env: {} })).rejects.toThrow(
      /tenant "acme": a file readable only by you, under .* holds no secret for it; run `tenant-mcp init --tenant acme` again, or set AUTH0_CLIENT_SECRET/,
    );
  });

  it('refuses a tenants file that is not what init writes, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-mcp-state-'));
    const write = (text: string) => writeFileSync(join(dir, 'tenants.json'), text);
    write('{"version":1,"tenants":{"__proto__":{"provider":"auth0"}}}');
    await expect(loadStoredTenant('x', { stateDir: dir, env: {} })).rejects.toThrow(
      /tenants\.json: tenants\.__proto__/,
    );
    write('{"version":1,"tenants":{"a":{"provider":"okta"}}}');
    await expect(loadStoredTenant('a', { stateDir: dir, env: {} })).rejects.toThrow(
      /tenants\.json: tenants\.a\.provider/,
    );
    write('not json');
    await expect(loadStoredTenant('a', { stateDir: dir, env: {} })).rejects.toThrow(/is not JSON/);
  });
});
