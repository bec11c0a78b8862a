/** What the set-up commands need of the process, so tests can run them with a temporary home. */
export interface SetupIO {
  /** Environment. */
  env: NodeJS.ProcessEnv;
  /** Standard input (a terminal makes the commands ask). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Standard output: what a person reads. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Standard error: what went wrong. */
  stderr: NodeJS.WritableStream;
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** The home directory. */
  home: string;
  /** The working directory (the project, for project-scoped configs). */
  cwd: string;
  /** The Node binary client configs start. */
  execPath: string;
  /** The CLI script client configs start (`process.argv[1]`). */
  cliPath: string | undefined;
}

/** A mistake in what the person asked for: exit code 2, one line naming the flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads all of a stream (for `--token-stdin`), at most 64 KiB. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    if (text.length > 65_536)
      throw new UsageError('stdin holds more than 64 KiB: that is not a token or a secret.');
  }
  return text.trim();
}
