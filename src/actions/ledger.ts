/**
 * The delivery ledger makes "deliver once" hold across retries, restarts and replicas. Before a
 * delivery starts it is claimed under a key (record id + sink); a completed delivery leaves a
 * `done` mark for `doneTtlMs`. Redis (`SET NX PX`) shares claims between instances: two replicas
 * holding the same alert page once. A claim is a lease, renewed while the delivery is retried, so
 * a crashed holder's work is taken over when the lease runs out instead of being lost. Without
 * Redis, the `FileLedger` keeps the `done` marks in a journal next to the queue so a restart does
 * not repeat deliveries that had completed.
 */
import { createHash, randomUUID } from "node:crypto";
import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";

export type ClaimResult = "claimed" | "done" | "busy";

export interface DeliveryLedger {
  claim(key: string): Promise<ClaimResult>;
  /** Keep holding a claim (call before each attempt and while waiting). */
  renew(key: string): Promise<void>;
  /** The delivery is over (delivered or dead-lettered): never do it again. */
  complete(key: string): Promise<void>;
  /** Give a claim back unfinished (shutdown), so another instance or the next start can do it. */
  release(key: string): Promise<void>;
}

/** Fixed-size key: record ids can be long and contain anything. */
export function ledgerKey(recordId: string, sink: string): string {
  return createHash("sha256").update(recordId).update("\0").update(sink).digest("base64url").slice(0, 32);
}

export interface LedgerTimes {
  /** How long a claim holds without renewal (wall time). */
  leaseMs: number;
  /** How long a `done` mark is remembered (wall time). */
  doneTtlMs: number;
}

const DONE = "done";
const RELEASE_IF_OWNER =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RENEW_IF_OWNER =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

export class RedisLedger implements DeliveryLedger {
  readonly #owner = randomUUID();
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly times: LedgerTimes,
  ) {}

  async claim(key: string): Promise<ClaimResult> {
    const k = this.prefix + key;
    if ((await this.redis.set(k, this.#owner, "PX", this.times.leaseMs, "NX")) === "OK") return "claimed";
    const holder = await this.redis.get(k);
    if (holder === DONE) return "done";
    if (holder === this.#owner) return "claimed";
    // The holder vanished between SET and GET: try once more rather than report busy.
    if (holder === null) return this.claim(key);
    return "busy";
  }

  async renew(key: string): Promise<void> {
    await this.redis.eval(RENEW_IF_OWNER, 1, this.prefix + key, this.#owner, this.times.leaseMs);
  }

  async complete(key: string): Promise<void> {
    await this.redis.set(this.prefix + key, DONE, "PX", this.times.doneTtlMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.prefix + key, this.#owner);
  }
}

/** Single-instance ledger: claims in memory, `done` marks journaled to disk. */
export class FileLedger implements DeliveryLedger {
  readonly #done = new Map<string, number>();
  readonly #claimed = new Set<string>();
  #pending: string[] = [];
  #writing: Promise<void> | undefined;
  #journalLines = 0;
  #afterCompact = 0;

  private constructor(
    private readonly path: string,
    private readonly doneTtlMs: number,
  ) {}

  static async open(dir: string, doneTtlMs: number): Promise<FileLedger> {
    await mkdir(dir, { recursive: true });
    const ledger = new FileLedger(join(dir, "delivered.log"), doneTtlMs);
    const now = Date.now();
    const text = await readFile(ledger.path, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      const [at, key] = line.split(" ");
      if (key && now - Number(at) < doneTtlMs) ledger.#done.set(key, Number(at));
    }
    await ledger.#compact();
    return ledger;
  }

  /** Drops marks past their TTL, in memory and in the journal. */
  async #compact(): Promise<void> {
    const now = Date.now();
    for (const [key, at] of this.#done) if (now - at >= this.doneTtlMs) this.#done.delete(key);
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, [...this.#done].map(([key, at]) => `${at} ${key}\n`).join(""));
    await rename(tmp, this.path);
    this.#journalLines = this.#done.size;
    this.#afterCompact = this.#done.size;
  }

  async claim(key: string): Promise<ClaimResult> {
    const at = this.#done.get(key);
    if (at !== undefined && Date.now() - at < this.doneTtlMs) return "done";
    if (this.#claimed.has(key)) return "busy";
    this.#claimed.add(key);
    return "claimed";
  }

  async renew(): Promise<void> {}

  async complete(key: string): Promise<void> {
    const at = Date.now();
    this.#claimed.delete(key);
    this.#done.set(key, at);
    this.#pending.push(`${at} ${key}\n`);
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = undefined;
    });
    await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const lines = this.#pending;
      this.#pending = [];
      await appendFile(this.path, lines.join(""));
      this.#journalLines += lines.length;
    }
    // Bounded memory and journal in long runs: compact each time the journal doubles (amortised O(1)).
    if (this.#journalLines > Math.max(10_000, 2 * this.#afterCompact)) await this.#compact();
  }

  async release(key: string): Promise<void> {
    this.#claimed.delete(key);
  }
}
