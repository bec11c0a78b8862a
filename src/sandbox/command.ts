/**
 * `tenant-mcp sandbox`: runs a sandbox tenant alone until SIGINT or SIGTERM, for people and for clients
 * that are not the MCP server (the Auth0 SDK, the Deploy CLI, Auth0's MCP server). Unlike the sandbox the
 * server embeds, it enforces a realistic rate limit by default.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The flags the command reads (as `parseArgs` gives them). */
export interface SandboxFlags {
  /** TCP port (default 4010). */
  port?: string | undefined;
  /** Bind address (default 127.0.0.1). */
  host?: string | undefined;
  /** `auth0` (default) or `monocloud`. */
  provider?: string | undefined;
  /** Serve HTTPS with a generated CA. */
  tls?: boolean | undefined;
  /** JSON file to load the tenant from and save it to. */
  state?: string | undefined;
  /** `demo` (default) or `none`. */
  seed?: string | undefined;
  /** `realistic` (default) or `off`. */
  'rate-limit'?: string | undefined;
}

/** What the command needs from the CLI around it. */
export interface SandboxCommandIo {
  /** Writes one line to stderr. */
  log(line: string): void;
  /** Resolves on SIGINT or SIGTERM. */
  waitForSignal(): Promise<void>;
  /** The CLI's error for a bad flag (exit 2). */
  fail(message: string): Error;
}

/** Parses the flags, starts the sandbox, prints how to reach it, and stops it on a signal. */
export async function runSandboxCommand(flags: SandboxFlags, io: SandboxCommandIo): Promise<number> {
  const port = flags.port === undefined ? 4010 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw io.fail(`--port "${flags.port}" is not a port number (0-65535).`);
  const provider = flags.provider ?? 'auth0';
  if (provider !== 'auth0' && provider !== 'monocloud')
    throw io.fail(`--provider "${provider}" is not a sandbox: use auth0 or monocloud.`);
  const seed = flags.seed ?? 'demo';
  if (seed !== 'demo' && seed !== 'none') throw io.fail(`--seed "${seed}": use demo or none.`);
  const rate = flags['rate-limit'] ?? 'realistic';
  if (rate !== 'realistic' && rate !== 'off') throw io.fail(`--rate-limit "${rate}": use realistic or off.`);
  const host = flags.host ?? '127.0.0.1';

  if (provider === 'monocloud') {
    // MonoCloud publishes no rate-limit headers to imitate; a limit asked for by name is refused, not ignored.
    if (flags['rate-limit'] === 'realistic')
      throw io.fail(
        '--rate-limit realistic is not modelled for the MonoCloud sandbox; leave it out or use off.',
      );
    const { startMonoCloudSandbox } = await import('./monocloud/index.js');
    const sandbox = await startMonoCloudSandbox({
      port,
      host,
      seed,
      tls: flags.tls === true,
      ...(flags.state ? { stateFile: flags.state } : {}),
    });
    io.log(`tenant-mcp MonoCloud sandbox listening on ${sandbox.url} (API under ${sandbox.url}/api)`);
    io.log(`  MONOCLOUD_MANAGEMENT_DOMAIN=${sandbox.url} MONOCLOUD_MANAGEMENT_API_KEY=${sandbox.apiKey}`);
    if (sandbox.tls) logCa(io, sandbox.tls.ca);
    if (flags.state) io.log(`  state: ${flags.state} (saved after every change)`);
    await io.waitForSignal();
    await sandbox.close();
    return 0;
  }

  const { startSandbox, REALISTIC_RATE_LIMIT } = await import('./index.js');
  const sandbox = await startSandbox({
    port,
    host,
    seed,
    tls: flags.tls === true,
    rateLimit: rate === 'off' ? false : REALISTIC_RATE_LIMIT,
    ...(flags.state ? { stateFile: flags.state } : {}),
  });
  io.log(`tenant-mcp sandbox listening on ${sandbox.url}`);
  io.log(
    `  AUTH0_DOMAIN=${sandbox.url} AUTH0_CLIENT_ID=${sandbox.clientId} AUTH0_CLIENT_SECRET=${sandbox.clientSecret}`,
  );
  if (sandbox.tls) logCa(io, sandbox.tls.ca);
  if (flags.state) io.log(`  state: ${flags.state} (saved after every change)`);
  if (rate === 'realistic')
    io.log(
      `  rate limit: ${REALISTIC_RATE_LIMIT.limit} at once, ${REALISTIC_RATE_LIMIT.perSecond}/s after (--rate-limit off to lift it)`,
    );
  await io.waitForSignal();
  await sandbox.close();
  return 0;
}

/** Writes the generated CA where a client can read it, and says where. */
function logCa(io: SandboxCommandIo, ca: string): void {
  const caPath = join(mkdtempSync(join(tmpdir(), 'tenant-mcp-sandbox-')), 'ca.pem');
  writeFileSync(caPath, ca, { mode: 0o600 });
  io.log(`  CA certificate: ${caPath} (trust it with NODE_EXTRA_CA_CERTS=${caPath})`);
}
