/**
 * Profiles the engine drops (idle expiry) are tombstoned in the changelog, so a restore does not
 * bring back an agent a run without restarts would have forgotten, and the changelog stays
 * bounded by the live agents.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import { topicNames } from "../../src/kafka/options.js";
import { runKafkaPipeline } from "../../src/kafka/pipeline.js";
import { createLogger } from "../../src/observability/logger.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import {
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  produceValues,
  readTopic,
  runOptions,
  testKafka,
  uniqueName,
  waitFor,
} from "./helpers/broker.js";
import { latestSnapshots } from "./helpers/results.js";

const available = await kafkaAvailable();

const line = (agentId: string, timestamp: number, n: number) =>
  JSON.stringify({
    timestamp,
    agentId,
    method: "GET",
    path: `/items/${n % 50}`,
    status: 200,
    requestBytes: 0,
    responseBytes: 100,
    latencyMs: 5,
    clientIp: "10.0.0.9",
    tokenId: "",
    userId: "",
    userAgent: "t",
    requestId: `${agentId}-${n}`,
  });

describe.skipIf(!available)("kafka pipeline: evicted profiles (real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-evict");
  afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

  it("writes a tombstone for a profile the engine expired", async () => {
    const options = runOptions(prefix, { inputKeyedByAgent: true });
    const topics = topicNames(options);
    // One partition, so the sleepy agent and the busy ones share an engine.
    await createTopic(kafka, topics.input, 1);
    const t0 = Date.UTC(2026, 0, 5);
    const early = Array.from({ length: 5 }, (_, n) => line("sleepy", t0 + n * 1_000, n));
    // Three hours later, more events than the store's sweep interval, from other agents.
    const late = Array.from({ length: 9_000 }, (_, n) =>
      line(`busy-${n % 10}`, t0 + 3 * 3_600_000 + n * 100, n),
    );
    await produceValues(kafka, topics.input, early);
    const pipeline = await runKafkaPipeline(options, {
      createEngine: () => createEngine(engineOptionsSchema.parse({ profiles: { idleExpiryMinutes: 60 } })),
      createDecoder: () => createLineDecoder({ format: "json" }),
      maxLineBytes: 65_536,
      logger: createLogger({ level: "warn" }),
    });
    try {
      await waitFor(
        "sleepy's snapshot",
        async () => (await latestSnapshots(kafka, topics.changelog)).has("sleepy"),
        30_000,
      );
      await produceValues(kafka, topics.input, late);
      await waitFor("all events applied", () => pipeline.stats().counters.eventsApplied === 9_005, 60_000);
    } finally {
      await pipeline.stop();
    }
    expect(pipeline.stats().counters.tombstones).toBe(1);
    const latest = await latestSnapshots(kafka, topics.changelog);
    expect(latest.has("sleepy")).toBe(false);
    expect(latest.get("busy-3")?.events).toBe(900);
    const changelog = await readTopic(kafka, topics.changelog);
    expect(changelog.some((r) => String(r.message.key) === "sleepy" && r.message.value === null)).toBe(true);
  }, 120_000);
});
