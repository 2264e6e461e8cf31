/**
 * Append-only JSON-lines output (alerts, rejects) to a file or stdout (`-`), with backpressure
 * absorbed in memory: replay is bounded input, and alerts/rejects are a small fraction of it.
 *
 * Write errors (a missing directory, a full disk, a closed pipe) surface as one coded
 * OUTPUT_UNWRITABLE error: from `open` when the file cannot be created, so a replay fails before
 * it reads anything, and from `close` when a later write failed. Unheard, they would be uncaught
 * stream errors: a stack trace instead of a message.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { AgentwatchError } from "../errors.js";

export class JsonlWriter {
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private failure: Error | undefined;

  private constructor(private readonly path: string) {
    this.stream = path === "-" ? process.stdout : createWriteStream(path, { flags: "w" });
    this.stream.on("error", (error) => {
      this.failure ??= error;
    });
  }

  /** Creates (truncates) the file, or takes stdout for `-`; rejects when it cannot be written. */
  static async open(path: string): Promise<JsonlWriter> {
    const writer = new JsonlWriter(path);
    if (writer.stream !== process.stdout) {
      await once(writer.stream, "open").catch((error: Error) => {
        throw writer.unwritable(error);
      });
    }
    return writer;
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
    const name = this.path === "-" ? "stdout" : this.path;
    return new AgentwatchError("OUTPUT_UNWRITABLE", `${name}: ${error.message}`, { cause: error });
  }
}

function isBrokenPipe(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === "EPIPE";
}
