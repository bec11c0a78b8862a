/**
 * Splitting an audit file into lines with a bound on each: the merged view and the shipper read files
 * that may be damaged or hostile, so a line with no newline for gigabytes is skipped by its length, never
 * held whole in memory. Chunks come from a synchronous or an asynchronous reader alike.
 */

/** A line longer than this is not a record the writer made (arguments are cut at 16 KiB): it is skipped. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** One line of a file. */
export interface Line {
  /** Its bytes without the newline (empty when `tooLong`). */
  bytes: Buffer;
  /** Byte offset where it starts. */
  offset: number;
  /** Whether a newline ended it; the last line of a file a crash cut short has none. */
  terminated: boolean;
  /** The line ran past the bound and was skipped. */
  tooLong?: true;
}

/** Feeds chunks in, takes whole lines out. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;
  private lineStart: number;
  private position: number;

  /**
   * @param maxLine longest line kept, in bytes
   * @param start byte offset of the first chunk in its file
   */
  constructor(
    private readonly maxLine = MAX_LINE_BYTES,
    start = 0,
  ) {
    this.lineStart = start;
    this.position = start;
  }

  /** Byte offset just after the last whole line handed out: where reading may resume. */
  get resumeAt(): number {
    return this.lineStart;
  }

  /** Takes the next chunk (copied where kept) and returns the lines it completes. */
  push(chunk: Uint8Array): Line[] {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: Line[] = [];
    let from = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, from)) {
      const piece = data.subarray(from, newline);
      if (this.skipping || this.pendingBytes + piece.length > this.maxLine) {
        lines.push({ bytes: Buffer.alloc(0), offset: this.lineStart, terminated: true, tooLong: true });
      } else {
        const bytes = this.pending.length ? Buffer.concat([...this.pending, piece]) : Buffer.from(piece);
        lines.push({ bytes, offset: this.lineStart, terminated: true });
      }
      this.pending = [];
      this.pendingBytes = 0;
      this.skipping = false;
      from = newline + 1;
      this.lineStart = this.position + from;
    }
    if (from < data.length && !this.skipping) {
      const rest = data.subarray(from);
      if (this.pendingBytes + rest.length > this.maxLine) {
        this.skipping = true;
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    this.position += data.length;
    return lines;
  }

  /** At the end of the file: the unterminated rest, if any (a torn write, or one still in progress). */
  end(): Line | undefined {
    if (this.position === this.lineStart) return undefined;
    const line: Line = this.skipping
      ? { bytes: Buffer.alloc(0), offset: this.lineStart, terminated: false, tooLong: true }
      : { bytes: Buffer.concat(this.pending), offset: this.lineStart, terminated: false };
    return line;
  }
}
