// Keeps the task tools' declarations honest: in step with the profiles' list, the ticket rules in step with
// the catalog's own schema for POST /tickets/password-change, and the small parsers that shape answers.
import { describe, expect, it } from 'vitest';
import { TASK_TOOLS } from '../../src/policy/profiles.js';
import { UNTRUSTED } from '../../src/server/create-server.js';
import { auth0Catalog } from '../../src/tools/auth0/index.js';
import { monocloudCatalog } from '../../src/tools/monocloud/index.js';
import { UNTRUSTED as REGISTRY_UNTRUSTED } from '../../src/tools/registry.js';
import { TASK_TOOL_DEFINITIONS, ticketRuleViolations } from '../../src/tools/tasks/index.js';
import { explainTypes, LOG_TYPES } from '../../src/tools/tasks/log-types.js';
import { ticketInput } from '../../src/tools/tasks/password-ticket.js';
import { parseWhen } from '../../src/tools/tasks/security-events.js';
import { nameQuery } from '../../src/tools/tasks/users.js';

describe('declarations', () => {
  it('match the profiles’ TASK_TOOLS, name for name and write for write', () => {
    expect(Object.fromEntries(TASK_TOOL_DEFINITIONS.map((t) => [t.name, { writes: t.writes }]))).toEqual(
      TASK_TOOLS,
    );
  });

  it('writing tools take dry_run and approval_id; reading tools are read-only', () => {
    for (const tool of TASK_TOOL_DEFINITIONS) {
      const keys = Object.keys(tool.input.shape);
      expect(keys.includes('approval_id'), tool.name).toBe(tool.writes);
      expect(keys.includes('dry_run'), tool.name).toBe(tool.writes);
      expect(tool.annotations.readOnlyHint, tool.name).toBe(!tool.writes);
      expect(tool.annotations.destructiveHint, tool.name).toBe(tool.risk === 'destructive');
    }
  });

  it('only call operations the catalog has', async () => {
    const ids = new Set(auth0Catalog.operations.map((op) => op.id));
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../src/tools/tasks/', import.meta.url);
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/(?:read|write|preview)\(\s*'([^']+)'|operation: '([^']+)'/g))
        used.add(m[1] ?? m[2]!);
      // Operation ids named anywhere else (list readers, settings tables, fixes a review names).
      for (const m of text.matchAll(
        /'((?:get|post|put|patch|delete)_[A-Za-z0-9_-]+|tenant_settings_route)'/g,
      ))
        used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10);
    // Task tool names look like operation ids (get_user_overview) and are not operations.
    for (const tool of TASK_TOOL_DEFINITIONS) used.delete(tool.name);
    for (const id of used) expect(ids.has(id), id).toBe(true);
  });

  it('on MonoCloud, only call and name operations its catalog has', async () => {
    const ids = new Set(monocloudCatalog.operations.map((op) => op.id));
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../src/tools/tasks/monocloud/', import.meta.url);
    const used = new Set<string>();
    const patterns = [
      /(?:read|write|preview)\(\s*'([^']+)'/g,
      /operation: '([^']+)'/g,
      /fix: '([^']+)'/g,
      /readPages\(ctx, '([^']+)'/g,
      /(?:list|pages)\((?:'[a-z_]+', )?(?:ctx, )?'([a-z_]+)'/g,
      /\['[a-z_]+', '([a-z_]+)'\]/g,
    ];
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const pattern of patterns) for (const m of text.matchAll(pattern)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    for (const id of used) expect(ids.has(id), id).toBe(true);
  });

  it('are each described in the README’s Task tools section', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Task tools'),
      readme.indexOf('\n## ', readme.indexOf('## Task tools') + 1),
    );
    for (const tool of TASK_TOOL_DEFINITIONS) expect(section, tool.name).toContain(`| \`${tool.name}\``);
  });

  it('return tenant data under the same key as every other tool', () => {
    expect(REGISTRY_UNTRUSTED).toBe(UNTRUSTED);
  });
});

describe('ticket field rules', () => {
  const ok = [
    { user_id: 'auth0|1' },
    { email: 'a@example.com', connection_id: 'con_AbCdEfGhIjKlMnOp' },
    { user_id: 'auth0|1', identity: { user_id: '1', provider: 'auth0' as const } },
    { user_id: 'auth0|1', result_url: 'https://app.example.com/done', client_id: 'x', ttl_sec: 0 },
  ];
  const bad: Array<[Record<string, unknown>, string[]]> = [
    [{}, ['user_id or email']],
    [
      { user_id: 'auth0|1', email: 'a@example.com', connection_id: 'con_AbCdEfGhIjKlMnOp' },
      ['user_id, email'],
    ],
    [{ user_id: 'auth0|1', connection_id: 'con_AbCdEfGhIjKlMnOp' }, ['connection_id']],
    [{ email: 'a@example.com' }, ['email, connection_id']],
    [
      { user_id: 'auth0|1', result_url: 'https://a.example.com', organization_id: 'org_1' },
      ['result_url, organization_id'],
    ],
    [
      {
        email: 'a@example.com',
        connection_id: 'con_AbCdEfGhIjKlMnOp',
        identity: { user_id: '1', provider: 'auth0' },
      },
      ['identity, user_id'],
    ],
  ];

  it('accept what the API accepts', () => {
    for (const input of ok) expect(ticketRuleViolations(input), JSON.stringify(input)).toEqual([]);
  });

  it.each(bad)('refuse %j naming %j', (input, fields) => {
    const problems = ticketRuleViolations(input);
    expect(problems.map((p) => p.split(':')[0])).toEqual(fields);
  });

  it('agree with the catalog’s schema, which the gate checks again', async () => {
    const catalog = await auth0Catalog.inputSchema('post_password-change');
    for (const input of ok) expect(catalog.safeParse(input).success, JSON.stringify(input)).toBe(true);
    // The catalog does not know that identity needs user_id; every other refusal is shared.
    for (const [input, fields] of bad) {
      if (fields[0] === 'identity, user_id') continue;
      expect(catalog.safeParse(input).success, JSON.stringify(input)).toBe(false);
    }
  });

  it('type checks live in the schema: connection_id pattern, ttl_sec ≥ 0 whole, provider auth0', () => {
    const issues = (input: unknown) => {
      const parsed = ticketInput.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(issues({ connection_id: 'con_1' })).toEqual(['connection_id']);
    expect(issues({ ttl_sec: -1 })).toEqual(['ttl_sec']);
    expect(issues({ ttl_sec: 2.5 })).toEqual(['ttl_sec']);
    expect(issues({ identity: { user_id: 'x', provider: 'sms' } })).toEqual(['identity.provider']);
    expect(issues({ identity: { provider: 'auth0' } })).toEqual(['identity.user_id']);
  });
});

describe('answer helpers', () => {
  it('parseWhen reads ISO dates and 30m/24h/7d, and nothing else', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    expect(parseWhen('24h', now)).toBe(Date.parse('2026-01-09T00:00:00Z'));
    expect(parseWhen('7d', now)).toBe(Date.parse('2026-01-03T00:00:00Z'));
    expect(parseWhen('30m', now)).toBe(now - 30 * 60_000);
    expect(parseWhen('2026-01-01', now)).toBe(Date.parse('2026-01-01'));
    for (const bad of ['yesterday', '7w', '', '2026-13-45']) expect(parseWhen(bad, now), bad).toBeUndefined();
  });

  it('explainTypes explains the codes named in the issue, and only those asked', () => {
    for (const type of ['f', 'fp', 'fu', 'limit_wc', 'limit_mu', 'pwd_leak', 's'])
      expect(LOG_TYPES[type]).toBeDefined();
    expect(Object.keys(explainTypes(['fp', 'fp', 'unknown_code', 'limit_wc']))).toEqual(['fp', 'limit_wc']);
  });

  it('nameQuery makes a prefix search of a plain word and an exact, quote-free one otherwise', () => {
    expect(nameQuery('carol')).toBe('name:carol* OR nickname:carol* OR email:carol*');
    expect(nameQuery('Carol Martins')).toBe('name:"Carol Martins"');
    expect(nameQuery('x" OR email:*')).toBe('name:"x OR email:*"');
  });
});
