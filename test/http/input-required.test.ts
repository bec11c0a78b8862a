// Pins the 2026-07-28 confirmation on the wire (raw HTTP, no SDK client in between): the first round
// answers `input_required` with the form and a sealed `requestState`; a retry with the box ticked runs
// the call once; a tampered, replayed, foreign (another principal's) or mismatched (other arguments)
// state is refused, recorded, held for a person out of band, and nothing is sent.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpCli, startHttpCli } from '../helpers/mcp-client.js';
import { raw } from './raw-request.js';

const DESK = 'desk-token-0123456789abcdef';
const OTHER = 'other-token-0123456789abcdef';
const REVISION = '2026-07-28';

let cli: HttpCli;
const stateDir = mkdtempSync(join(tmpdir(), 'tenant-mcp-input-required-'));
let id = 100;

beforeAll(async () => {
  cli = await startHttpCli(['--profile', 'helpdesk'], {
    TENANT_MCP_HTTP_TOKEN: `${DESK}@+elicitation,${OTHER}@+elicitation`,
    TENANT_MCP_RATE_LIMIT: '0',
    TENANT_MCP_STATE_DIR: stateDir,
  });
});
afterAll(async () => {
  await cli?.stop();
});

/** One 2026-07-28 `tools/call`, with the per-request envelope, and the retry's answer when given. */
async function call(
  token: string,
  name: string,
  args: Record<string, unknown>,
  retry?: { requestState: string; confirm?: unknown; action?: string },
) {
  const params: Record<string, unknown> = {
    name,
    arguments: args,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': REVISION,
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
      'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1' },
    },
    ...(retry
      ? {
          requestState: retry.requestState,
          inputResponses: {
            confirm: { action: retry.action ?? 'accept', content: { confirm: retry.confirm ?? true } },
          },
        }
      : {}),
  };
  const response = await raw(cli.url, {
    token,
    headers: { 'mcp-protocol-version': REVISION, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params }),
  });
  expect(response.status, response.body).toBe(200);
  return response.json().result as WireResult;
}

/** The parts of a tools/call result these tests read: content, or a 2026-07-28 input request. */
interface WireResult {
  resultType?: string;
  isError?: boolean;
  content?: Array<{ text: string }>;
  requestState: string;
  inputRequests: { confirm: { method: string; params: { message: string } } };
}

const text = (result: WireResult) => (result.content ?? []).map((c) => c.text).join('\n');
const blockBob = { user: 'bob@northwind.example.com' };
const blockErin = { user: 'erin@example.org' };
const audit = () =>
  readFileSync(join(stateDir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('input_required on the wire', () => {
  it('asks with the form and a sealed state, then runs once on the ticked retry', async () => {
    const first = await call(DESK, 'block_user', blockBob);
    expect(first.resultType).toBe('input_required');
    expect(first.inputRequests.confirm.method).toBe('elicitation/create');
    expect(first.inputRequests.confirm.params.message).toMatch(/name "Bob Okafor"/);
    expect(first.requestState).toMatch(/^v1\./);
    const done = await call(DESK, 'block_user', blockBob, { requestState: first.requestState });
    expect(done.isError, text(done)).toBeFalsy();
    expect(JSON.parse(text(done)).done).toEqual(['blocked flag set']);
    // The same answer again, for the same change through another tool (the task now finds Bob blocked
    // and would not ask): the state works once.
    const replay = await call(
      DESK,
      'invoke_write_operation',
      { operation: 'patch_users_by_id', arguments: { id: 'auth0|64f1a0c2e4b0a1b2c3d40002', blocked: true } },
      { requestState: first.requestState },
    );
    expect(replay.isError).toBe(true);
    expect(text(replay)).toMatch(/this answer was already used once/);
    expect(text(replay)).toMatch(/approval_id: "apr_[a-z0-9]{24}"/);
  });

  it('refuses a tampered state, one another principal was given, and one for other arguments', async () => {
    const first = await call(DESK, 'block_user', blockErin);
    const state = first.requestState as string;
    const tampered = `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
      [DESK, tampered, blockErin, /altered or is not one this server made/],
      [OTHER, state, blockErin, /given to another principal/],
      [DESK, state, { user: 'alice@northwind.example.com' }, /given for other changes than this call makes/],
    ];
    for (const [token, requestState, args, reason] of cases) {
      const refused = await call(token, 'block_user', args, { requestState });
      expect(refused.isError, text(refused)).toBe(true);
      expect(text(refused)).toMatch(reason);
      expect(text(refused)).toMatch(/nothing was sent/);
    }
    const refusals = audit()
      .filter((r) => r.unmapped.decision === 'refused')
      .map((r) => r.status_detail);
    for (const [, , , reason] of cases) expect(refusals.some((line: string) => reason.test(line))).toBe(true);
    // Erin was never blocked by any of them.
    const erin = await call(DESK, 'invoke_read_operation', {
      operation: 'get_users_by_id',
      arguments: { id: 'auth0|64f1a0c2e4b0a1b2c3d40005' },
    });
    expect(JSON.parse(text(erin).split('\n')[0]!).untrusted_tenant_data.blocked).not.toBe(true);
  });

  it('takes an unticked box as a no, remembered for the change', async () => {
    const args = { user: 'frank.castillo@example.net' };
    const first = await call(DESK, 'block_user', args);
    const no = await call(DESK, 'block_user', args, { requestState: first.requestState, confirm: false });
    expect(text(no)).toMatch(/A person declined block_user/);
    const again = await call(DESK, 'block_user', args);
    expect(text(again)).toMatch(/declined patch_users_by_id with these arguments/);
  });
});
