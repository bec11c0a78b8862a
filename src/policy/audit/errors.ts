/**
 * The one error the audit trail throws. The gate treats any of them as "this call may not proceed": an
 * action that cannot be recorded does not happen (fail closed).
 */

/** Stable codes of {@link AuditWriteError}. */
export type AuditErrorCode =
  | 'io' // the file system refused: open, write, fsync or read failed
  | 'not_regular' // the path is not a regular file (a directory, a device, a pipe)
  | 'torn_tail' // the file's last line has no newline: a write was cut short by a crash
  | 'bad_tail' // the file's last line is not a sealed audit record: edited, or not an audit log
  | 'unserializable' // the event could not be written as JSON (a cycle, a BigInt)
  | 'bad_key' // the key file is not one
  | 'key_ahead' // the key file is ahead of the log: records were cut off
  | 'foreign_chain' // the log's last record is another replica's: two replicas share one trail
  | 'bad_replica' // the replica id is not one
  | 'closed'; // append after close()

/** A record could not be made durable, or the log cannot be continued safely. */
export class AuditWriteError extends Error {
  override readonly name = 'AuditWriteError';
  /**
   * @param code stable machine-readable code
   * @param message what happened and what the operator should do, naming the file
   * @param path the audit log file
   * @param line 1-based line the problem is on, when it is about one line
   * @param options the underlying error, when there is one
   */
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    readonly path: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
