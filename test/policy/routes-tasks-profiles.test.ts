// Proves that a confirmation belongs to the change, not to the tool: for every writing task tool of both
// providers, under every built-in profile and a stricter custom one, each change the task makes is held
// for a person exactly when the same change through invoke_write_operation, its per-operation tool, or a
// dry run followed by the run is held, and the decision itself does not depend on the route. No client
// can confirm here, so anything that needs a person must stay unsent on every route.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor, MONOCLOUD_PROVIDER } from '../../src/executor/index.js';
import type { Executor, TenantRequest } from '../../src/executor/types.js';
import { createApprovalStore } from '../../src/policy/approvals.js';
import { type CallRoute, createGate, type Gate } from '../../src/policy/index.js';
import { createProfile, getProfile } from '../../src/policy/profiles.js';
import type { Profile } from '../../src/policy/types.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { MONOCLOUD_SEED, startMonoCloudSandbox } from '../../src/sandbox/monocloud/index.js';
import { SEED } from '../../src/sandbox/seed.js';
import { createServer } from '../../src/server/create-server.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { namedTools } from '../../src/tools/registry.js';
import type { TaskStep } from '../../src/tools/tasks/context.js';
import { taskToolsFor } from '../../src/tools/tasks/index.js';
import type { Catalog } from '../../src/tools/types.js';

interface Tenant {
  catalog: Catalog;
  executor(): Executor;
  reset(): void;
  close(): Promise<void>;
}

/** The task calls that do something on the seeded tenant, per provider. */
const CASES: Record<string, Array<[tool: string, args: Record<string, unknown>]>> = {
  auth0: [
    ['block_user', { user: 'alice@northwind.example.com' }],
    ['unblock_user', { user: 'dave@northwind.example.com' }],
    ['unblock_user', { user: 'carol@northwind.example.com' }],
    ['revoke_user_sessions', { user: 'alice@northwind.example.com' }],
    ['revoke_user_sessions', { user: 'alice@northwind.example.com', refresh_tokens: true }],
    ['create_password_change_ticket', { user_id: SEED.users.grace }],
  ],
  monocloud: [
    ['block_user', { user: 'bob@northwind.example.com' }],
    ['unblock_user', { user: 'dave@northwind.example.com' }],
    ['unblock_user', { user: 'carol@northwind.example.com' }],
    ['revoke_user_sessions', { user: 'alice@northwind.example.com' }],
    ['create_password_change_ticket', { email: 'grace@northwind.example.com' }],
  ],
};

/** Profiles per provider: the built-ins, and one that asks a person for every write the helpdesk runs. */
function profiles(catalog: Catalog): Profile[] {
  const helpdesk = getProfile('helpdesk', catalog);
  const writes = catalog.operations.filter((op) => op.risk === 'write' && !helpdesk.denies(op));
  return [
    getProfile('read-only', catalog),
    helpdesk,
    getProfile('admin', catalog),
    createProfile(
      {
        name: 'strict-helpdesk',
        extends: helpdesk,
        confirm: Object.fromEntries(writes.map((op) => [op.id, 'always' as const])),
      },
      catalog.operations,
      namedTools(catalog.provider),
    ),
  ];
}

const tenants: Record<string, Tenant> = {};
beforeAll(async () => {
  const auth0 = await startSandbox({ port: 0 });
  tenants.auth0 = {
    catalog: auth0Catalog,
    executor: () =>
      createExecutor({
        domain: auth0.url,
        auth: { kind: 'client_credentials', clientId: auth0.clientId, clientSecret: auth0.clientSecret },
        maxRetries: 0,
      }),
    reset: () => auth0.reset(),
    close: () => auth0.close(),
  };
  const mono = await startMonoCloudSandbox({ port: 0 });
  tenants.monocloud = {
    catalog: monocloudCatalog,
    executor: () =>
      createExecutor({
        domain: mono.url,
        auth: { kind: 'api_key', apiKey: mono.apiKey },
        provider: MONOCLOUD_PROVIDER,
        maxRetries: 0,
      }),
    reset: () => mono.reset(),
    close: () => mono.close(),
  };
  expect(MONOCLOUD_SEED.users.bob).toBeTruthy();
});
afterAll(async () => {
  await Promise.all(Object.values(tenants).map((tenant) => tenant.close()));
});

/** A server on `profile` whose client cannot confirm; it records the writes sent and every task's steps. */
async function connect(tenant: Tenant, profile: Profile) {
  const inner = tenant.executor();
  const writes: TenantRequest[] = [];
  const executor: Executor = {
    ...inner,
    send: (request) => {
      if (request.method !== 'GET') writes.push(request);
      return inner.send(request);
    },
    close: () => inner.close(),
    ...(inner.grantedScopes ? { grantedScopes: (signal) => inner.grantedScopes!(signal) } : {}),
  };
  const gate = createGate({
    catalog: tenant.catalog,
    profile,
    executor,
    tenant: { name: 'sandbox', domain: 'loopback' },
    approvals: createApprovalStore({ stateDir: mkdtempSync(join(tmpdir(), 'tenant-mcp-routes-')) }),
  });
  const steps: TaskStep[] = [];
  const spy: Gate = {
    ...gate,
    confirmTask: (task, context) => {
      steps.push(...task.steps);
      return gate.confirmTask(task, context);
    },
  };
  const toolsets = [...new Set(tenant.catalog.operations.map((op) => op.toolset))];
  const server = createServer({
    gate: spy,
    catalog: tenant.catalog,
    toolsets,
    sandbox: true,
    version: 't',
    log: () => {},
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'routes-test', version: '1' });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    return { text, isError: result.isError === true };
  };
  return {
    gate,
    call,
    writes,
    steps,
    async close() {
      await client.close();
      await inner.close();
    },
  };
}

const held = (text: string) => /needs a person's approval; nothing was sent/.test(text);

for (const provider of Object.keys(CASES)) {
  describe(`${provider}: every task × every route × every profile`, () => {
    for (const profile of profiles(provider === 'auth0' ? auth0Catalog : monocloudCatalog)) {
      it(`${profile.name}: a change that waits for a person through a task waits through every tool`, async () => {
        const tenant = tenants[provider]!;
        const tools = new Map(taskToolsFor(provider).map((tool) => [tool.name, tool]));
        let checked = 0;
        for (const [tool, args] of CASES[provider]!) {
          tenant.reset();
          const agent = await connect(tenant, profile);
          try {
            const viaTask = await agent.call(tool, args);
            if (!profile.allowsTool(tool)) {
              expect(viaTask.text).toMatch(/not allowed/);
              expect(agent.writes).toEqual([]);
              continue;
            }
            expect(tools.has(tool)).toBe(true);
            expect(agent.steps.length, `${tool} ${viaTask.text}`).toBeGreaterThan(0);
            for (const step of agent.steps) {
              const decisions = await Promise.all(
                (['write', 'operation-tool', 'task-tool'] as CallRoute[]).map((route) =>
                  agent.gate.decision(step.operation, route, step.args),
                ),
              );
              const needs = decisions.map((d) => (d.allowed ? d.person : 'refused'));
              // The decision never depends on the route.
              expect(new Set(needs).size, `${step.operation}: ${needs.join(', ')}`).toBe(1);
              const needsPerson = needs[0] === 'required';
              const sentByTask = agent.writes.some((w) => w.label === step.operation);
              if (needsPerson) {
                expect(sentByTask, `${tool} sent ${step.operation} without a person`).toBe(false);
                expect(held(viaTask.text), viaTask.text).toBe(true);
              }
              // The same effect through the other tools, on the tenant as the task found it.
              tenant.reset();
              const before = agent.writes.length;
              const op = tenant.catalog.operations.find((o) => o.id === step.operation)!;
              // An operation named like a task tool (MonoCloud's unblock_user) has no tool of its own.
              const own = !tools.has(op.toolName);
              const generic = { operation: step.operation, arguments: step.args };
              const routes = [
                await agent.call('invoke_write_operation', generic),
                await agent.call('invoke_write_operation', { ...generic, dry_run: true }),
                await agent.call('invoke_write_operation', generic),
              ];
              if (own) {
                routes.push(
                  await agent.call(op.toolName, step.args),
                  await agent.call(op.toolName, { ...step.args, dry_run: true }),
                  await agent.call(op.toolName, step.args),
                );
              }
              const sent = agent.writes.slice(before).filter((w) => w.label === step.operation).length;
              const texts = routes.map((r) => r.text).join('\n====\n');
              if (needsPerson) {
                expect(sent, `${step.operation} ran without a person through another tool`).toBe(0);
                // Every run is held; only the dry runs are not (they send nothing and ask no one).
                expect(routes.filter((r) => held(r.text)).length, texts).toBe(own ? 4 : 2);
              } else {
                expect(
                  routes.some((r) => held(r.text)),
                  routes.map((r) => r.text).join('\n'),
                ).toBe(false);
              }
              checked++;
            }
          } finally {
            await agent.close();
          }
        }
        if (profile.name !== 'read-only') expect(checked).toBeGreaterThan(0);
      });
    }
  });
}
