#!/usr/bin/env node
/**
 * The command line: parses flags, composes executor → policy gate → server, and attaches stdio. This is
 * the only place that wires the stages together; it hands calls to nobody.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDeferredExecutor, type DeferredExecutor } from './executor/deferred.js';
import { type Config, ConfigError, type ConfigFlags, loadConfig, stateDirFrom } from './server/config.js';
import { HTTP_ENV_HELP } from './server/http/settings.js';
import { loadCatalog } from './tools/catalogs.js';
import { VERSION } from './version.js';

const HELP = `tenant-mcp ${VERSION}: an MCP server for managing an Auth0 or MonoCloud tenant safely.

Usage:
  tenant-mcp [--provider auth0|monocloud] [--profile NAME] [--toolsets users,...] [--policy FILE] [--tenant NAME]
      Serve MCP over stdio. With no tenant configured, an embedded sandbox tenant is started.
  tenant-mcp --transport http [--host 127.0.0.1] [--port 8080] [--stateless] [--insecure-no-auth] [...]
      Serve MCP over Streamable HTTP at /mcp; clients authenticate with TENANT_MCP_HTTP_TOKEN or OAuth.
  tenant-mcp approve <apr_id> [--yes] | tenant-mcp approve --deny <apr_id> | tenant-mcp approve --list
      Approve or deny a call an agent is waiting on (asks y/N on a terminal; n denies for good).
  tenant-mcp audit init | verify [FILE] [--key KEY] | repair [FILE]
      Give the trail a forward-secure key; check its chain and MACs; cut off a torn last line after a crash.
  tenant-mcp sandbox [--port N] [--host 127.0.0.1] [--provider auth0|monocloud] [--tls] [--state FILE]
                     [--seed demo|none] [--rate-limit realistic|off]
      Run the sandbox tenant alone (point AUTH0_DOMAIN=http://127.0.0.1:N at it). --tls serves HTTPS
      with a generated CA whose PEM path it prints (for NODE_EXTRA_CA_CERTS); --state loads and saves
      the tenant as JSON; rate limits are realistic unless --rate-limit off.
  tenant-mcp --help | --version

Options:
  --provider   auth0 or monocloud (default: whichever credentials are set; auth0 when none)
  --profile    read-only (default), helpdesk, admin, or a profile of the policy file
  --toolsets   also list every operation of these toolsets as its own tool ("all" for every one)
  --policy     a YAML policy file: profiles and named tenants (or TENANT_MCP_POLICY)
  --tenant     a tenant of the policy file (default: its default_tenant)
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
  const { catalog } = config;
  const [
    { createGate },
    { createServer },
    { createStdioTransport },
    { openAuditLog },
    { createApprovalStore },
  ] = await Promise.all([
    import('./policy/index.js'),
    import('./server/create-server.js'),
    import('./server/stdio.js'),
    import('./policy/audit/index.js'),
    import('./policy/approvals.js'),
  ]);
  const audit = openAudit(openAuditLog, config);
  const anchor = await startAnchor(audit, config);
  const tenant = connectTenant(config);
  const onHeld = await approvalWebhook(undefined);
  const gate = createGate({
    catalog,
    profile: config.profile,
    executor: tenant.executor,
    tenant: { name: config.tenant.name, domain: config.tenant.domain ?? 'embedded sandbox' },
    audit,
    approvals: createApprovalStore({ stateDir: config.stateDir, ttlMs: config.approvalTtlMs }),
    log,
    ...(onHeld ? { onHeld } : {}),
  });
  const server = createServer({
    gate,
    catalog,
    toolsets: config.toolsets,
    sandbox: config.mode === 'sandbox',
    version: VERSION,
    log,
    callTimeoutMs: config.callTimeoutMs,
    stateDir: config.stateDir,
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
  // Our transport: an oversized or malformed line gets its JSON-RPC error and the server keeps serving.
  await server.connect(createStdioTransport({ log }));
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await Promise.race([closed, waitForSignal()]);
  await server.close().catch(() => {});
  await tenant.close();
  await anchor.stop();
  audit.close();
  return 0;
}

/**
 * Serves Streamable HTTP: one shared executor, audit trail and approval store; a gate per profile (each
 * principal runs under its own); a fresh MCP server per session from the same `createServer` as stdio.
 */
async function serveHttp(
  flags: ConfigFlags,
  http: import('./server/http/settings.js').HttpSettings,
): Promise<number> {
  const config = await loadConfig(flags, process.env, loadCatalog);
  const { catalog } = config;
  const [{ createGate }, { createServer }, { startHttpServer }, { openAuditLog }, { createApprovalStore }] =
    await Promise.all([
      import('./policy/index.js'),
      import('./server/create-server.js'),
      import('./server/http/index.js'),
      import('./policy/audit/index.js'),
      import('./policy/approvals.js'),
    ]);
  for (const warning of http.warnings) log(warning);
  const audit = openAudit(openAuditLog, config);
  const anchor = await startAnchor(audit, config);
  const tenant = connectTenant(config);
  const approvals = createApprovalStore({ stateDir: config.stateDir, ttlMs: config.approvalTtlMs });
  // The webhook's links need the public URL, known only once the server listens (port 0 picks one).
  let notify: ((record: import('./policy/approvals.js').ApprovalRecord) => void) | undefined;
  const onHeld = process.env.TENANT_MCP_APPROVAL_WEBHOOK?.trim()
    ? (record: import('./policy/approvals.js').ApprovalRecord) => notify?.(record)
    : undefined;
  // A token's own profile must exist before anyone connects with it.
  if (http.auth.kind === 'tokens')
    for (const name of http.auth.profiles ?? []) if (name) config.profileNamed(name);
  const gates = new Map<string, import('./policy/index.js').Gate>();
  // Over HTTP a held call names the approvals page (known once the server listens), not a terminal command.
  const approverToken = process.env.TENANT_MCP_APPROVER_TOKEN?.trim() || undefined;
  const hasPage =
    Boolean(approverToken) || (http.auth.kind === 'oauth' && http.approvalsClient !== undefined);
  let pageBase = '';
  const heldHint = (record: import('./policy/approvals.js').ApprovalRecord) =>
    hasPage
      ? `A person approves or denies it on the approvals page: ${pageBase}/approvals/${record.id} (they sign in there with their own credential; your token does not open it)${onHeld ? '; the approvers were notified' : ''}.\n`
      : `Ask a person on the server to run:\n  tenant-mcp approve ${record.id}\n`;
  const gateFor = (profileName: string) => {
    let gate = gates.get(profileName);
    if (!gate) {
      gate = createGate({
        catalog,
        profile: profileName === config.profile.name ? config.profile : config.profileNamed(profileName),
        executor: tenant.executor,
        tenant: { name: config.tenant.name, domain: config.tenant.domain ?? 'embedded sandbox' },
        audit,
        approvals,
        log,
        heldHint,
        ...(onHeld ? { onHeld } : {}),
      });
      gates.set(profileName, gate);
    }
    return gate;
  };
  // The approvals page, for a person with the approver credential (never the agent's token).
  const routes: import('./server/http/index.js').RouteHandler[] = [];
  if (hasPage) {
    const { createApprovalsRoutes } = await import('./server/http/approvals-page.js');
    const { createApproverLogin } = await import('./server/http/approver-login.js');
    const { APPROVER_SCOPE } = await import('./server/http/auth.js');
    const login =
      http.auth.kind === 'oauth' && http.approvalsClient
        ? createApproverLogin({
            issuer: http.auth.issuer,
            clientId: http.approvalsClient.clientId,
            clientSecret: http.approvalsClient.clientSecret,
            approverScope: APPROVER_SCOPE,
          })
        : undefined;
    try {
      routes.push(
        createApprovalsRoutes<import('./server/http/index.js').Principal>({
          store: approvals,
          ...(approverToken ? { approverToken } : {}),
          agentTokens: http.auth.kind === 'tokens' ? http.auth.tokens : [],
          ...(login && http.auth.kind === 'oauth'
            ? { login, issuerName: new URL(http.auth.issuer).host }
            : {}),
          log,
        }),
      );
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  const server = await startHttpServer({
    host: http.host,
    port: http.port,
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
      createServer({
        gate: gateFor(principal.profile),
        catalog,
        toolsets: config.toolsets,
        sandbox: config.mode === 'sandbox',
        version: VERSION,
        log,
        transport: 'http',
        principal: { id: principal.id, elicitation: principal.elicitation },
        callTimeoutMs: config.callTimeoutMs,
        stateDir: config.stateDir,
      }),
  });
  pageBase = (http.publicUrl ?? server.url).replace(/\/?mcp\/?$/, '');
  notify = await approvalWebhook(pageBase);
  tenant.executor
    .start()
    .catch((error: Error) => log(`tenant-mcp: tenant connection failed: ${error.message}`));
  await waitForSignal();
  log('tenant-mcp: shutting down: finishing calls in flight, refusing new ones');
  await server.close();
  await tenant.close();
  await anchor.stop();
  audit.close();
  return 0;
}

/** Opens the audit trail; a trail that cannot be continued stops the server (fail closed). */
function openAudit(
  open: typeof import('./policy/audit/index.js').openAuditLog,
  config: Config,
): ReturnType<typeof import('./policy/audit/index.js').openAuditLog> {
  const path = config.auditLog;
  try {
    const trail = open(path, {
      productVersion: VERSION,
      maxBytes: config.auditTrail.maxBytes,
      keep: config.auditTrail.keep,
    });
    if (!trail.keyed && config.mode === 'tenant') {
      log(
        `tenant-mcp: the audit trail ${path} has no key: run \`tenant-mcp audit init\` once (server stopped) so that whoever takes this machine cannot rewrite it`,
      );
    }
    return trail;
  } catch (error) {
    throw new ConfigError(`audit log ${path} cannot be used: ${(error as Error).message}`);
  }
}

/** Sends the trail's head off the machine at an interval, when `TENANT_MCP_AUDIT_ANCHOR_URL` is set. */
async function startAnchor(
  audit: ReturnType<typeof import('./policy/audit/index.js').openAuditLog>,
  config: Config,
): Promise<{ stop(): Promise<void> }> {
  const { anchorUrl, anchorIntervalMs } = config.auditTrail;
  if (!anchorUrl) return { stop: async () => {} };
  const { startAuditAnchor } = await import('./policy/audit/index.js');
  return startAuditAnchor({ log: audit, url: anchorUrl, intervalMs: anchorIntervalMs, report: log });
}

/** The chat-ops notification of held calls, when `TENANT_MCP_APPROVAL_WEBHOOK` is set. */
async function approvalWebhook(publicUrl: string | undefined) {
  const url = process.env.TENANT_MCP_APPROVAL_WEBHOOK?.trim();
  if (!url) return undefined;
  const { createApprovalWebhook } = await import('./policy/webhook.js');
  try {
    return createApprovalWebhook({ url, ...(publicUrl ? { publicUrl } : {}), log });
  } catch (error) {
    throw new ConfigError(`TENANT_MCP_APPROVAL_WEBHOOK: ${(error as Error).message}`);
  }
}

async function runApprove(argv: string[]): Promise<number> {
  const [{ createApprovalStore }, { runApproveCommand }] = await Promise.all([
    import('./policy/approvals.js'),
    import('./policy/approve-command.js'),
  ]);
  const store = createApprovalStore({ stateDir: stateDirFrom(process.env) });
  return runApproveCommand(argv, store, process);
}

async function runAudit(argv: string[]): Promise<number> {
  const { runAuditCli } = await import('./policy/audit/index.js');
  const trail = process.env.TENANT_MCP_AUDIT_LOG?.trim() || join(stateDirFrom(process.env), 'audit.jsonl');
  return runAuditCli(argv, process, trail);
}

/** Provider facts the executor needs: its name for messages and its API's base path. */
const PROVIDER_OPTIONS = {
  auth0: { name: 'Auth0', apiPath: '/api/v2' },
  monocloud: { name: 'MonoCloud', apiPath: '/api' },
} as const;

/** The tenant side: a real tenant, or an embedded sandbox, set up after the handshake or on first use. */
function connectTenant(config: Config): { executor: DeferredExecutor; close(): Promise<void> } {
  let sandbox: { close(): Promise<void> } | undefined;
  const { provider } = config.tenant;
  const executor = createDeferredExecutor(async () => {
    const { createExecutor } = await import('./executor/index.js');
    const common = { version: VERSION, provider: PROVIDER_OPTIONS[provider] };
    if (config.mode === 'tenant') {
      return createExecutor({
        domain: config.tenant.domain!,
        auth: config.tenant.auth!,
        ...common,
        ...(config.tenant.timeoutMs ? { timeoutMs: config.tenant.timeoutMs } : {}),
      });
    }
    if (provider === 'monocloud') {
      const { startMonoCloudSandbox } = await import('./sandbox/monocloud/index.js');
      const started = await startMonoCloudSandbox({ port: 0 });
      sandbox = started;
      log(
        `tenant-mcp: no MONOCLOUD_MANAGEMENT_DOMAIN set; using the embedded MonoCloud sandbox at ${started.url}`,
      );
      return createExecutor({
        domain: started.url,
        auth: { kind: 'api_key', apiKey: started.apiKey },
        ...common,
      });
    }
    const { startSandbox } = await import('./sandbox/index.js');
    const started = await startSandbox({ port: 0 });
    sandbox = started;
    log(`tenant-mcp: no AUTH0_DOMAIN set; using the embedded sandbox tenant at ${started.url}`);
    return createExecutor({
      domain: started.url,
      auth: { kind: 'client_credentials', clientId: started.clientId, clientSecret: started.clientSecret },
      ...common,
    });
  }, config.tenant.domain ?? 'embedded sandbox');
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
