/**
 * Splits a byte stream into lines without ever holding more than one maximum-length line.
 *
 * Log sources hand us arbitrary chunks; lines can straddle chunks, be absurdly long (a
 * misconfigured gateway dumping bodies) or not be UTF-8 at all. Oversized lines are skipped
 * up to their newline and reported with only a bounded prefix, so a 1 GB line costs no memory.
 * UTF-8 is checked on bytes (`buffer.isUtf8`, native) because a decoded string has already
 * replaced bad bytes with U+FFFD and the evidence is gone.
 */
import { isUtf8 } from "node:buffer";
import type { ErrorCode } from "../errors.js";

/** Receives each complete line (without its newline or trailing CR) and its 1-based number. */
export type LineHandler = (line: string, lineNumber: number) => void;
/** Receives each line that could not be turned into a string, with a bounded raw prefix. */
export type LineRejectHandler = (lineNumber: number, code: ErrorCode, rawPrefix: string) => void;

/** How much of a rejected line is kept for the rejects file. */
export const REJECT_PREFIX_BYTES = 512;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of a line that already exceeded the limit. */
  private discarding = false;
  private discardPrefix = "";
  private lineNumber = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: LineHandler,
    private readonly onReject: LineRejectHandler,
  ) {}

  /** Number of lines seen so far (complete ones, rejected or not). */
  get linesSeen(): number {
    return this.lineNumber;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(10, start);
    while (newline !== -1) {
      this.completeLine(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.keepPartial(chunk.subarray(start));
  }

  /** Flushes a last line that had no trailing newline. */
  end(): void {
    if (this.discarding || this.pendingBytes > 0) this.completeLine(Buffer.alloc(0), 0, 0);
  }

  private keepPartial(part: Buffer): void {
    if (this.discarding) return;
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.startDiscarding(part);
      return;
    }
    // Copy: the caller may reuse the chunk's memory once push() returns.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  private startDiscarding(part: Buffer): void {
    const head = this.pendingBytes > 0 ? Buffer.concat([...this.pending, part]) : part;
    this.discardPrefix = head.subarray(0, REJECT_PREFIX_BYTES).toString("utf8");
    this.discarding = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private completeLine(chunk: Buffer, start: number, end: number): void {
    this.lineNumber++;
    if (this.discarding) {
      this.discarding = false;
      this.onReject(this.lineNumber, "LINE_TOO_LONG", this.discardPrefix);
      this.discardPrefix = "";
      return;
    }
    let bytes = chunk.subarray(start, end);
    if (this.pendingBytes > 0) {
      bytes = Buffer.concat([...this.pending, bytes]);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.maxLineBytes) {
      this.onReject(
        this.lineNumber,
        "LINE_TOO_LONG",
        bytes.subarray(0, REJECT_PREFIX_BYTES).toString("utf8"),
      );
      return;
    }
    if (!isUtf8(bytes)) {
      this.onReject(
        this.lineNumber,
        "INVALID_UTF8",
        bytes.subarray(0, REJECT_PREFIX_BYTES).toString("latin1"),
      );
      return;
    }
    this.onLine(bytes.toString("utf8"), this.lineNumber);
  }
}
