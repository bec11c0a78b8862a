#!/usr/bin/env node
/**
 * The command line: parses flags, composes executor → policy gate → server, and attaches stdio. This is
 * the only place that wires the stages together; it hands calls to nobody.
 */
import { parseArgs } from 'node:util';
import { createDeferredExecutor, type DeferredExecutor } from './executor/deferred.js';
import { type Config, ConfigError, loadConfig } from './server/config.js';
import { VERSION } from './version.js';

const HELP = `tenant-mcp ${VERSION}: an MCP server for managing an Auth0 tenant safely.

Usage:
  tenant-mcp [--profile read-only|admin] [--toolsets users,logs,...]
      Serve MCP over stdio. With no AUTH0_* variables set, an embedded sandbox tenant is started.
  tenant-mcp sandbox [--port N] [--host 127.0.0.1]
      Run the sandbox tenant alone over HTTP (point AUTH0_DOMAIN=http://127.0.0.1:N at it).
  tenant-mcp --help | --version

Options:
  --profile    read-only (default: reads only) or admin (reads and writes)
  --toolsets   also list every operation of these toolsets as its own tool ("all" for every one)

Environment:
  AUTH0_DOMAIN         tenant domain (acme.eu.auth0.com), or a URL with a scheme used as is
  AUTH0_CLIENT_ID      client-credentials application id
  AUTH0_CLIENT_SECRET  its secret
  AUTH0_AUDIENCE       token audience (default https://{domain}/api/v2/)
  AUTH0_TOKEN          a Management API token, instead of client credentials
  TENANT_MCP_PROFILE   default profile
Logs go to stderr; stdout carries only the protocol.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      toolsets: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  if (positionals.length > 1) throw new ConfigError(`Unexpected argument "${positionals[1]}"; see --help.`);
  if (command === 'sandbox') return runSandbox(values.port, values.host);
  if (command !== 'serve') throw new ConfigError(`Unknown command "${command}"; see --help.`);
  if (values.port || values.host)
    throw new ConfigError('--port and --host apply to "tenant-mcp sandbox" only.');
  return serve(values);
}

async function runSandbox(portText: string | undefined, host: string | undefined): Promise<number> {
  const port = portText === undefined ? 4010 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port "${portText}" is not a port number (0-65535).`);
  }
  const { startSandbox } = await import('./sandbox/index.js');
  const sandbox = await startSandbox({ port, ...(host ? { host } : {}) });
  log(`tenant-mcp sandbox listening on ${sandbox.url}`);
  log(
    `  AUTH0_DOMAIN=${sandbox.url} AUTH0_CLIENT_ID=${sandbox.clientId} AUTH0_CLIENT_SECRET=${sandbox.clientSecret}`,
  );
  await waitForSignal();
  await sandbox.close();
  return 0;
}

async function serve(flags: { profile?: string; toolsets?: string }): Promise<number> {
  const { auth0Catalog } = await import('./tools/auth0/index.js');
  const toolsets = [...new Set(auth0Catalog.operations.map((op) => op.toolset))];
  const config = loadConfig(flags, process.env, toolsets);
  const [{ createGate }, { createServer }, { StdioServerTransport }] = await Promise.all([
    import('./policy/index.js'),
    import('./server/create-server.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const tenant = connectTenant(config);
  const gate = createGate({ catalog: auth0Catalog, profile: config.profile, executor: tenant.executor });
  const server = createServer({
    gate,
    catalog: auth0Catalog,
    toolsets: config.toolsets,
    sandbox: config.mode === 'sandbox',
    version: VERSION,
    log,
  });
  const listed = gate.visibleOperations().filter((op) => config.toolsets.includes(op.toolset)).length;
  if (listed > 40)
    log(`tenant-mcp: ${listed} per-operation tools listed; some clients cap tools at 40 or 128.`);
  // Set the tenant side up once the handshake is done, so `initialize` is answered first; a failure
  // surfaces on the first call that needs the tenant.
  server.oninitialized = () => {
    tenant.executor
      .start()
      .catch((error: Error) => log(`tenant-mcp: tenant connection failed: ${error.message}`));
  };
  await server.connect(new StdioServerTransport());
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await Promise.race([closed, waitForSignal()]);
  await server.close().catch(() => {});
  await tenant.close();
  return 0;
}

/** The tenant side: a real tenant, or an embedded sandbox, set up after the handshake or on first use. */
function connectTenant(config: Config): { executor: DeferredExecutor; close(): Promise<void> } {
  let sandbox: { close(): Promise<void> } | undefined;
  const executor = createDeferredExecutor(async () => {
    const { createExecutor } = await import('./executor/index.js');
    if (config.mode === 'tenant') {
      return createExecutor({ domain: config.domain!, auth: config.auth!, version: VERSION });
    }
    const { startSandbox } = await import('./sandbox/index.js');
    const started = await startSandbox({ port: 0 });
    sandbox = started;
    log(`tenant-mcp: no AUTH0_DOMAIN set; using the embedded sandbox tenant at ${started.url}`);
    return createExecutor({
      domain: started.url,
      auth: { kind: 'client_credentials', clientId: started.clientId, clientSecret: started.clientSecret },
      version: VERSION,
    });
  }, config.domain ?? 'embedded sandbox');
  return {
    executor,
    async close() {
      await executor.close();
      await sandbox?.close();
    },
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      log(`tenant-mcp: ${(error as Error).message}`);
      process.exit(2);
    }
    log(`tenant-mcp: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
