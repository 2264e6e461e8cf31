/**
 * Append-only JSON-lines output (alerts, rejects) to a file or stdout (`-`), with backpressure
 * absorbed in memory: replay is bounded input, and alerts/rejects are a small fraction of it.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";

export class JsonlWriter {
  private readonly stream: WriteStream | NodeJS.WriteStream;

  constructor(path: string) {
    this.stream = path === "-" ? process.stdout : createWriteStream(path, { flags: "w" });
  }

  write(record: unknown): void {
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Waits until everything written has been flushed; closes files, leaves stdout open. */
  async close(): Promise<void> {
    if (this.stream === process.stdout) {
      if (this.stream.writableNeedDrain) await once(this.stream, "drain");
      return;
    }
    const stream = this.stream as WriteStream;
    stream.end();
    await once(stream, "finish");
  }
}
