/**
 * Unwraps container runtime (CRI / containerd) log lines, as Kubernetes writes a container's
 * stdout: `2025-12-31T17:37:40.493035218+01:00 stdout F <payload>`.
 *
 * The runtime splits long lines (16 KiB by default) into `P` (partial) records followed by one
 * `F` (full) record. Fragments are joined per stream (stdout, stderr) until the `F` arrives, and
 * only then parsed; a `P` line itself yields nothing. A joined line longer than the maximum line
 * length is rejected as LINE_TOO_LONG when its `F` arrives, and the fragments are not kept past
 * that limit. Joining assumes the lines of one container file arrive in order, so a decoder
 * must read one source (file, partition) at a time, which is how replay and the consumers use it.
 * The runtime's timestamp is ignored: the access log's own request time is the event time.
 */
import { type LineRejection, reject } from "./types.js";

/** `unwrap` result for a partial fragment: wait for the rest. */
export const PARTIAL = Symbol("partial CRI line");

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class CriUnwrapper {
  private stdout = "";
  private stderr = "";
  private stdoutTooLong = false;
  private stderrTooLong = false;

  constructor(private readonly maxLineLength: number) {}

  /**
   * The access-log payload of a CRI line; undefined when `line` is not a CRI line; PARTIAL for
   * a fragment; a rejection when the joined line is too long.
   */
  unwrap(line: string): string | undefined | typeof PARTIAL | LineRejection {
    if (!isDigit(line.charCodeAt(0)) || line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84)
      return undefined;
    const timeEnd = line.indexOf(" ", 19);
    if (timeEnd < 0) return undefined;
    let stderr: boolean;
    if (line.startsWith("stdout ", timeEnd + 1)) stderr = false;
    else if (line.startsWith("stderr ", timeEnd + 1)) stderr = true;
    else return undefined;
    const tagAt = timeEnd + 8;
    const tag = line.charCodeAt(tagAt);
    if ((tag !== 70 && tag !== 80) || (line.length > tagAt + 1 && line.charCodeAt(tagAt + 1) !== 32))
      return undefined;
    const payload = line.slice(tagAt + 2);
    const pending = stderr ? this.stderr : this.stdout;
    const tooLong =
      (stderr ? this.stderrTooLong : this.stdoutTooLong) ||
      pending.length + payload.length > this.maxLineLength;
    if (tag === 80) {
      this.keep(stderr, tooLong ? "" : pending + payload, tooLong);
      return PARTIAL;
    }
    this.keep(stderr, "", false);
    if (tooLong) return reject("LINE_TOO_LONG", "joined CRI partial lines exceed the maximum line length");
    return pending === "" ? payload : pending + payload;
  }

  private keep(stderr: boolean, pending: string, tooLong: boolean): void {
    if (stderr) {
      this.stderr = pending;
      this.stderrTooLong = tooLong;
    } else {
      this.stdout = pending;
      this.stdoutTooLong = tooLong;
    }
  }
}
