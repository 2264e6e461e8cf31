/**
 * The Kafka pipeline in-process against the real broker: unkeyed input is repartitioned by agent,
 * every valid event is applied once, malformed records land in the dead-letter topic with their
 * original bytes and a reason, alerts are written once, and a restarted instance resumes from
 * its snapshots without counting anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaOptionsSchema, topicNames } from "../../src/kafka/options.js";
import { type KafkaPipeline, runKafkaPipeline } from "../../src/kafka/pipeline.js";
import { createLogger } from "../../src/observability/logger.js";
import {
  BROKERS,
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  produceValues,
  testKafka,
  uniqueName,
  waitFor,
} from "./helpers/broker.js";
import { appliedEvents, header, readOutcome } from "./helpers/results.js";
import { stubDecoder, stubEngine } from "./helpers/stub-core.js";
import { syntheticTraffic } from "./helpers/traffic.js";

const available = await kafkaAvailable();

describe.skipIf(!available)("kafka pipeline (in-process, real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-it");
  const options = kafkaOptionsSchema.parse({
    brokers: BROKERS,
    groupId: prefix,
    inputTopic: `${prefix}.input`,
    topicPrefix: prefix,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
  });
  const topics = topicNames(options);
  const logger = createLogger({ level: "warn", name: "kafka-test" });
  const start = () =>
    runKafkaPipeline(options, {
      createEngine: stubEngine,
      createDecoder: stubDecoder,
      maxLineBytes: 65_536,
      logger,
    });
  const pipelines: KafkaPipeline[] = [];

  beforeAll(async () => {
    await createTopic(kafka, topics.input, 6);
  });
  afterAll(async () => {
    await Promise.all(pipelines.map((p) => p.stop().catch(() => undefined)));
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it("applies each valid event once across a restart, dead-letters malformed records, alerts once", async () => {
    const first = syntheticTraffic(20_000, 40);
    await produceValues(kafka, topics.input, first.values);
    const one = await start();
    pipelines.push(one);
    await waitFor(
      "first half applied",
      async () => (await appliedEvents(kafka, topics.changelog)) === first.valid,
      60_000,
    );
    await one.stop();
    expect(one.stats().counters.eventsApplied).toBe(first.valid);

    // A new instance (same group) restores the profiles and continues with new traffic.
    const second = syntheticTraffic(20_000, 40);
    await produceValues(kafka, topics.input, second.values);
    const two = await start();
    pipelines.push(two);
    await waitFor(
      "second half applied",
      async () => (await appliedEvents(kafka, topics.changelog)) === first.valid + second.valid,
      60_000,
    );
    await two.stop();
    expect(two.stats().counters.agentsRestored).toBe(40);
    expect(two.stats().counters.eventsApplied).toBe(second.valid);

    const outcome = await readOutcome(kafka, topics);
    for (const [agentId, count] of first.validByAgent) {
      const expected = count + (second.validByAgent.get(agentId) ?? 0);
      const snapshot = outcome.snapshots.get(agentId);
      expect(snapshot?.events).toBe(expected);
      // The stub engine's own profile agrees: the restored profile kept counting.
      expect(snapshot?.profile).toMatchObject({ count: expected });
    }
    expect(outcome.deadLetters).toHaveLength(first.malformed + second.malformed);
    const codes = new Set(outcome.deadLetters.map((r) => header(r, "code")));
    expect(codes).toEqual(new Set(["MALFORMED_JSON", "MISSING_IDENTITY", "INVALID_UTF8", "EMPTY_LINE"]));
    const invalidUtf8 = outcome.deadLetters.find((r) => header(r, "code") === "INVALID_UTF8");
    expect(invalidUtf8?.message.value).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(header(invalidUtf8 as never, "topic")).toBe(topics.input);
    expect(Number(header(invalidUtf8 as never, "offset"))).toBeGreaterThanOrEqual(0);
    // The stub alerts once per attacked agent, on its first /admin request.
    expect(new Set(outcome.alertIds).size).toBe(outcome.alertIds.length);
    expect(outcome.alertAgents).toEqual(new Set(first.attackedAgents));
  }, 180_000);
});
