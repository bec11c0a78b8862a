/**
 * `tenant-mcp approve <id>`: the person's side of a held call. It shows the same summary a client would
 * have shown, asks y/N on a terminal (`--yes` for scripts), and marks the approval usable once.
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

const USAGE = 'usage: tenant-mcp approve <apr_id> [--yes] | tenant-mcp approve --list';

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
  if (values.list) {
    const pending = store.listPending();
    if (!pending.length) say(io.stdout, 'No approvals are waiting.');
    for (const record of pending) {
      const state = record.approvedAt ? 'approved, unused' : 'waiting';
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
  try {
    const record = store.get(id);
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
        say(io.stdout, 'Not approved. The call will not run.');
        return 1;
      }
    }
    store.approve(id, userInfo().username);
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

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { yes: { type: 'boolean', short: 'y' }, list: { type: 'boolean' } },
  });
}
