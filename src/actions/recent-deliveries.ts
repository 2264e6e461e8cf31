/**
 * The last few deliveries and dead letters, kept in memory for the status API (`GET
 * /v1/deliveries`, the console's alerts page). Bounded rings: the durable record stays the
 * dead-letter file and the metrics; this is what a person looking at the console wants to see
 * first. Dead letters written before this process started are read back from the tail of the file,
 * so a restart does not hide them.
 */
import { open } from "node:fs/promises";
import type { SinkEvent } from "../../alerts/sink.js";
import type { DeadLetter, DeadLetterLog } from "./dead-letter.js";
import type { Job, JobOutcome } from "./delivery.js";

export interface DeliveryEntry {
  /** Wall time the delivery ended. */
  at: string;
  sink: string;
  /** What was delivered: an alert, a recovery, a decision's end, a test ping. */
  kind: SinkEvent["kind"];
  recordId: string;
  agentId: string;
  outcome: Exclude<JobOutcome, "deferred">;
}

export interface RecentDeliveriesView {
  /** Newest first. */
  deliveries: DeliveryEntry[];
  /** Newest first. */
  deadLetters: DeadLetter[];
}

const KEPT = 200;
/** Bytes read back from the end of the dead-letter file at start. */
const TAIL_BYTES = 64 * 1024;

/** A ring that keeps the last `size` items. */
class Ring<T> {
  readonly #items: T[] = [];
  constructor(readonly size: number) {}
  push(item: T): void {
    this.#items.push(item);
    if (this.#items.length > this.size) this.#items.shift();
  }
  newestFirst(): T[] {
    return [...this.#items].reverse();
  }
}

export class RecentDeliveries {
  readonly #deliveries = new Ring<DeliveryEntry>(KEPT);
  readonly #deadLetters = new Ring<DeadLetter>(KEPT);

  /** Called by the sink runners with every final outcome. */
  finished(sink: string, job: Job, outcome: JobOutcome): void {
    if (outcome === "deferred") return;
    const agentId = job.agentId;
    this.#deliveries.push({
      at: new Date().toISOString(),
      sink,
      kind: job.event.kind,
      recordId: job.recordId,
      agentId,
      outcome,
    });
  }

  /** Wraps the dead-letter log so that every letter written is also remembered here. */
  remembering(log: DeadLetterLog): DeadLetterLog {
    return {
      write: async (letter) => {
        await log.write(letter);
        this.#deadLetters.push(letter);
      },
    };
  }

  /** Reads back the last dead letters of a previous run (a missing file is no error). */
  async loadDeadLetters(path: string): Promise<void> {
    const file = await open(path, "r").catch(() => undefined);
    if (!file) return;
    try {
      const { size } = await file.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const buffer = Buffer.alloc(size - start);
      await file.read(buffer, 0, buffer.length, start);
      const lines = buffer.toString("utf8").split("\n");
      if (start > 0) lines.shift(); // the first line was cut in the middle
      for (const line of lines) {
        if (!line) continue;
        try {
          this.#deadLetters.push(JSON.parse(line) as DeadLetter);
        } catch {
          // A line cut by a crash mid-write: the file keeps it, the view skips it.
        }
      }
    } finally {
      await file.close();
    }
  }

  view(): RecentDeliveriesView {
    return { deliveries: this.#deliveries.newestFirst(), deadLetters: this.#deadLetters.newestFirst() };
  }
}
