/**
 * Unwraps container runtime (CRI / containerd) log lines, as Kubernetes writes a container's
 * stdout: `2025-12-31T17:37:40.493035218+01:00 stdout F <payload>`.
 *
 * The runtime splits long lines (16 KiB by default) into `P` (partial) records followed by one
 * `F` (full) record. Fragments are joined per stream (stdout, stderr) until the `F` arrives, and
 * only then parsed; a `P` line itself yields nothing. A joined line longer than the maximum line
 * length is rejected as LINE_TOO_LONG when its `F` arrives, and the fragments are not kept past
 * that limit. Joining assumes the lines of one container file arrive in order, so an unwrapper
 * (and the decoder holding it) must serve one source (file, partition): fragments of one file
 * must never be completed by the next file's lines. When that source ends, `end()` turns each
 * line still waiting for its `F` into a TRUNCATED_CRI_LINE rejection instead of dropping it.
 * The runtime's timestamp is ignored: the access log's own request time is the event time.
 */
import { type LineRejection, reject } from "./types.js";

/** `unwrap` result for a partial fragment: wait for the rest. */
export const PARTIAL = Symbol("partial CRI line");

/** A line whose source ended before its `F` fragment: where it began, and that first fragment. */
export interface UnfinishedLine {
  /** The caller's number for the line holding the first fragment. */
  lineNumber: number;
  /** That first fragment as read, CRI prefix included: what an operator greps the file for. */
  raw: string;
  rejection: LineRejection;
}

/** One stream's line under construction. */
interface Pending {
  payload: string;
  /** The fragments so far exceed the maximum line length; their text is no longer kept. */
  tooLong: boolean;
  fragments: number;
  firstLineNumber: number;
  firstRaw: string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class CriUnwrapper {
  private stdout: Pending | undefined;
  private stderr: Pending | undefined;

  constructor(private readonly maxLineLength: number) {}

  /**
   * The access-log payload of a CRI line; undefined when `line` is not a CRI line; PARTIAL for
   * a fragment; a rejection when the joined line is too long. `lineNumber` is only echoed by
   * `end()`.
   */
  unwrap(line: string, lineNumber = 0): string | undefined | typeof PARTIAL | LineRejection {
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
      (pending?.tooLong ?? false) || (pending?.payload.length ?? 0) + payload.length > this.maxLineLength;
    if (tag === 80) {
      const next: Pending = pending ?? {
        payload: "",
        tooLong: false,
        fragments: 0,
        firstLineNumber: lineNumber,
        firstRaw: line,
      };
      next.payload = tooLong ? "" : next.payload + payload;
      next.tooLong = tooLong;
      next.fragments++;
      if (stderr) this.stderr = next;
      else this.stdout = next;
      return PARTIAL;
    }
    if (stderr) this.stderr = undefined;
    else this.stdout = undefined;
    if (tooLong) return reject("LINE_TOO_LONG", "joined CRI partial lines exceed the maximum line length");
    return pending === undefined ? payload : pending.payload + payload;
  }

  /** The source ended: every line still waiting for its `F`, oldest first; the joiner is empty again. */
  end(): UnfinishedLine[] {
    const unfinished = [this.stdout, this.stderr]
      .filter((pending): pending is Pending => pending !== undefined)
      .sort((a, b) => a.firstLineNumber - b.firstLineNumber)
      .map((pending) => ({
        lineNumber: pending.firstLineNumber,
        raw: pending.firstRaw,
        rejection: reject(
          "TRUNCATED_CRI_LINE",
          `input ended after ${pending.fragments} partial fragment(s) of this line and no final one`,
        ),
      }));
    this.stdout = undefined;
    this.stderr = undefined;
    return unfinished;
  }
}
