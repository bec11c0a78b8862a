/**
 * `tenant-mcp approve <id>`: the person's side of a held call. It shows the same view a client would have
 * shown (tenant, who asked, each change and whom it acts on), asks y/N on a terminal (`--yes` for scripts),
 * and marks the approval usable once; "n" or `--deny` denies it, which is final and refuses the same
 * change through every tool for a while.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ApprovalError, type ApprovalStore } from './approvals.js';

/** Where the command reads and writes. */
export interface CommandIo {
  /** Standard input (a TTY when a person is there). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Standard output. */
  stdout: NodeJS.WritableStream;
  /** Standard error. */
  stderr: NodeJS.WritableStream;
}

const USAGE =
  'usage: tenant-mcp approve <apr_id> [--yes] | tenant-mcp approve --deny <apr_id> | tenant-mcp approve --list';

const HELP = `${USAGE}

Approve or deny a call an agent is waiting on. The state directory (TENANT_MCP_STATE_DIR, default
~/.tenant-mcp) must be the server's.

  tenant-mcp approve <apr_id>         show what the call would change, then ask y/N (y approves, n denies)
  tenant-mcp approve <apr_id> --yes   approve without asking (scripts)
  tenant-mcp approve --deny <apr_id>  deny: final; the same change is refused through every tool for 15 minutes
  tenant-mcp approve --list           the calls waiting, newest first
  tenant-mcp approve --help           this text

Exit codes: 0 approved (or denied with --deny, or listed), 1 not approved (denied at the prompt, or the id
cannot be used), 2 usage.`;

/** Runs the command; resolves with the exit code (0 approved or listed, 1 refused or declined, 2 usage). */
export async function runApproveCommand(
  argv: string[],
  store: ApprovalStore,
  io: CommandIo,
): Promise<number> {
  const say = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    say(io.stderr, `tenant-mcp approve: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    say(io.stdout, HELP);
    return 0;
  }
  if (values.list) {
    const pending = await store.listPending();
    if (!pending.length) say(io.stdout, 'No approvals are waiting.');
    for (const record of pending) {
      const state = record.deniedAt ? 'denied' : record.approvedAt ? 'approved, unused' : 'waiting';
      say(
        io.stdout,
        `${record.id}  ${record.operation} on "${record.tenant}"  ${state}  expires ${new Date(record.expiresAt).toISOString()}`,
      );
    }
    return 0;
  }
  if (positionals.length !== 1) {
    say(io.stderr, USAGE);
    return 2;
  }
  const id = positionals[0]!;
  const by = userInfoName();
  try {
    const record = await store.get(id);
    if (values.deny) {
      await store.deny(id, by);
      say(io.stdout, `Denied ${id}. The call will not run, and the same change is refused for a while.`);
      return 0;
    }
    if (record.deniedAt) {
      say(
        io.stderr,
        `tenant-mcp approve: ${id} was denied by ${record.deniedBy ?? 'a person'}; it cannot be approved.`,
      );
      return 1;
    }
    if (record.approvedAt) {
      say(io.stdout, `${id} is already approved; the agent can repeat its call with approval_id "${id}".`);
      return 0;
    }
    say(io.stdout, `Approval ${id}, requested ${new Date(record.createdAt).toISOString()}:\n`);
    say(io.stdout, record.summary);
    say(
      io.stdout,
      `\nExpires ${new Date(record.expiresAt).toISOString()}. It lets this exact call run once.`,
    );
    if (!values.yes) {
      if (!io.stdin.isTTY) {
        say(io.stderr, 'tenant-mcp approve: not a terminal; pass --yes to approve from a script.');
        return 2;
      }
      const rl = createInterface({ input: io.stdin, output: io.stdout });
      const answer = await rl.question('Approve? [y/N] ');
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        // Anything but yes is a no, and a no is final: the agent must not be able to ask again and again.
        await store.deny(id, by);
        say(io.stdout, 'Denied. The call will not run, and the same change is refused for a while.');
        return 1;
      }
    }
    await store.approve(id, by);
    say(io.stdout, `Approved. The agent can now repeat its call with approval_id "${id}".`);
    return 0;
  } catch (error) {
    if (error instanceof ApprovalError) {
      say(io.stderr, `tenant-mcp approve: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** The OS user, recorded as who decided; some containers run as a uid with no passwd entry. */
function userInfoName(): string {
  try {
    return `${userInfo().username} (tenant-mcp approve)`;
  } catch {
    return `${process.env.USER ?? 'unknown user'} (tenant-mcp approve)`;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      yes: { type: 'boolean', short: 'y' },
      list: { type: 'boolean' },
      deny: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
