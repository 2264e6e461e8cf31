/**
 * Append-only JSON-lines output (alerts, rejects) to a file or stdout (`-`), with backpressure
 * absorbed in memory: replay is bounded input, and alerts/rejects are a small fraction of it;
 * and whole output files (reports, labels) written at once.
 *
 * Write errors (a missing directory, a full disk, a closed pipe) surface as one coded
 * OUTPUT_UNWRITABLE error: from `openAll` when a file cannot be created, so a replay fails before
 * it reads anything, and from `close` when a later write failed. Unheard, they would be uncaught
 * stream errors: a stack trace instead of a message.
 */

import { once } from "node:events";
import type { WriteStream } from "node:fs";
import { type FileHandle, open, writeFile } from "node:fs/promises";
import { AgentwatchError } from "../errors.js";

export class JsonlWriter {
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private failure: Error | undefined;

  private constructor(
    private readonly path: string,
    handle: FileHandle | undefined,
  ) {
    this.stream = handle ? handle.createWriteStream() : process.stdout;
    this.stream.on("error", (error) => {
      this.failure ??= error;
    });
  }

  /** Creates (truncates) the file, or takes stdout for `-`; rejects when it cannot be written. */
  static async open(path: string): Promise<JsonlWriter> {
    const [writer] = await JsonlWriter.openAll([path]);
    return writer as JsonlWriter;
  }

  /**
   * Opens several outputs like `open`, but truncates none of them until every one could be
   * opened: an output that cannot be written then leaves the others' previous content intact.
   */
  static async openAll(paths: readonly string[]): Promise<JsonlWriter[]> {
    const handles: Array<FileHandle | undefined> = [];
    try {
      for (const path of paths) {
        // Append mode creates without truncating; writes still land at the end once truncated.
        handles.push(path === "-" ? undefined : await open(path, "a").catch(failWith(path)));
      }
      await Promise.all(
        handles.map((handle, i) => handle && emptied(handle).catch(failWith(paths[i] ?? ""))),
      );
    } catch (error) {
      await Promise.all(handles.map((handle) => handle?.close()));
      throw error;
    }
    return paths.map((path, i) => new JsonlWriter(path, handles[i]));
  }

  write(record: unknown): void {
    if (this.failure === undefined) this.stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Waits until everything written has been flushed; closes files, leaves stdout open. */
  async close(): Promise<void> {
    try {
      if (this.stream === process.stdout) {
        if (this.failure === undefined && this.stream.writableNeedDrain) await once(this.stream, "drain");
      } else {
        const stream = this.stream as WriteStream;
        stream.end();
        // A failed stream is destroyed and never finishes.
        if (this.failure === undefined) await once(stream, "finish");
      }
    } catch (error) {
      this.failure ??= error as Error;
    }
    // A reader that stopped reading stdout (`| head`) is not a failure: like other Unix tools,
    // stop writing and exit quietly.
    if (this.failure && !(this.stream === process.stdout && isBrokenPipe(this.failure)))
      throw this.unwritable(this.failure);
  }

  private unwritable(error: Error): AgentwatchError {
    return unwritable(this.path, error);
  }
}

/** Writes a whole output file (a report, labels) at once, failing as OUTPUT_UNWRITABLE. */
export async function writeOutputFile(path: string, text: string): Promise<void> {
  await writeFile(path, text).catch(failWith(path));
}

function unwritable(path: string, error: Error): AgentwatchError {
  const name = path === "-" ? "stdout" : path;
  return new AgentwatchError("OUTPUT_UNWRITABLE", `${name}: ${error.message}`, { cause: error });
}

/** Empties a regular file; a device or a pipe (`/dev/stderr`) cannot be, and need not be, truncated. */
async function emptied(handle: FileHandle): Promise<void> {
  if ((await handle.stat()).isFile()) await handle.truncate(0);
}

const failWith =
  (path: string) =>
  (error: Error): never => {
    throw unwritable(path, error);
  };

function isBrokenPipe(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === "EPIPE";
}
