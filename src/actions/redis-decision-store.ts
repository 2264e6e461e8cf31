/**
 * `DecisionStore` over Redis, shared by every instance. Per agent, one JSON key holds the
 * offender state; a sorted set indexes active decisions by expiry (for the sweeper), a hash holds
 * them for listing, and a stream is the change feed (stream ids are the cursors; a cursor older
 * than the trimmed part of the stream gets a reset snapshot). Updates are optimistic
 * transactions (WATCH/MULTI/EXEC, retried on conflict) on a dedicated connection, because EXEC
 * clears every WATCH of its connection and the shared client is used by others. Within this
 * process, transactions are serialised for the same reason.
 */
import type { Redis } from "ioredis";
import type { DecisionChanges, DecisionStore, StateChange, UpdateResult } from "./decision-store.js";
import { collapseChanges, sameVersion } from "./decision-store.js";
import type { Decision, OffenderState } from "./records.js";

export interface RedisDecisionStoreOptions {
  /** Prepended to every key, e.g. `agentwatch:`. */
  keyPrefix: string;
  /** Approximate length of the change stream. */
  maxChanges?: number;
  /** Offender states without a decision are forgotten after this long (wall time, Redis PX). */
  stateRetentionMs: number;
}

const MAX_TX_RETRIES = 50;

export class RedisDecisionStore implements DecisionStore {
  readonly #redis: Redis;
  readonly #tx: Redis;
  readonly #p: string;
  readonly #maxChanges: number;
  readonly #retentionMs: number;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(redis: Redis, options: RedisDecisionStoreOptions) {
    this.#redis = redis;
    this.#tx = redis.duplicate();
    this.#p = options.keyPrefix;
    this.#maxChanges = options.maxChanges ?? 100_000;
    this.#retentionMs = options.stateRetentionMs;
  }

  #stateKey(agentId: string): string {
    return `${this.#p}state:${agentId}`;
  }
  get #active(): string {
    return `${this.#p}active`;
  }
  get #decisions(): string {
    return `${this.#p}decisions`;
  }
  get #changes(): string {
    return `${this.#p}changes`;
  }
  get #allowlist(): string {
    return `${this.#p}allowlist`;
  }

  /** Serialises this process's transactions on the dedicated connection. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** WATCH the agent's state, let `fn` compute the writes, EXEC; retry when another instance won. */
  async #transact<T>(
    agentId: string,
    fn: (state: OffenderState) => { result: T; write?: (multi: ReturnType<Redis["multi"]>) => void },
  ): Promise<T> {
    return this.#exclusive(async () => {
      const key = this.#stateKey(agentId);
      for (let attempt = 0; attempt < MAX_TX_RETRIES; attempt++) {
        // Sent together: one round trip, WATCH still precedes the read on the connection.
        const [, raw] = await Promise.all([this.#tx.watch(key), this.#tx.get(key)]);
        const state: OffenderState = raw ? JSON.parse(raw) : { strikes: 0 };
        const { result, write } = fn(state);
        if (!write) {
          await this.#tx.unwatch();
          return result;
        }
        const multi = this.#tx.multi();
        write(multi);
        if ((await multi.exec()) !== null) return result;
      }
      throw new Error("decision store: too much contention on one agent");
    });
  }

  #writeState(multi: ReturnType<Redis["multi"]>, agentId: string, state: OffenderState): void {
    const decisionTtl = state.decision ? Math.max(0, state.decision.expiresAt - state.decision.updatedAt) : 0;
    multi.set(this.#stateKey(agentId), JSON.stringify(state), "PX", this.#retentionMs + decisionTtl);
  }

  #addChange(multi: ReturnType<Redis["multi"]>, fields: string[]): void {
    multi.xadd(this.#changes, "MAXLEN", "~", this.#maxChanges, "*", ...fields);
  }

  update<Outcome extends StateChange>(
    agentId: string,
    policy: (state: OffenderState) => Outcome,
  ): Promise<UpdateResult<Outcome>> {
    return this.#transact(agentId, (state) => {
      const outcome = policy(state);
      const result = { outcome, previous: state.decision };
      if (outcome.next === state) return { result };
      return {
        result,
        write: (multi) => {
          this.#writeState(multi, agentId, outcome.next);
          const decision = outcome.next.decision;
          if (decision && decision !== state.decision) {
            const json = JSON.stringify(decision);
            multi.hset(this.#decisions, agentId, json);
            multi.zadd(this.#active, decision.expiresAt, agentId);
            this.#addChange(multi, ["op", "add", "agent", agentId, "decision", json]);
          } else if (!decision && state.decision) this.#unindex(multi, agentId);
        },
      };
    });
  }

  #unindex(multi: ReturnType<Redis["multi"]>, agentId: string): void {
    multi.hdel(this.#decisions, agentId);
    multi.zrem(this.#active, agentId);
    this.#addChange(multi, ["op", "remove", "agent", agentId]);
  }

  async get(agentId: string): Promise<Decision | undefined> {
    const raw = await this.#redis.hget(this.#decisions, agentId);
    return raw ? (JSON.parse(raw) as Decision) : undefined;
  }

  async list(): Promise<Decision[]> {
    const all = await this.#redis.hvals(this.#decisions);
    return all.map((raw) => JSON.parse(raw) as Decision);
  }

  async countActive(now: number): Promise<number> {
    return this.#redis.zcount(this.#active, `(${now}`, "+inf");
  }

  async expired(now: number, limit: number): Promise<Decision[]> {
    const agents = await this.#redis.zrangebyscore(this.#active, "-inf", now, "LIMIT", 0, limit);
    if (agents.length === 0) return [];
    const raws = await this.#redis.hmget(this.#decisions, ...agents);
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Decision);
  }

  remove(agentId: string, expected?: Decision, forgive = false): Promise<Decision | undefined> {
    return this.#transact(agentId, (state) => {
      const current = state.decision;
      if (!current || (expected && !sameVersion(current, expected))) return { result: undefined };
      return {
        result: current,
        write: (multi) => {
          this.#writeState(multi, agentId, {
            ...state,
            decision: undefined,
            ...(forgive ? { strikes: 0 } : {}),
          });
          this.#unindex(multi, agentId);
        },
      };
    });
  }

  async changesSince(cursor: string | undefined): Promise<DecisionChanges> {
    const last = await this.#redis.xrevrange(this.#changes, "+", "-", "COUNT", 1);
    const head = last[0]?.[0] ?? "0-0";
    if (cursor !== undefined && /^\d+-\d+$/.test(cursor) && (await this.#cursorStillCovered(cursor))) {
      const entries = await this.#redis.xrange(this.#changes, `(${cursor}`, head);
      const changes = entries.map(([, fields]) => {
        const f = fieldsOf(fields);
        return f.op === "add"
          ? { op: "add" as const, decision: JSON.parse(f.decision ?? "{}") as Decision }
          : { op: "remove" as const, agentId: f.agent ?? "" };
      });
      return { ...collapseChanges(changes), cursor: head, reset: false };
    }
    return { added: await this.list(), removed: [], cursor: head, reset: true };
  }

  /** False when entries after `cursor` may have been trimmed away (or the cursor is from the future). */
  async #cursorStillCovered(cursor: string): Promise<boolean> {
    const info = (await this.#redis.call("XINFO", "STREAM", this.#changes).catch(() => null)) as
      | unknown[]
      | null;
    if (!info) return cursor === "0-0";
    const f = fieldsOf(info.map((v) => (typeof v === "string" ? v : JSON.stringify(v))));
    const lastId = f["last-generated-id"] ?? "0-0";
    const maxDeleted = f["max-deleted-entry-id"] ?? "0-0";
    return compareIds(cursor, maxDeleted) >= 0 && compareIds(cursor, lastId) <= 0;
  }

  async allowlistAdd(entry: string): Promise<boolean> {
    return (await this.#redis.sadd(this.#allowlist, entry)) === 1;
  }

  async allowlistRemove(entry: string): Promise<boolean> {
    return (await this.#redis.srem(this.#allowlist, entry)) === 1;
  }

  async allowlistEntries(): Promise<string[]> {
    return (await this.#redis.smembers(this.#allowlist)).sort();
  }

  async close(): Promise<void> {
    await this.#lock;
    this.#tx.disconnect();
  }
}

function fieldsOf(flat: string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1];
  return out;
}

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am - bm : as - bs;
}
