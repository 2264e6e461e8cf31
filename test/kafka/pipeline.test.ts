/**
 * The Kafka pipeline in-process against the real broker: unkeyed input is repartitioned by agent,
 * every valid event is applied once, malformed records land in the dead-letter topic with their
 * original bytes and a reason, alerts are written once, and a restarted instance resumes from
 * its snapshots without counting anything twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../src/engine/engine.js";
import { topicNames } from "../../src/kafka/options.js";
import { type KafkaPipeline, runKafkaPipeline } from "../../src/kafka/pipeline.js";
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
import { header, readOutcome } from "./helpers/results.js";
import { engineOptions, MAX_LINE_BYTES, referenceAlertIds, simulatedTraffic } from "./helpers/traffic.js";

const available = await kafkaAvailable();

describe.skipIf(!available)("kafka pipeline (in-process, real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-it");
  const options = runOptions(prefix);
  const topics = topicNames(options);
  const logger = createLogger({ level: "warn", name: "kafka-test" });
  const start = () =>
    runKafkaPipeline(options, {
      createEngine: () => createEngine(engineOptions()),
      createDecoder: () => createLineDecoder({ format: "json" }),
      maxLineBytes: MAX_LINE_BYTES,
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
    const traffic = simulatedTraffic(40_000, 11);
    const half = 20_000;
    await produceValues(kafka, topics.input, traffic.values.slice(0, half));
    const one = await start();
    pipelines.push(one);
    await waitFor("first half processed", () => processed(one) === half, 90_000);
    await one.stop();

    // A new instance (same group) restores the profiles and continues with the rest.
    await produceValues(kafka, topics.input, traffic.values.slice(half));
    const two = await start();
    pipelines.push(two);
    await waitFor("second half processed", () => processed(two) === traffic.values.length - half, 90_000);
    await two.stop();
    expect(two.stats().counters.agentsRestored).toBeGreaterThan(0);
    expect(one.stats().counters.eventsApplied + two.stats().counters.eventsApplied).toBe(traffic.valid);

    const outcome = await readOutcome(kafka, topics);
    for (const [agentId, count] of traffic.validByAgent) {
      expect(outcome.snapshots.get(agentId)?.events, agentId).toBe(count);
    }
    expect(outcome.deadLetters).toHaveLength(traffic.malformed);
    const codes = new Set(outcome.deadLetters.map((r) => header(r, "code")));
    expect(codes).toContain("INVALID_UTF8");
    expect(codes).toContain("EMPTY_LINE");
    expect(codes).toContain("MALFORMED_JSON");
    const invalidUtf8 = outcome.deadLetters.find((r) => header(r, "code") === "INVALID_UTF8");
    expect(invalidUtf8?.message.value).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(header(invalidUtf8 as never, "topic")).toBe(topics.input);
    expect(Number(header(invalidUtf8 as never, "offset"))).toBeGreaterThanOrEqual(0);

    // The restored profiles behave exactly like profiles that never left memory: same alerts.
    const reference = referenceAlertIds(await readTopic(kafka, topics.repartition as string));
    expect(reference.length).toBeGreaterThan(0);
    expect([...outcome.alertIds].sort()).toEqual([...reference].sort());
    expect(new Set(outcome.alertIds).size).toBe(outcome.alertIds.length);
    expect(traffic.attackedAgents.some((a) => outcome.alertAgents.has(a))).toBe(true);
  }, 180_000);
});

/** Input records fully handled (repartitioned or dead-lettered) and their events applied. */
function processed(pipeline: KafkaPipeline): number {
  const { counters } = pipeline.stats();
  return counters.eventsApplied === counters.eventsRepartitioned
    ? counters.eventsRepartitioned + counters.deadLetters
    : -1;
}
