/**
 * Redis for the status API's integration tests: REDIS_URL or 127.0.0.1:6379, database 6, and a
 * key prefix unique to the run (deleted afterwards). Unreachable Redis skips the tests loudly on a
 * laptop and fails them in CI.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export async function connectTestRedis(): Promise<Redis | undefined> {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const redis = new Redis(url, { db: 6, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    if (process.env.CI) throw new Error(`Redis at ${url} is required in CI: ${String(error)}`);
    console.warn(`\n*** Redis at ${url} unreachable: SKIPPING the status API's Redis tests ***\n`);
    return undefined;
  }
}

export function testPrefix(): string {
  return `aw-test-api:${randomUUID()}:`;
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}
