/**
 * Recent alerts for `GET /v1/alerts` and an agent's page. Two implementations of one interface:
 * a bounded in-memory ring (embedded mode, one process) and a Redis stream shared by every
 * instance (plus a short per-agent list so an agent's page never scans the whole stream).
 * Both list newest first with a cursor that is exclusive, so pages never repeat an alert.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Alert } from "../engine/types.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import type { AlertLog, AlertQuery, Page } from "./deps.js";

function matches(alert: Alert, timeMs: number, query: AlertQuery): boolean {
  return (
    (query.severities === undefined || query.severities.includes(alert.severity)) &&
    (query.agentId === undefined || alert.agentId === query.agentId) &&
    (query.sinceMs === undefined || timeMs >= query.sinceMs)
  );
}

const seqCursorSchema = z.object({ s: z.number().int().nonnegative() }).strict();

interface Slot {
  seq: number;
  timeMs: number;
  alert: Alert;
}

/** Keeps the last `capacity` alerts of this process. */
export function createMemoryAlertLog(capacity = 10_000): AlertLog {
  const ring: Array<Slot | undefined> = new Array(capacity);
  let nextSeq = 0;
  const seen = new Set<string>();
  return {
    async append(alert) {
      // Re-processing the same events re-emits the same alert id; show it once.
      if (seen.has(alert.id)) return;
      const slotIndex = nextSeq % capacity;
      const evicted = ring[slotIndex];
      if (evicted) seen.delete(evicted.alert.id);
      ring[slotIndex] = { seq: nextSeq, timeMs: Date.parse(alert.timestamp), alert };
      seen.add(alert.id);
      nextSeq += 1;
    },
    async list(query) {
      const before = query.cursor === undefined ? nextSeq : decodeCursor(seqCursorSchema, query.cursor).s;
      const items: Alert[] = [];
      const oldest = Math.max(0, nextSeq - capacity);
      for (let seq = Math.min(before, nextSeq) - 1; seq >= oldest; seq--) {
        const slot = ring[seq % capacity] as Slot;
        if (!matches(slot.alert, slot.timeMs, query)) continue;
        if (items.length === query.limit) return { items, nextCursor: encodeCursor({ s: seq + 1 }) };
        items.push(slot.alert);
      }
      return { items, nextCursor: null };
    },
  };
}

export interface RedisAlertLogOptions {
  /** Key prefix shared by all instances of one deployment. */
  prefix: string;
  /** Approximate number of alerts kept in the shared stream. */
  maxAlerts?: number;
  /** Alerts kept per agent for its page, and how long an idle agent's list lives. */
  perAgent?: number;
  ttlSeconds?: number;
  /** Stream entries examined per request at most (bounds latency with rare filters). */
  maxScan?: number;
}

const streamCursorSchema = z.object({ id: z.string().regex(/^\d{1,20}-\d{1,20}$/) }).strict();

/** Shared by every instance: alerts raised anywhere appear everywhere. */
export function createRedisAlertLog(redis: Redis, options: RedisAlertLogOptions): AlertLog {
  const stream = `${options.prefix}alerts`;
  const agentList = (agentId: string) => `${options.prefix}alerts:agent:${agentId}`;
  const dedupKey = (alertId: string) => `${options.prefix}alerts:id:${alertId}`;
  const maxAlerts = options.maxAlerts ?? 100_000;
  const perAgent = options.perAgent ?? 100;
  const ttlMs = (options.ttlSeconds ?? 7 * 86_400) * 1000;
  const maxScan = options.maxScan ?? 10_000;
  const chunk = 200;

  type Entry = { id: string; alert: Alert };
  const page = (entries: Entry[], query: AlertQuery, exhausted: boolean): Page<Alert> | undefined => {
    const items: Alert[] = [];
    let lastId = "";
    for (const entry of entries) {
      if (!matches(entry.alert, Date.parse(entry.alert.timestamp), query)) continue;
      // The cursor is exclusive: it names the last alert returned.
      if (items.length === query.limit) return { items, nextCursor: encodeCursor({ id: lastId }) };
      items.push(entry.alert);
      lastId = entry.id;
    }
    return exhausted ? { items, nextCursor: null } : undefined;
  };

  return {
    async append(alert) {
      // Two replicas re-processing the same events after a rebalance must not log it twice.
      const fresh = await redis.set(dedupKey(alert.id), "1", "PX", ttlMs, "NX");
      if (fresh === null) return;
      const json = JSON.stringify(alert);
      const id = await redis.xadd(stream, "MAXLEN", "~", maxAlerts, "*", "alert", json);
      const list = agentList(alert.agentId);
      await redis
        .multi()
        .lpush(list, JSON.stringify({ id, alert }))
        .ltrim(list, 0, perAgent - 1)
        .pexpire(list, ttlMs)
        .exec();
    },
    async list(query) {
      const before =
        query.cursor === undefined ? undefined : decodeCursor(streamCursorSchema, query.cursor).id;
      if (query.agentId !== undefined) {
        const raw = await redis.lrange(agentList(query.agentId), 0, perAgent - 1);
        const entries = raw
          .map((line) => JSON.parse(line) as Entry)
          .filter((entry) => before === undefined || compareStreamIds(entry.id, before) < 0);
        return page(entries, query, true) as Page<Alert>;
      }
      // Collect one more matching entry than the limit to know whether a next page exists.
      const entries: Entry[] = [];
      let end = before === undefined ? "+" : `(${before}`;
      let scanned = 0;
      while (scanned < maxScan) {
        const rows = await redis.xrevrange(stream, end, "-", "COUNT", chunk);
        for (const [id, fields] of rows)
          entries.push({ id, alert: JSON.parse(fields[1] as string) as Alert });
        scanned += rows.length;
        const done = rows.length < chunk;
        const result = page(entries, query, done);
        if (result) return result;
        end = `(${rows[rows.length - 1]?.[0]}`;
      }
      const last = entries[entries.length - 1];
      const partial = page(entries, query, true) as Page<Alert>;
      return last ? { items: partial.items, nextCursor: encodeCursor({ id: last.id }) } : partial;
    },
  };
}

/** Orders Redis stream ids (`<ms>-<seq>`) numerically. */
function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split("-").map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split("-").map(BigInt);
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}
