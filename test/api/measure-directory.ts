/**
 * Measures the agent directory over the real engine: brief and summary cost per agent, a local
 * listing page, one publishing round to Redis, and a Redis listing page and lookup.
 * Not a test; run it by hand: `npx tsx test/api/measure-directory.ts [agents]` (Redis db 6).
 */
import { Redis } from "ioredis";
import {
  createAgentPublisher,
  createLocalAgentDirectory,
  createRedisAgentDirectory,
} from "../../src/api/agent-directory.js";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import { ev, T0 } from "../helpers/events.js";
import { deletePrefix, testPrefix } from "./redis-env.js";

const agents = Number(process.argv[2] ?? 20_000);
const options = engineOptionsSchema.parse({});
const engine = createEngine(options);
for (let e = 0; e < 5; e++) {
  for (let i = 0; i < agents; i++) {
    engine.process(ev({ agentId: `agent-${i}`, path: `/v1/items/${e}`, timestamp: T0 + e * 60_000 + i }));
  }
}
const profiles = engine.profiles;
const time = async (label: string, fn: () => unknown, per = 1) => {
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  console.log(
    per > 1 ? `${label}: ${((ms * 1000) / per).toFixed(2)} µs each` : `${label}: ${ms.toFixed(1)} ms`,
  );
};
await time(
  "brief",
  () => {
    for (let i = 0; i < agents; i++) profiles.brief(`agent-${i}`);
  },
  agents,
);
await time(
  "summary",
  () => {
    for (let i = 0; i < agents; i++) profiles.summarize(`agent-${i}`);
  },
  agents,
);
await time(`local page of 50 over ${agents} agents`, () =>
  createLocalAgentDirectory(profiles).list({ limit: 50 }),
);

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { db: 6 });
const prefix = testPrefix();
const shared = { prefix, ttlSeconds: 60 };
await time(`publish ${agents} agents to Redis`, () =>
  createAgentPublisher(profiles, redis, shared).publishChanged(),
);
const directory = createRedisAgentDirectory(redis, shared);
await time(`Redis page of 50 over ${agents} agents`, () => directory.list({ limit: 50 }));
await time("Redis lookup of one agent", () => directory.get("agent-77"));
await deletePrefix(redis, prefix);
redis.disconnect();
