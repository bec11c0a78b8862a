/**
 * Where a tenant's secret lives: the OS keychain, reached through the OS's own tool (macOS `security`,
 * libsecret's `secret-tool`, Windows Credential Manager through PowerShell), spawned rather than linked
 * so that nothing native has to build on install; or, where none works, a file only its owner can read.
 * Secrets travel to and from the tools on stdin and stdout, never on a command line another user's
 * `ps` could show.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The kinds of store; recorded per tenant so the server reads the secret back from the same one. */
export type SecretStoreKind = 'macos-keychain' | 'secret-tool' | 'windows-credential-manager' | 'file';

/** Service name every keychain entry is filed under. */
export const KEYCHAIN_SERVICE = 'tenant-mcp';

/** A place to keep secrets. */
export interface SecretStore {
  /** Which one. */
  readonly kind: SecretStoreKind;
  /** How a person would name it, e.g. `the login keyring (secret-tool)`. */
  readonly description: string;
  /** Stores (or replaces) the secret of `account`. */
  set(account: string, secret: string, label: string): Promise<void>;
  /** The secret of `account`, or `undefined` when the store has none. */
  get(account: string): Promise<string | undefined>;
  /** Removes the secret of `account`; nothing when there is none. */
  delete(account: string): Promise<void>;
}

/** What a spawned tool answered. */
export interface RunResult {
  /** Exit code (`null` when killed). */
  code: number | null;
  /** Standard output, at most {@link MAX_OUTPUT} bytes. */
  stdout: string;
  /** Standard error, at most {@link MAX_OUTPUT} bytes. */
  stderr: string;
}

/** Runs a tool; the default spawns it. Tests pass stand-ins for tools this machine does not have. */
export type Runner = (
  command: string,
  args: readonly string[],
  options: { input?: string; env: NodeJS.ProcessEnv; timeoutMs: number },
) => Promise<RunResult>;

/** A keychain tool's error that says why, for the fallback message and for doctor. */
export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
}

const MAX_OUTPUT = 64 * 1024;
/** A locked keyring may show its unlock prompt; a person needs time to answer it. */
const TOOL_TIMEOUT_MS = 30_000;

/** Spawns `command`, feeds `input` on stdin, and collects bounded output; rejects only when it cannot start. */
export const spawnTool: Runner = (command, args, { input, env, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < MAX_OUTPUT) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < MAX_OUTPUT) err.push(chunk);
      errBytes += chunk.length;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8').slice(0, MAX_OUTPUT),
        stderr: Buffer.concat(err).toString('utf8').slice(0, MAX_OUTPUT),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });

/** Options shared by the stores. */
export interface StoreOptions {
  /** Environment of the spawned tool (the D-Bus session address travels in it). */
  env: NodeJS.ProcessEnv;
  /** Spawns tools; {@link spawnTool} by default. */
  run?: Runner;
  /** Per-call limit in milliseconds (default 30 s). */
  timeoutMs?: number;
}

async function runTool(
  tool: string,
  args: readonly string[],
  options: StoreOptions,
  input?: string,
): Promise<RunResult> {
  const run = options.run ?? spawnTool;
  const timeoutMs = options.timeoutMs ?? TOOL_TIMEOUT_MS;
  let result: RunResult;
  try {
    result = await run(tool, args, {
      ...(input !== undefined ? { input } : {}),
      env: options.env,
      timeoutMs,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SecretStoreError(
      code === 'ENOENT' ? `${tool} is not installed` : `${tool} could not start: ${(error as Error).message}`,
    );
  }
  if (result.code === null)
    throw new SecretStoreError(
      `${tool} did not answer within ${Math.round(timeoutMs / 1000)} s (a locked keyring waiting for its password?)`,
    );
  return result;
}

function failure(tool: string, result: RunResult): SecretStoreError {
  const said = result.stderr.trim().split('\n')[0]?.slice(0, 300);
  return new SecretStoreError(`${tool} failed (exit ${result.code})${said ? `: ${said}` : ''}`);
}

/** libsecret's `secret-tool`: GNOME Keyring, KWallet or any Secret Service on the session D-Bus. */
export function secretToolStore(options: StoreOptions): SecretStore {
  const attributes = (account: string) => ['service', KEYCHAIN_SERVICE, 'account', account];
  return {
    kind: 'secret-tool',
    description: 'the Secret Service keyring (secret-tool)',
    async set(account, secret, label) {
      const result = await runTool(
        'secret-tool',
        ['store', `--label=${label}`, ...attributes(account)],
        options,
        secret,
      );
      if (result.code !== 0) throw failure('secret-tool', result);
    },
    async get(account) {
      const result = await runTool('secret-tool', ['lookup', ...attributes(account)], options);
      // secret-tool answers 1 with nothing on stderr when there is no such item.
      if (result.code === 1 && !result.stderr.trim()) return undefined;
      if (result.code !== 0) throw failure('secret-tool', result);
      return result.stdout;
    },
    async delete(account) {
      const result = await runTool('secret-tool', ['clear', ...attributes(account)], options);
      if (result.code !== 0 && result.stderr.trim()) throw failure('secret-tool', result);
    },
  };
}

/** `security -i` reads quoted words; a value it could not carry intact is refused rather than mangled. */
const SECURITY_SAFE = /^[^"\\\r\n\0]*$/;

/** The macOS login keychain through `security`. */
export function macosKeychainStore(options: StoreOptions): SecretStore {
  return {
    kind: 'macos-keychain',
    description: 'the macOS login keychain (security)',
    async set(account, secret, label) {
      if (![account, secret, label].every((value) => SECURITY_SAFE.test(value)))
        throw new SecretStoreError(
          'the secret holds a quote, backslash or line break `security` cannot take',
        );
      // Interactive mode reads the command from stdin, so the secret never sits on a command line.
      const command = `add-generic-password -U -a "${account}" -s "${KEYCHAIN_SERVICE}" -l "${label}" -w "${secret}"\n`;
      const result = await runTool('security', ['-i'], options, command);
      if (result.code !== 0 || /error|fail/i.test(result.stderr)) throw failure('security', result);
    },
    async get(account) {
      const result = await runTool(
        'security',
        ['find-generic-password', '-a', account, '-s', KEYCHAIN_SERVICE, '-w'],
        options,
      );
      if (result.code === 44) return undefined; // errSecItemNotFound
      if (result.code !== 0) throw failure('security', result);
      return result.stdout.replace(/\n$/, '');
    },
    async delete(account) {
      const result = await runTool(
        'security',
        ['delete-generic-password', '-a', account, '-s', KEYCHAIN_SERVICE],
        options,
      );
      if (result.code !== 0 && result.code !== 44) throw failure('security', result);
    },
  };
}

/**
 * Windows Credential Manager through PowerShell: CredWrite, CredRead and CredDelete of advapi32 called
 * with P/Invoke (Windows PowerShell has no cmdlet for generic credentials). The target and the action
 * travel in environment variables and the secret on stdin, so the script itself is constant.
 */
const WINDOWS_SCRIPT = `$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System; using System.Runtime.InteropServices; using System.Text;
public static class TenantMcpCredential {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  struct CREDENTIAL {
    public int Flags; public int Type; public string TargetName; public string Comment;
    public System.Runtime.InteropServices.ComTypes.FILETIME LastWritten; public int CredentialBlobSize;
    public IntPtr CredentialBlob; public int Persist; public int AttributeCount; public IntPtr Attributes;
    public string TargetAlias; public string UserName;
  }
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredWriteW(ref CREDENTIAL credential, int flags);
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredReadW(string target, int type, int flags, out IntPtr credential);
  [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
  static extern bool CredDeleteW(string target, int type, int flags);
  [DllImport("advapi32.dll")] static extern void CredFree(IntPtr credential);
  const int NOT_FOUND = 1168;
  public static void Write(string target, string user, string secret) {
    byte[] blob = Encoding.UTF8.GetBytes(secret);
    CREDENTIAL c = new CREDENTIAL();
    c.Type = 1; c.Persist = 2; c.TargetName = target; c.UserName = user;
    c.CredentialBlobSize = blob.Length; c.CredentialBlob = Marshal.AllocHGlobal(blob.Length);
    try {
      Marshal.Copy(blob, 0, c.CredentialBlob, blob.Length);
      if (!CredWriteW(ref c, 0)) throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
    } finally { Marshal.FreeHGlobal(c.CredentialBlob); }
  }
  public static string Read(string target) {
    IntPtr p;
    if (!CredReadW(target, 1, 0, out p)) {
      int e = Marshal.GetLastWin32Error();
      if (e == NOT_FOUND) return null;
      throw new System.ComponentModel.Win32Exception(e);
    }
    try {
      CREDENTIAL c = (CREDENTIAL)Marshal.PtrToStructure(p, typeof(CREDENTIAL));
      byte[] b = new byte[c.CredentialBlobSize];
      Marshal.Copy(c.CredentialBlob, b, 0, b.Length);
      return Encoding.UTF8.GetString(b);
    } finally { CredFree(p); }
  }
  public static void Delete(string target) {
    if (CredDeleteW(target, 1, 0)) return;
    int e = Marshal.GetLastWin32Error();
    if (e != NOT_FOUND) throw new System.ComponentModel.Win32Exception(e);
  }
}
'@
$target = $env:TENANT_MCP_CREDENTIAL_TARGET
switch ($env:TENANT_MCP_CREDENTIAL_ACTION) {
  'write' { [TenantMcpCredential]::Write($target, $env:TENANT_MCP_CREDENTIAL_USER, [Console]::In.ReadToEnd()) }
  'read' { $s = [TenantMcpCredential]::Read($target); if ($null -eq $s) { exit 3 }; [Console]::Out.Write($s) }
  'delete' { [TenantMcpCredential]::Delete($target) }
}`;

/** Windows Credential Manager, a generic credential named `tenant-mcp:<account>`. */
export function windowsCredentialStore(options: StoreOptions): SecretStore {
  const encoded = Buffer.from(WINDOWS_SCRIPT, 'utf16le').toString('base64');
  const invoke = (action: string, account: string, input?: string) =>
    runTool(
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded],
      {
        ...options,
        env: {
          ...options.env,
          TENANT_MCP_CREDENTIAL_ACTION: action,
          TENANT_MCP_CREDENTIAL_TARGET: `${KEYCHAIN_SERVICE}:${account}`,
          TENANT_MCP_CREDENTIAL_USER: account,
        },
      },
      input,
    );
  return {
    kind: 'windows-credential-manager',
    description: 'Windows Credential Manager (PowerShell)',
    async set(account, secret) {
      const result = await invoke('write', account, secret);
      if (result.code !== 0) throw failure('powershell.exe', result);
    },
    async get(account) {
      const result = await invoke('read', account);
      if (result.code === 3) return undefined;
      if (result.code !== 0) throw failure('powershell.exe', result);
      return result.stdout;
    },
    async delete(account) {
      const result = await invoke('delete', account);
      if (result.code !== 0) throw failure('powershell.exe', result);
    },
  };
}

/** A file name for an account: tenant names are already plain, but the account may carry a path. */
function fileName(account: string): string {
  return account.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
}

/** The fallback: `<state dir>/secrets/<account>`, mode 0600 in a 0700 directory. */
export function fileStore(stateDir: string): SecretStore & { path(account: string): string } {
  const dir = join(stateDir, 'secrets');
  const path = (account: string) => join(dir, fileName(account));
  return {
    kind: 'file',
    description: `a file readable only by you, under ${dir}`,
    path,
    async set(account, secret) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (process.platform !== 'win32') chmodSync(dir, 0o700);
      const target = path(account);
      const tmp = `${target}.${process.pid}.tmp`;
      writeFileSync(tmp, secret, { mode: 0o600 });
      renameSync(tmp, target);
    },
    async get(account) {
      const target = path(account);
      let mode: number;
      try {
        const stat = statSync(target);
        mode = stat.mode;
        if (process.platform !== 'win32' && process.getuid && stat.uid !== process.getuid())
          throw new SecretStoreError(`${target} belongs to another user: it is not used`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      if (process.platform !== 'win32' && (mode & 0o077) !== 0)
        throw new SecretStoreError(
          `${target} is readable by others (mode ${(mode & 0o777).toString(8)}): it is not used; run chmod 600 on it`,
        );
      return readFileSync(target, 'utf8');
    },
    async delete(account) {
      rmSync(path(account), { force: true });
    },
  };
}

/** The OS keychain of `platform`, or `undefined` where tenant-mcp knows none. */
export function keychainStore(platform: NodeJS.Platform, options: StoreOptions): SecretStore | undefined {
  if (platform === 'darwin') return macosKeychainStore(options);
  if (platform === 'win32') return windowsCredentialStore(options);
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd')
    return secretToolStore(options);
  return undefined;
}

/** The store of a recorded kind. */
export function storeOfKind(kind: SecretStoreKind, stateDir: string, options: StoreOptions): SecretStore {
  switch (kind) {
    case 'file':
      return fileStore(stateDir);
    case 'secret-tool':
      return secretToolStore(options);
    case 'macos-keychain':
      return macosKeychainStore(options);
    case 'windows-credential-manager':
      return windowsCredentialStore(options);
  }
}

/** Where {@link saveSecret} put a secret. */
export interface SavedSecret {
  /** The store that holds it. */
  store: SecretStore;
  /** Why the keychain was not used, when the file fallback was. */
  fallbackReason?: string;
}

/**
 * Stores a secret in the OS keychain (`prefer: 'auto'` or `'keychain'`) or a 0600 file (`'file'`). With
 * `auto`, a keychain that fails (no tool, no D-Bus session, a locked keyring) leaves the secret in the
 * file and says why; with `keychain` that failure is an error. A keychain write is read back before it
 * counts, since a write that seems to work and reads back nothing would break the server later.
 */
export async function saveSecret(options: {
  prefer: 'auto' | 'keychain' | 'file';
  stateDir: string;
  account: string;
  secret: string;
  label: string;
  platform: NodeJS.Platform;
  store: StoreOptions;
}): Promise<SavedSecret> {
  const file = fileStore(options.stateDir);
  if (options.prefer === 'file') {
    await file.set(options.account, options.secret, options.label);
    return { store: file };
  }
  const keychain = keychainStore(options.platform, options.store);
  let reason = `tenant-mcp knows no keychain on ${options.platform}`;
  if (keychain) {
    try {
      await keychain.set(options.account, options.secret, options.label);
      if ((await keychain.get(options.account)) !== options.secret)
        throw new SecretStoreError(`${keychain.description} did not give the secret back`);
      await file.delete(options.account);
      return { store: keychain };
    } catch (error) {
      reason = (error as Error).message;
    }
  }
  if (options.prefer === 'keychain') throw new SecretStoreError(`the OS keychain cannot be used: ${reason}`);
  await file.set(options.account, options.secret, options.label);
  return { store: file, fallbackReason: reason };
}
