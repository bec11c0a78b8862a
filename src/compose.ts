/**
 * The composition root, shared by stdio and HTTP: it wires executor → policy gate → server once, from a
 * checked configuration. The tenant side (a real tenant or an embedded sandbox), the audit trail and its
 * anchor, the approval store, the webhook, one gate per profile, and a factory of MCP servers for any
 * caller. `cli.ts` only parses flags and attaches a transport to what this returns.
 */
import { createHmac } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/server';
import { createDeferredExecutor, type DeferredExecutor } from './executor/deferred.js';
import type { ApprovalRecord, ApprovalStore } from './policy/approvals.js';
import type { AuditLog } from './policy/audit/index.js';
import type { Gate } from './policy/index.js';
import { type Config, ConfigError, type TenantAuth } from './server/config.js';
import type { ConfirmationStates } from './server/request-state.js';
import type { SharedRedis } from './shared/redis.js';
import {
  type BudgetRedis,
  createEmbeddedTenantBudget,
  createTenantBudget,
  parseTenantBudgetEnv,
  TENANT_BUDGET_ENV,
  withLocalFallback,
} from './shared/tenant-budget.js';
import { PROVIDERS, type ProviderId } from './tools/providers.js';
import { createToolRegistry, type ToolRegistry } from './tools/registry.js';
import { VERSION } from './version.js';

/** Who a server is made for. */
export interface ServerCaller {
  /** How the client reaches us. */
  transport: 'stdio' | 'http';
  /** Over HTTP, the authenticated principal: id, profile, and whether it may confirm in its client. */
  principal?: { id: string; profile: string; elicitation: boolean };
}

/** The composed server side. */
export interface App {
  /** The configuration it was built from. */
  readonly config: Config;
  /** The tool registry (the catalog's tools, with the configured toolsets as per-operation tools). */
  readonly registry: ToolRegistry;
  /** Held calls and declines. */
  readonly approvals: ApprovalStore;
  /** The Redis replicas share (`TENANT_MCP_REDIS_URL`), when set. */
  readonly shared: SharedRedis | undefined;
  /**
   * With Redis, the approvals page's form-token key, derived from `TENANT_MCP_STATE_KEY` so a form served
   * by one replica is accepted by another; without, the page draws a random key of its own.
   */
  readonly pageFormKey: Uint8Array | undefined;
  /** The gate of a profile (built once per profile). */
  gateFor(profileName: string): Gate;
  /** A fresh MCP server for one connection or request. */
  createServer(caller: ServerCaller): Server;
  /** Where a person approves a held call, in words for the agent; the HTTP transport sets the page's base. */
  setApprovalPage(base: string | undefined, notified: boolean): void;
  /** Starts the webhook once the public base URL is known (HTTP) or at once (stdio). */
  startWebhook(publicUrl: string | undefined): Promise<void>;
  /** Sets the tenant side up now (it also sets itself up on first use). */
  startTenant(): void;
  /** Closes the tenant side, the anchor and the trail. */
  close(): Promise<void>;
}

/** A started embedded sandbox, as the executor reaches it. */
interface EmbeddedSandbox {
  url: string;
  auth: TenantAuth;
  close(): Promise<void>;
}

/** Each provider's embedded sandbox, started on loopback on first use; keyed by the provider registry. */
const SANDBOXES: Record<ProviderId, () => Promise<EmbeddedSandbox>> = {
  auth0: async () => {
    const { startSandbox } = await import('./sandbox/index.js');
    const started = await startSandbox({ port: 0 });
    return {
      url: started.url,
      auth: { kind: 'client_credentials', clientId: started.clientId, clientSecret: started.clientSecret },
      close: () => started.close(),
    };
  },
  monocloud: async () => {
    const { startMonoCloudSandbox } = await import('./sandbox/monocloud/index.js');
    const started = await startMonoCloudSandbox({ port: 0 });
    return {
      url: started.url,
      auth: { kind: 'api_key', apiKey: started.apiKey },
      close: () => started.close(),
    };
  },
};

/** Builds the server side from `config`; `log` is stderr. */
export async function composeApp(config: Config, log: (line: string) => void): Promise<App> {
  const [
    { createGate },
    { createServer },
    { openAuditLog },
    { createApprovalStore },
    { createConfirmationStates, createRedisReplayGuard },
  ] = await Promise.all([
    import('./policy/index.js'),
    import('./server/create-server.js'),
    import('./policy/audit/index.js'),
    import('./policy/approvals.js'),
    import('./server/request-state.js'),
  ]);
  const provider = PROVIDERS[config.tenant.provider];
  const audit = openAudit(openAuditLog, config, provider.auditService, log);
  const anchor = await startAnchor(audit, config, log);
  const shipper = await startShipper(audit, config, log);
  const shared = config.sharedState ? await connectShared(config.sharedState, log) : undefined;
  const tenant = connectTenant(config, log, shared);
  const approvals: ApprovalStore = shared
    ? (await import('./policy/approvals-redis.js')).createRedisApprovalStore({
        redis: shared,
        ttlMs: config.approvalTtlMs,
      })
    : createApprovalStore({ stateDir: config.stateDir, ttlMs: config.approvalTtlMs });
  const registry = createToolRegistry(config.catalog, config.toolsets);
  const states: ConfirmationStates = createConfirmationStates({
    key: stateKey(process.env),
    ...(shared ? { replay: createRedisReplayGuard(shared) } : {}),
  });
  let notify: ((record: ApprovalRecord) => void) | undefined;
  const onHeld = process.env.TENANT_MCP_APPROVAL_WEBHOOK?.trim()
    ? (record: ApprovalRecord) => notify?.(record)
    : undefined;
  let page: { base: string; notified: boolean } | undefined;
  const heldHint = (record: ApprovalRecord) =>
    page
      ? `A person approves or denies it on the approvals page: ${page.base}/approvals/${record.id} (they sign in there with their own credential; your token does not open it)${page.notified ? '; the approvers were notified' : ''}.\n`
      : `Ask a person ${config.mode === 'tenant' ? 'on the server ' : ''}to run:\n  tenant-mcp approve ${record.id}\n`;
  const gates = new Map<string, Gate>();
  const gateFor = (profileName: string): Gate => {
    let gate = gates.get(profileName);
    if (!gate) {
      gate = createGate({
        catalog: config.catalog,
        profile: profileName === config.profile.name ? config.profile : config.profileNamed(profileName),
        executor: tenant.executor,
        tenant: { name: config.tenant.name, domain: config.tenant.domain ?? 'embedded sandbox' },
        audit,
        approvals,
        log,
        heldHint,
        ...(onHeld ? { onHeld } : {}),
        ...(shared ? { shared } : {}),
      });
      gates.set(profileName, gate);
    }
    return gate;
  };
  const listed = registry.tools.filter((tool) => tool.kind === 'operation').length;
  if (listed > 40)
    log(`tenant-mcp: ${listed} per-operation tools listed; some clients cap tools at 40 or 128.`);

  return {
    config,
    registry,
    approvals,
    shared,
    pageFormKey: shared
      ? createHmac('sha256', stateKey(process.env)!).update('tenant-mcp approvals page form tokens').digest()
      : undefined,
    gateFor,
    createServer: (caller) =>
      createServer({
        gate: gateFor(caller.principal?.profile ?? config.profile.name),
        catalog: config.catalog,
        registry,
        sandbox: config.mode === 'sandbox',
        version: VERSION,
        log,
        transport: caller.transport,
        ...(caller.principal
          ? { principal: { id: caller.principal.id, elicitation: caller.principal.elicitation } }
          : {}),
        callTimeoutMs: config.callTimeoutMs,
        confirmationStates: states,
        stateDir: config.stateDir,
      }),
    setApprovalPage(base, notified) {
      page = base === undefined ? undefined : { base, notified };
    },
    async startWebhook(publicUrl) {
      notify = await approvalWebhook(publicUrl);
    },
    startTenant() {
      tenant.executor
        .start()
        .catch((error: Error) => log(`tenant-mcp: tenant connection failed: ${error.message}`));
    },
    async close() {
      await tenant.close();
      await anchor.stop();
      await shipper.stop();
      await shared?.close();
      audit.close();
    },
  };
}

/**
 * The key that seals the confirmation state 2026-07-28 clients echo back: `TENANT_MCP_STATE_KEY` (at least
 * 32 characters; the same on every replica behind one balancer), or a random key of this process.
 */
function stateKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = env.TENANT_MCP_STATE_KEY?.trim();
  if (key === undefined || key === '') return undefined;
  if (key.length < 32) {
    throw new ConfigError(
      'TENANT_MCP_STATE_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`).',
    );
  }
  return key;
}

/**
 * Connects to the shared Redis. A replica starts even while Redis is down (it answers `/healthz` as
 * degraded and refuses what needs shared state with a message naming Redis), so a rolling restart or a
 * Redis restart never keeps replicas from coming up; it waits briefly so the usual start is connected.
 */
async function connectShared(
  settings: NonNullable<Config['sharedState']>,
  log: (line: string) => void,
): Promise<SharedRedis> {
  const { connectSharedRedis } = await import('./shared/redis.js');
  const redis = connectSharedRedis({ ...settings, log });
  await redis.ready(Math.min(3000, settings.timeoutMs * 3)).catch((error: Error) => {
    log(`tenant-mcp: starting degraded: ${error.message} Held calls and limits wait for Redis.`);
  });
  return redis;
}

/** Opens the audit trail; a trail that cannot be continued stops the server (fail closed). */
function openAudit(
  open: typeof import('./policy/audit/index.js').openAuditLog,
  config: Config,
  service: string,
  log: (line: string) => void,
): AuditLog {
  const path = config.auditLog;
  try {
    const trail = open(path, {
      productVersion: VERSION,
      service,
      maxBytes: config.auditTrail.maxBytes,
      keep: config.auditTrail.keep,
      replica: config.auditTrail.replica,
      onOtherWriter: (detail) => log(`tenant-mcp: ${detail}`),
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
  audit: AuditLog,
  config: Config,
  log: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const { anchorUrl, anchorIntervalMs } = config.auditTrail;
  if (!anchorUrl) return { stop: async () => {} };
  const { startAuditAnchor } = await import('./policy/audit/index.js');
  return startAuditAnchor({ log: audit, url: anchorUrl, intervalMs: anchorIntervalMs, report: log });
}

/** Ships the trail's records to a collector, when `TENANT_MCP_AUDIT_SHIP_URL` is set; calls never wait for it. */
async function startShipper(
  audit: AuditLog,
  config: Config,
  log: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const ship = config.auditTrail.ship;
  if (!ship) return { stop: async () => {} };
  const { startAuditShipper } = await import('./policy/audit/index.js');
  return startAuditShipper({ chain: audit, ...ship, report: log });
}

/** The chat-ops notification of held calls, when `TENANT_MCP_APPROVAL_WEBHOOK` is set. */
async function approvalWebhook(publicUrl: string | undefined) {
  const url = process.env.TENANT_MCP_APPROVAL_WEBHOOK?.trim();
  if (!url) return undefined;
  const { createApprovalWebhook } = await import('./policy/webhook.js');
  try {
    return createApprovalWebhook({
      url,
      ...(publicUrl ? { publicUrl } : {}),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    throw new ConfigError(`TENANT_MCP_APPROVAL_WEBHOOK: ${(error as Error).message}`);
  }
}

/**
 * Work an embedded sandbox can begin off the event loop as soon as the process knows it will use one:
 * Auth0's two RSA signing keys are made in libuv's pool while the client is still shaking hands, so the
 * first call does not wait for them.
 */
const SANDBOX_WARM: Partial<Record<ProviderId, () => Promise<void>>> = {
  auth0: async () => (await import('./sandbox/signing-keys.js')).prepareStartingKeys(),
};

/**
 * The tenant rate budget's settings, or `undefined` for none. Unless `TENANT_MCP_TENANT_BUDGET` says
 * otherwise, a real tenant of a provider that reports its limit gets one (shared when Redis is set), and
 * nothing else does: without the tenant's headers a budget would only hold its floor. Bad values stop the
 * server with one line naming the setting.
 */
function tenantBudgetSettings(
  config: Config,
  env: NodeJS.ProcessEnv,
): ReturnType<typeof parseTenantBudgetEnv> | undefined {
  let settings: ReturnType<typeof parseTenantBudgetEnv>;
  try {
    settings = parseTenantBudgetEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const explicit = Boolean(env[TENANT_BUDGET_ENV.mode]?.trim());
  if (config.mode !== 'tenant') {
    if (explicit && settings.mode !== 'off')
      throw new ConfigError(
        `${TENANT_BUDGET_ENV.mode}=${settings.mode} applies to a real tenant; the embedded sandbox is not rate limited.`,
      );
    return undefined;
  }
  if (!explicit && !PROVIDERS[config.tenant.provider].reportsRateLimit) return undefined;
  return settings.mode === 'off' ? undefined : settings;
}

/** The tenant side: a real tenant, or an embedded sandbox, set up on `start()` or on first use. */
function connectTenant(
  config: Config,
  log: (line: string) => void,
  redis?: BudgetRedis & { readonly namespace: string },
): { executor: DeferredExecutor; close(): Promise<void> } {
  let sandbox: EmbeddedSandbox | undefined;
  const facts = PROVIDERS[config.tenant.provider];
  const budgetSettings = tenantBudgetSettings(config, process.env);
  // A failure here surfaces again, with its message, when the sandbox itself starts.
  if (config.mode === 'sandbox') SANDBOX_WARM[facts.id]?.().catch(() => {});
  const executor = createDeferredExecutor(async () => {
    const { createExecutor } = await import('./executor/index.js');
    const common = {
      version: VERSION,
      provider: { name: facts.displayName, apiPath: facts.apiBasePath },
    };
    if (config.mode === 'tenant') {
      let budget =
        budgetSettings &&
        createTenantBudget(
          budgetSettings,
          config.tenant.domain!,
          redis,
          redis ? `${redis.namespace}:budget:` : undefined,
        );
      // Degraded reads go on without Redis: the budget then counts in this process, as the limits do.
      if (budget && budgetSettings?.mode === 'shared' && config.sharedState?.degraded === 'reads')
        budget = withLocalFallback(budget, createEmbeddedTenantBudget({ settings: budgetSettings }));
      return createExecutor({
        domain: config.tenant.domain!,
        auth: config.tenant.auth!,
        ...common,
        ...(config.tenant.timeoutMs ? { timeoutMs: config.tenant.timeoutMs } : {}),
        ...(budget ? { budget } : {}),
      });
    }
    sandbox = await SANDBOXES[facts.id]();
    log(
      `tenant-mcp: no ${facts.domainEnv} set; using the embedded ${facts.displayName} sandbox at ${sandbox.url}`,
    );
    return createExecutor({ domain: sandbox.url, auth: sandbox.auth, ...common });
  }, config.tenant.domain ?? 'embedded sandbox');
  return {
    executor,
    async close() {
      await executor.close();
      await sandbox?.close();
    },
  };
}
