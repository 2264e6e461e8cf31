/** Shared test helpers for the action layer: alerts, a quiet logger, temp dirs, polling, Redis. */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { type DecisionStore, MemoryDecisionStore } from "../../src/actions/decision-store.js";
import { RedisDecisionStore } from "../../src/actions/redis-decision-store.js";
import type { Alert, Severity } from "../../src/engine/types.js";

export const quietLogger = pino({ level: "silent" });

let seq = 0;
const BASE = Date.parse("2026-03-01T12:00:00.000Z");

export function makeAlert(overrides: Partial<Alert> & { at?: number } = {}): Alert {
  const { at, ...rest } = overrides;
  seq++;
  const severity: Severity = rest.severity ?? "high";
  return {
    id: `alert-${seq}`,
    agentId: "agent-7",
    identitySource: "agent",
    authenticated: true,
    severity,
    riskScore: 0.91,
    timestamp: new Date(at ?? BASE + seq * 1000).toISOString(),
    action: "block",
    reasons: [
      { detector: "volume", score: 0.93, detail: "412 requests/min vs baseline 35 ± 6" },
      { detector: "new-endpoint", score: 0.7, detail: "GET /admin/users never seen in 14 days" },
    ],
    request: { method: "GET", template: "/customers/{id}", status: 200, clientIp: "203.0.113.9" },
    tokenHash: "th_5f2c",
    ...rest,
  };
}

export const T0 = BASE;

export async function tempDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "agentwatch-actions-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Redis connection for tests, or undefined when none is reachable. Unreachable Redis fails the
 * run when CI is set, and skips loudly on a laptop.
 */
export async function testRedis(): Promise<Redis | undefined> {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    if (process.env.CI) throw new Error(`Redis at ${url} is unreachable and CI is set: ${String(error)}`);
    console.warn(`\n*** SKIPPING Redis tests: no Redis at ${url} (${String(error)}) ***\n`);
    return undefined;
  }
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/**
 * Both DecisionStore implementations for `describe.each`, with the Redis one under a key prefix of
 * its own that is dropped after the file; the Redis factory yields undefined when Redis is absent
 * (testRedis has already warned, or failed under CI). Call at the top level of a test file.
 */
export function useDecisionStores(tag: string): {
  stores: Array<[string, () => DecisionStore | undefined]>;
  /** The file's Redis connection (undefined without Redis) and its key prefix, for tests of their own. */
  redis: () => Redis | undefined;
  prefix: string;
} {
  let redis: Redis | undefined;
  const prefix = `agentwatch-test:${tag}:${randomUUID()}:`;
  beforeAll(async () => {
    redis = await testRedis();
  });
  afterAll(async () => {
    if (redis) {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    }
  });
  const stores: Array<[string, () => DecisionStore | undefined]> = [
    ["memory", () => new MemoryDecisionStore()],
    [
      "redis",
      () =>
        redis
          ? new RedisDecisionStore(redis, {
              keyPrefix: `${prefix}${randomUUID()}:`,
              stateRetentionMs: 60_000,
            })
          : undefined,
    ],
  ];
  return { stores, redis: () => redis, prefix };
}
