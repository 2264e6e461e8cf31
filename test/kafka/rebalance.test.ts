/**
 * Scaling out: a third instance joins a group of two. The partitions it takes over arrive with
 * their profiles exactly as committed (restored from the changelog), and the run continues as if
 * nothing had moved: every event counted once, the same alerts as an uninterrupted run.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/engine/engine.js";
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
import { appliedEvents, latestSnapshots, readOutcome } from "./helpers/results.js";
import { engineOptions, MAX_LINE_BYTES, referenceAlertIds, simulatedTraffic } from "./helpers/traffic.js";

const available = await kafkaAvailable();

describe.skipIf(!available)("kafka rebalance: a third instance joins (real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-rebalance");
  const options = runOptions(prefix);
  const topics = topicNames(options);
  const logger = createLogger({ level: "warn", name: "rebalance-test" });
  const pipelines: KafkaPipeline[] = [];
  /** Starts an instance whose engines the test can look into. */
  const start = async (engines: Engine[]) => {
    const pipeline = await runKafkaPipeline(options, {
      createEngine: () => {
        const engine = createEngine(engineOptions());
        engines.push(engine);
        return engine;
      },
      createDecoder: () => createLineDecoder({ format: "json" }),
      maxLineBytes: MAX_LINE_BYTES,
      logger,
    });
    pipelines.push(pipeline);
    return pipeline;
  };

  afterAll(async () => {
    await Promise.all(pipelines.map((p) => p.stop().catch(() => undefined)));
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it("moves profiles with their state to the new instance", async () => {
    const traffic = simulatedTraffic(30_000, 41);
    const first = 20_000;
    await createTopic(kafka, topics.input, 6);
    await produceValues(kafka, topics.input, traffic.values.slice(0, first));
    await Promise.all([start([]), start([])]);
    const validInFirst = traffic.isValid.slice(0, first).filter(Boolean).length;
    await waitFor(
      "first part applied",
      async () => (await appliedEvents(kafka, topics.changelog)) === validInFirst,
      90_000,
    );
    const before = await latestSnapshots(kafka, topics.changelog);

    const thirdEngines: Engine[] = [];
    const third = await start(thirdEngines);
    await waitFor(
      "the third instance owns partitions",
      () => third.stats().detect.partitions.length > 0,
      60_000,
    );
    const moved = [...before.values()].filter((s) => third.stats().detect.partitions.includes(s.partition));
    expect(moved.length).toBeGreaterThan(0);
    for (const snapshot of moved) {
      const engine = thirdEngines.find((e) => e.profiles.get(snapshot.agentId) !== undefined);
      expect(engine, snapshot.agentId).toBeDefined();
      expect(JSON.parse(engine?.profiles.serialize(snapshot.agentId) ?? "null")).toEqual(snapshot.profile);
    }

    await produceValues(kafka, topics.input, traffic.values.slice(first));
    await waitFor(
      "everything applied",
      async () => (await appliedEvents(kafka, topics.changelog)) === traffic.valid,
      90_000,
    );
    await Promise.all(pipelines.map((p) => p.stop()));
    expect(third.stats().counters.eventsApplied).toBeGreaterThan(0);

    const outcome = await readOutcome(kafka, topics);
    for (const [agentId, count] of traffic.validByAgent) {
      expect(outcome.snapshots.get(agentId)?.events, agentId).toBe(count);
    }
    const repartitioned = await readTopic(kafka, topics.repartition as string);
    expect([...outcome.alertIds].sort()).toEqual(referenceAlertIds(repartitioned).sort());
  }, 240_000);
});
