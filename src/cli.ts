#!/usr/bin/env node
/**
 * The command line: parses flags and attaches a transport (stdio or HTTP) to the server side that
 * `compose.ts` wires together; it hands calls to nobody.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, type ConfigFlags, loadConfig, sharedStateFrom, stateDirFrom } from './server/config.js';
import { HTTP_ENV_HELP } from './server/http/settings.js';
import { loadCatalog } from './tools/providers.js';
import { VERSION } from './version.js';

const HELP = `tenant-mcp ${VERSION}: an MCP server for managing an Auth0 or MonoCloud tenant safely.

Usage:
  tenant-mcp [--provider auth0|monocloud] [--profile NAME] [--toolsets users,...] [--policy FILE] [--tenant NAME]
      Serve MCP over stdio. With no tenant configured, an embedded sandbox tenant is started.
  tenant-mcp --transport http [--host 127.0.0.1] [--port 8080] [--stateless] [--insecure-no-auth] [...]
      Serve MCP over Streamable HTTP at /mcp; clients authenticate with TENANT_MCP_HTTP_TOKEN or OAuth.
  tenant-mcp approve <apr_id> [--yes] | tenant-mcp approve --deny <apr_id> | tenant-mcp approve --list
      Approve or deny a call an agent is waiting on (asks y/N on a terminal; n denies for good).
  tenant-mcp audit init | verify [PATH...] [--key [REPLICA=]KEY] | tail [PATH...] [-n N|--all] | repair [FILE]
      Give the trail a forward-secure key; check its chain and MACs (several replicas' chains at once);
      merge chains by time; cut off a torn last line after a crash.
  tenant-mcp sandbox [--port N] [--host 127.0.0.1] [--provider auth0|monocloud] [--tls] [--state FILE]
                     [--seed demo|none] [--rate-limit realistic|off]
      Run the sandbox tenant alone (point AUTH0_DOMAIN=http://127.0.0.1:N at it). --tls serves HTTPS
      with a generated CA whose PEM path it prints (for NODE_EXTRA_CA_CERTS); --state loads and saves
      the tenant as JSON; rate limits are realistic unless --rate-limit off.
  tenant-mcp init [--domain D] [--profile P] [--client claude-code,...] [--token-stdin] [...]
      Set a tenant up: a least-privilege application, its secret in the OS keychain, client configs.
  tenant-mcp doctor [--tenant NAME]
      Check what init set up, end to end, naming each broken piece.
  tenant-mcp --help | --version

Options:
  --provider   auth0 or monocloud (default: whichever credentials are set; auth0 when none)
  --profile    read-only (default), helpdesk, admin, or a profile of the policy file
  --toolsets   also list every operation of these toolsets as its own tool ("all" for every one)
  --policy     a YAML policy file: profiles and named tenants (or TENANT_MCP_POLICY)
  --tenant     a tenant set up by init, or of the policy file (default: its default_tenant)
  --audit-log  the audit trail, JSON Lines of OCSF events (default: <state dir>/audit.jsonl)
  --transport  stdio (default) or http
  --host, --port      HTTP bind address (default 127.0.0.1:8080; non-loopback needs authentication)
  --stateless         HTTP: a fresh server per request, no sessions
  --insecure-no-auth  HTTP on loopback without client authentication (warns; for local testing)

Environment:
  AUTH0_DOMAIN         tenant domain (acme.eu.auth0.com), or a URL with a scheme used as is
  AUTH0_CLIENT_ID      client-credentials application id
  AUTH0_CLIENT_SECRET  its secret
  AUTH0_AUDIENCE       token audience (default https://{domain}/api/v2/)
  AUTH0_TOKEN          a Management API token, instead of client credentials
  MONOCLOUD_MANAGEMENT_DOMAIN   MonoCloud tenant URL (acme.us.monocloud.com), or a URL with a scheme
  MONOCLOUD_MANAGEMENT_API_KEY  its management API key
  MONOCLOUD_MANAGEMENT_TIMEOUT  per-request timeout in milliseconds
  TENANT_MCP_PROFILE   default profile
  TENANT_MCP_STATE_DIR approvals and the default audit log (default ~/.tenant-mcp)
  TENANT_MCP_AUDIT_LOG the audit trail file
  TENANT_MCP_APPROVAL_TTL_SECONDS  how long an approval stays usable (default 600)
  TENANT_MCP_AUDIT_MAX_BYTES  rotate the audit trail past this size (default 67108864; 0 never)
  TENANT_MCP_AUDIT_KEEP       rotated audit files kept (default 16)
  TENANT_MCP_AUDIT_ANCHOR_URL send the trail's head here at an interval: https://…, or udp://host:port (syslog)
  TENANT_MCP_AUDIT_ANCHOR_INTERVAL  seconds between anchors (default 300)
  TENANT_MCP_CALL_TIMEOUT  per-call deadline, every tenant request and retry included: seconds or
                       500ms/30s/2m (default 60; 0 turns it off); a person's confirmation does not count
${HTTP_ENV_HELP}
Logs go to stderr; stdout carries only the protocol.`;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  // These commands are for people and take their own flags.
  if (argv[0] === 'approve') return runApprove(argv.slice(1));
  if (argv[0] === 'audit') return runAudit(argv.slice(1));
  if (argv[0] === 'init' || argv[0] === 'doctor') {
    const { runSetupCommand } = await import('./setup/index.js');
    return runSetupCommand(argv[0], argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      profile: { type: 'string' },
      toolsets: { type: 'string' },
      policy: { type: 'string' },
      tenant: { type: 'string' },
      provider: { type: 'string' },
      'audit-log': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      transport: { type: 'string' },
      stateless: { type: 'boolean' },
      'insecure-no-auth': { type: 'boolean' },
      tls: { type: 'boolean' },
      state: { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
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
  if (command === 'sandbox') {
    const { runSandboxCommand } = await import('./sandbox/command.js');
    return runSandboxCommand(values, { log, waitForSignal, fail: (message) => new ConfigError(message) });
  }
  if (values.tls || values.state || values.seed || values['rate-limit'])
    throw new ConfigError('--tls, --state, --seed and --rate-limit belong to the sandbox command.');
  if (command !== 'serve') throw new ConfigError(`Unknown command "${command}"; see --help.`);
  const transport = values.transport ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    throw new ConfigError(`Unknown transport "${transport}" (--transport): use stdio or http.`);
  }
  if (transport === 'stdio' && (values.port || values.host || values.stateless || values['insecure-no-auth']))
    throw new ConfigError('--port, --host, --stateless and --insecure-no-auth need --transport http.');
  const { 'audit-log': auditLog, profile, toolsets, policy, tenant, provider } = values;
  const flags = { profile, toolsets, policy, tenant, provider, ...(auditLog ? { auditLog } : {}) };
  if (transport === 'http') {
    const { httpSettingsFrom } = await import('./server/http/settings.js');
    const http = httpSettingsFrom(
      {
        host: values.host,
        port: values.port,
        insecureNoAuth: values['insecure-no-auth'],
        stateless: values.stateless,
      },
      process.env,
    );
    return serveHttp(flags, http);
  }
  return serve(flags);
}

async function serve(flags: ConfigFlags): Promise<number> {
  const config = await loadConfig(flags, process.env, loadCatalog);
  const [{ composeApp }, { serveStdio }, { createStdioTransport }] = await Promise.all([
    import('./compose.js'),
    import('@modelcontextprotocol/server/stdio'),
    import('./server/stdio.js'),
  ]);
  const app = await composeApp(config, log);
  await app.startWebhook(undefined);
  // One connection, its era decided by its opening (2026-07-28 discover, or a 2025 initialize). Our
  // transport answers an oversized or malformed line with its JSON-RPC error and keeps serving. The
  // tenant side is set up once the first server exists, so the opening is answered first.
  let started = false;
  const handle = serveStdio(
    () => {
      if (!started) {
        started = true;
        setImmediate(() => app.startTenant());
      }
      return app.createServer({ transport: 'stdio' });
    },
    {
      transport: createStdioTransport({ log }),
      onerror: (error) => log(`tenant-mcp: stdio: ${error.message}`),
    },
  );
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await Promise.race([closed, waitForSignal()]);
  await handle.close().catch(() => {});
  await app.close();
  return 0;
}

/**
 * Serves Streamable HTTP: one composed server side (tenant, trail, approvals, a gate per profile), the
 * approvals page for people, and MCP servers made per request (2026-07-28) or per 2025-era session.
 */
async function serveHttp(
  flags: ConfigFlags,
  http: import('./server/http/settings.js').HttpSettings,
): Promise<number> {
  const config = await loadConfig(flags, process.env, loadCatalog);
  const [{ composeApp }, { startHttpServer }] = await Promise.all([
    import('./compose.js'),
    import('./server/http/index.js'),
  ]);
  for (const warning of http.warnings) log(warning);
  // A token's own profile must exist before anyone connects with it.
  if (http.auth.kind === 'tokens')
    for (const name of http.auth.profiles ?? []) if (name) config.profileNamed(name);
  const app = await composeApp(config, log);
  // The approvals page, for a person with the approver credential (never the agent's token).
  const approverToken = process.env.TENANT_MCP_APPROVER_TOKEN?.trim() || undefined;
  const hasPage =
    Boolean(approverToken) || (http.auth.kind === 'oauth' && http.approvalsClient !== undefined);
  const routes: import('./server/http/index.js').RouteHandler[] = [];
  if (hasPage) routes.push(await approvalsPage(app, http, approverToken));
  const shared = app.shared;
  const { localLimiters, sharedLimiters } = await import('./server/http/limits.js');
  const server = await startHttpServer({
    host: http.host,
    port: http.port,
    limiters: shared ? sharedLimiters(shared, config.sharedState?.degraded === 'reads') : localLimiters,
    ...(http.trustedProxies ? { trustedProxies: http.trustedProxies } : {}),
    sharedStateDown: () => (shared && !shared.healthy() ? ['redis'] : []),
    replica: config.auditTrail.replica,
    shutdownGraceMs: http.shutdownGraceMs,
    auth: http.auth,
    defaultProfile: config.profile.name,
    stateless: http.stateless,
    ...(http.publicUrl ? { publicUrl: http.publicUrl } : {}),
    allowedOrigins: http.allowedOrigins,
    rateLimit: http.rateLimit,
    maxBodyBytes: http.maxBodyBytes,
    routes,
    log,
    createMcpServer: (principal) =>
      app.createServer({
        transport: 'http',
        principal: { id: principal.id, profile: principal.profile, elicitation: principal.elicitation },
      }),
  });
  // Links name the public URL, known only once the server listens (port 0 picks one).
  const base = (http.publicUrl ?? server.url).replace(/\/?mcp\/?$/, '');
  const notified = Boolean(process.env.TENANT_MCP_APPROVAL_WEBHOOK?.trim());
  app.setApprovalPage(hasPage ? base : undefined, notified);
  await app.startWebhook(base);
  app.startTenant();
  await waitForSignal();
  log('tenant-mcp: shutting down: finishing calls in flight, refusing new ones');
  await server.close();
  await app.close();
  log('tenant-mcp: stopped');
  return 0;
}

/** The approvals page's routes: the approver token's login form, and OAuth sign-in with the issuer. */
async function approvalsPage(
  app: import('./compose.js').App,
  http: import('./server/http/settings.js').HttpSettings,
  approverToken: string | undefined,
): Promise<import('./server/http/index.js').RouteHandler> {
  const [
    { createApprovalsRoutes },
    { createApproverLogin },
    { APPROVER_SCOPE },
    { createRedisPageState, createRedisLoginFlows },
  ] = await Promise.all([
    import('./server/http/approvals-page.js'),
    import('./server/http/approver-login.js'),
    import('./server/http/auth.js'),
    import('./server/http/page-state.js'),
  ]);
  // Replicas share the page's sessions and used forms in Redis, and one form key.
  const shared =
    app.shared && app.pageFormKey
      ? { state: createRedisPageState(app.shared), formKey: app.pageFormKey }
      : {};
  const login =
    http.auth.kind === 'oauth' && http.approvalsClient
      ? createApproverLogin({
          issuer: http.auth.issuer,
          clientId: http.approvalsClient.clientId,
          clientSecret: http.approvalsClient.clientSecret,
          approverScope: APPROVER_SCOPE,
          ...(app.shared ? { flows: createRedisLoginFlows(app.shared) } : {}),
        })
      : undefined;
  try {
    return createApprovalsRoutes({
      store: app.approvals,
      ...(approverToken ? { approverToken } : {}),
      agentTokens: http.auth.kind === 'tokens' ? http.auth.tokens : [],
      ...shared,
      ...(login && http.auth.kind === 'oauth' ? { login, issuerName: new URL(http.auth.issuer).host } : {}),
      log,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

async function runApprove(argv: string[]): Promise<number> {
  const [{ createApprovalStore }, { runApproveCommand }] = await Promise.all([
    import('./policy/approvals.js'),
    import('./policy/approve-command.js'),
  ]);
  // With Redis, the approvals replicas share are there, not in this machine's state directory.
  const settings = sharedStateFrom(process.env);
  if (!settings)
    return runApproveCommand(argv, createApprovalStore({ stateDir: stateDirFrom(process.env) }), process);
  const [{ connectSharedRedis }, { createRedisApprovalStore }] = await Promise.all([
    import('./shared/redis.js'),
    import('./policy/approvals-redis.js'),
  ]);
  const redis = connectSharedRedis({ ...settings, log });
  try {
    await redis.ready(settings.timeoutMs * 3);
    return await runApproveCommand(argv, createRedisApprovalStore({ redis }), process);
  } catch (error) {
    if ((error as Error).name !== 'SharedStateUnavailable') throw error;
    log(`tenant-mcp approve: ${(error as Error).message}`);
    return 1;
  } finally {
    await redis.close();
  }
}

async function runAudit(argv: string[]): Promise<number> {
  const { runAuditCli } = await import('./policy/audit/index.js');
  const trail = process.env.TENANT_MCP_AUDIT_LOG?.trim() || join(stateDirFrom(process.env), 'audit.jsonl');
  return runAuditCli(argv, process, trail);
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
