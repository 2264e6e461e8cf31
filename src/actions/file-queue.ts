/**
 * The on-disk `DurableQueue` of embedded mode: append-only segment files of JSON lines plus an
 * acks file. Appends are group-committed (one write and one fdatasync for every append made in
 * the same tick), so `append` is durable without paying an fsync per alert. On open, a torn last
 * line left by a crash is cut off, unacked records are handed out again, and segments whose
 * records are all acked are deleted. Acks are written without fsync: a lost ack only means the
 * record is handed out again, and the delivery ledger turns that into a no-op.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DurableQueue, QueuedRecord } from "./queue.js";
import type { ActionRecord } from "./records.js";

export interface FileQueueOptions {
  /** Directory owned by this queue (created if missing). */
  dir: string;
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
}

interface Segment {
  first: number;
  path: string;
  /** Records in this segment not yet acked. */
  live: number;
}

const SEGMENT_SUFFIX = ".log";
const ACKS_FILE = "acks.log";

function segmentName(first: number): string {
  return `${String(first).padStart(16, "0")}${SEGMENT_SUFFIX}`;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FileQueue implements DurableQueue {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  /** Unacked records: seq -> segment. */
  readonly #unacked = new Map<number, Segment>();
  /** Not yet handed out by `next`. */
  #ready: QueuedRecord[] = [];
  #nextSeq = 1;
  #current: FileHandle | undefined;
  #currentBytes = 0;
  #pendingLines: string[] = [];
  #pendingWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #flushing: Promise<void> | undefined;
  #ackLines: string[] = [];
  #ackFlush: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(options: FileQueueOptions) {
    this.#dir = options.dir;
    this.#segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
  }

  static async open(options: FileQueueOptions): Promise<FileQueue> {
    const queue = new FileQueue(options);
    await queue.#load();
    return queue;
  }

  get depth(): number {
    return this.#unacked.size;
  }

  async #load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const acked = new Set<number>();
    const acksText = await readFile(join(this.#dir, ACKS_FILE), "utf8").catch(() => "");
    for (const line of acksText.split("\n")) if (line) acked.add(Number(line));

    const names = (await readdir(this.#dir)).filter((n) => /^\d{16}\.log$/.test(n)).sort();
    for (const [index, name] of names.entries()) {
      const segment: Segment = { first: Number(name.slice(0, 16)), path: join(this.#dir, name), live: 0 };
      const text = await readFile(segment.path, "utf8");
      let good = 0;
      for (const line of text.split("\n")) {
        if (good + line.length >= text.length) break; // no trailing newline: torn write
        let parsed: { s: number; r: ActionRecord };
        try {
          parsed = JSON.parse(line);
        } catch {
          break;
        }
        good += line.length + 1;
        this.#nextSeq = Math.max(this.#nextSeq, parsed.s + 1);
        if (acked.has(parsed.s)) continue;
        segment.live++;
        this.#unacked.set(parsed.s, segment);
        this.#ready.push({ id: String(parsed.s), record: parsed.r });
      }
      const isLast = index === names.length - 1;
      if (good < text.length && isLast) {
        const fh = await open(segment.path, "r+");
        await fh.truncate(Buffer.byteLength(text.slice(0, good)));
        await fh.close();
      }
      // The newest segment is kept even when fully acked: its name keeps sequence numbers monotonic.
      if (segment.live === 0 && !isLast) await unlink(segment.path);
      else this.#segments.push(segment);
    }
    // Rewrite the acks file with only the acks that still matter.
    const keep = [...acked].filter((seq) => this.#segments.some((s) => seq >= s.first)).sort((a, b) => a - b);
    const tmp = join(this.#dir, `${ACKS_FILE}.tmp`);
    await writeFile(tmp, keep.map((s) => `${s}\n`).join(""));
    await rename(tmp, join(this.#dir, ACKS_FILE));
  }

  append(record: ActionRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("queue is closed"));
    const seq = this.#nextSeq++;
    this.#pendingLines.push(`${JSON.stringify({ s: seq, r: record })}\n`);
    const done = new Promise<void>((resolve, reject) => this.#pendingWaiters.push({ resolve, reject }));
    this.#scheduleFlush();
    return done.then(() => {
      const segment = this.#segments[this.#segments.length - 1] as Segment;
      segment.live++;
      this.#unacked.set(seq, segment);
      this.#ready.push({ id: String(seq), record });
      this.#wake?.();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    this.#flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#flush())
      .finally(() => {
        this.#flushing = undefined;
        if (this.#pendingLines.length > 0) this.#scheduleFlush();
      });
  }

  async #flush(): Promise<void> {
    const lines = this.#pendingLines;
    const waiters = this.#pendingWaiters;
    this.#pendingLines = [];
    this.#pendingWaiters = [];
    try {
      const fh = await this.#segmentFor(lines[0] as string);
      const buf = Buffer.from(lines.join(""));
      await fh.write(buf);
      await fh.datasync();
      this.#currentBytes += buf.length;
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }

  async #segmentFor(firstLine: string): Promise<FileHandle> {
    const last = this.#segments[this.#segments.length - 1];
    if (this.#current && this.#currentBytes < this.#segmentBytes) return this.#current;
    if (
      !this.#current &&
      last &&
      this.#segments.length > 0 &&
      (await this.#sizeOf(last)) < this.#segmentBytes
    ) {
      this.#current = await open(last.path, "a");
      this.#currentBytes = (await this.#current.stat()).size;
      return this.#current;
    }
    await this.#current?.close();
    const first = (JSON.parse(firstLine) as { s: number }).s;
    const segment: Segment = { first, path: join(this.#dir, segmentName(first)), live: 0 };
    this.#current = await open(segment.path, "a");
    this.#currentBytes = 0;
    await syncDir(this.#dir); // the new file's directory entry must survive a crash too
    this.#segments.push(segment);
    this.#dropAckedSegments();
    return this.#current;
  }

  async #sizeOf(segment: Segment): Promise<number> {
    const fh = await open(segment.path, "r");
    try {
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  }

  #dropAckedSegments(): void {
    for (let i = 0; i < this.#segments.length - 1; ) {
      const segment = this.#segments[i] as Segment;
      if (segment.live === 0) {
        this.#segments.splice(i, 1);
        unlink(segment.path).catch(() => undefined);
      } else i++;
    }
  }

  async next(max: number, waitMs: number): Promise<QueuedRecord[]> {
    if (this.#ready.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        const self = this;
        function done(): void {
          clearTimeout(timer);
          self.#wake = undefined;
          resolve();
        }
        this.#wake = done;
      });
    }
    if (this.#closed) return [];
    return this.#ready.splice(0, max);
  }

  async ack(id: string): Promise<void> {
    const seq = Number(id);
    const segment = this.#unacked.get(seq);
    if (!segment) return;
    this.#unacked.delete(seq);
    segment.live--;
    this.#ackLines.push(`${seq}\n`);
    if (segment.live === 0 && segment !== this.#segments[this.#segments.length - 1])
      this.#dropAckedSegments();
    this.#ackFlush ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#writeAcks())
      .finally(() => {
        this.#ackFlush = undefined;
      });
    await this.#ackFlush;
  }

  async #writeAcks(): Promise<void> {
    while (this.#ackLines.length > 0) {
      const text = this.#ackLines.join("");
      this.#ackLines = [];
      await writeFile(join(this.#dir, ACKS_FILE), text, { flag: "a" });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushing;
    await this.#ackFlush;
    await this.#writeAcks();
    this.#closed = true;
    this.#wake?.();
    await this.#current?.close();
    this.#current = undefined;
  }
}
