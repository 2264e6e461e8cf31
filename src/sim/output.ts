/**
 * Where simulated lines go. A `LineWriter` is the one seam: files and stdout here, a Kafka
 * producer later, each honouring back-pressure by returning a promise when it needs the caller
 * to wait. `paced` turns the (instant) simulation into a real-time stream for demos.
 */
import { once } from "node:events";
import { createWriteStream, openSync } from "node:fs";
import type { Writable } from "node:stream";
import { AgentwatchError } from "../errors.js";
import type { SimEvent } from "./agent.js";

export interface LineWriter {
  /** Writes one line (no newline); a returned promise means "wait before the next write". */
  write(line: string): undefined | Promise<void>;
  close(): Promise<void>;
}

/**
 * Wraps a Node stream; `ownsStream` decides whether `close` ends it (never for stdout). Lines
 * are gathered into chunks of about `batchBytes` characters, because a million small writes
 * cost more than generating the lines; 0 writes every line at once (live streaming).
 */
function streamWriter(stream: Writable, ownsStream: boolean, batchBytes = 1 << 16): LineWriter {
  let pending = "";
  const flush = (): undefined | Promise<void> => {
    const chunk = pending;
    pending = "";
    if (chunk === "" || stream.write(chunk)) return undefined;
    return once(stream, "drain").then(() => undefined);
  };
  return {
    write(line) {
      pending += `${line}\n`;
      return pending.length >= batchBytes ? flush() : undefined;
    },
    async close() {
      await flush();
      if (!ownsStream) return;
      stream.end();
      await once(stream, "finish");
    },
  };
}

/**
 * A file, or stdout for `-`; `live` writes every line immediately. The file is opened here, so a
 * path that cannot be written fails as OUTPUT_UNWRITABLE before anything is simulated.
 */
export function openLineWriter(path: string, live = false): LineWriter {
  const batch = live ? 0 : 1 << 16;
  if (path === "-") return streamWriter(process.stdout, false, batch);
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (error) {
    throw new AgentwatchError("OUTPUT_UNWRITABLE", `${path}: ${(error as Error).message}`, { cause: error });
  }
  return streamWriter(createWriteStream(path, { fd, highWaterMark: 1 << 20 }), true, batch);
}

export interface PaceOptions {
  /** Simulated seconds per wall-clock second (1 = real time). */
  speed: number;
  /** Wall clock, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Yields events no earlier than their simulated time allows, measured from the first event.
 * Timing is kept against the start, not per event, so delays never accumulate drift.
 */
export async function* paced(events: Iterable<SimEvent>, opts: PaceOptions): AsyncGenerator<SimEvent> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let simStart: number | undefined;
  let wallStart = 0;
  for (const e of events) {
    if (simStart === undefined) {
      simStart = e.timestamp;
      wallStart = now();
    }
    const due = wallStart + (e.timestamp - simStart) / opts.speed;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    yield e;
  }
}
