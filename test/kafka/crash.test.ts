/**
 * Two agentwatch worker processes in one consumer group over 100k unkeyed events (malformed ones
 * included), one of them SIGKILLed mid-stream and started again. Afterwards every valid event is
 * counted exactly once in the profiles, every input record reached the repartition or dead-letter
 * topic exactly once, and every alert is present once. Both workers then stop cleanly on SIGTERM.
 */
import { afterAll, describe, expect, it } from "vitest";
import { kafkaOptionsSchema, topicNames } from "../../src/kafka/options.js";
import {
  BROKERS,
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  produceValues,
  readTopic,
  testKafka,
  uniqueName,
  waitFor,
} from "./helpers/broker.js";
import { appliedEvents, compareWithReference, header, readOutcome } from "./helpers/results.js";
import { referenceAlertIds, repartitionedEvents, simulatedTraffic } from "./helpers/traffic.js";
import { killWorker, startWorker, stopWorker, type Worker, workerEnv } from "./helpers/workers.js";

const available = await kafkaAvailable();

describe.skipIf(!available)("kafka workers: crash and restart (real broker, two processes)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-crash");
  const settings = {
    brokers: BROKERS.join(","),
    groupId: prefix,
    inputTopic: `${prefix}.input`,
    topicPrefix: prefix,
    sessionTimeoutMs: 8_000,
    heartbeatIntervalMs: 1_000,
    transactionTimeoutMs: 15_000,
    shutdownTimeoutMs: 20_000,
  };
  const topics = topicNames(kafkaOptionsSchema.parse(settings));
  const workers: Worker[] = [];
  const start = (name: string) => {
    const worker = startWorker(name, { ...workerEnv(settings), AGENTWATCH_INPUT__FORMAT: "json" });
    workers.push(worker);
    return worker;
  };

  afterAll(async () => {
    for (const w of workers) if (w.process.exitCode === null) w.process.kill("SIGKILL");
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it("counts every valid event once after kill -9 and restart of one instance", async () => {
    const traffic = simulatedTraffic(100_000, 23);
    await createTopic(kafka, topics.input, 6);
    const a = start("a");
    const b = start("b");
    const chunk = 10_000;
    // Produce while the workers consume, so the kill lands in the middle of the stream.
    for (let i = 0; i < 3; i++)
      await produceValues(kafka, topics.input, traffic.values.slice(i * chunk, (i + 1) * chunk));
    await waitFor(
      "a third of the events applied",
      async () => (await appliedEvents(kafka, topics.changelog)) > 20_000,
      90_000,
    );
    await killWorker(a);
    for (let i = 3; i < 6; i++)
      await produceValues(kafka, topics.input, traffic.values.slice(i * chunk, (i + 1) * chunk));
    const a2 = start("a-restarted");
    for (let i = 6; i < 10; i++)
      await produceValues(kafka, topics.input, traffic.values.slice(i * chunk, (i + 1) * chunk));

    try {
      await waitFor(
        "all valid events applied",
        async () => (await appliedEvents(kafka, topics.changelog)) >= traffic.valid,
        150_000,
      );
    } catch (error) {
      for (const w of workers) console.error(`--- ${w.name}\n${w.output.join("").slice(-4000)}`);
      throw error;
    }
    const stops = await Promise.all([stopWorker(a2), stopWorker(b)]);
    if (process.env.DEBUG_WORKERS)
      for (const w of workers) console.error(`--- ${w.name}\n${w.output.join("")}`);
    for (const stop of stops) {
      expect(stop.code).toBe(0);
      expect(stop.ms).toBeLessThan(settings.shutdownTimeoutMs);
    }

    const repartitioned = await readTopic(kafka, topics.repartition as string);
    // Every valid input line is in the repartition topic once.
    const events = repartitionedEvents(repartitioned);
    expect(events).toHaveLength(traffic.valid);
    expect(new Set(events.map(({ event }) => event.requestId)).size).toBe(traffic.valid);

    const outcome = await readOutcome(kafka, topics);
    let applied = 0;
    for (const [agentId, count] of traffic.validByAgent) {
      expect(outcome.snapshots.get(agentId)?.events, agentId).toBe(count);
      applied += outcome.snapshots.get(agentId)?.events ?? 0;
    }
    expect(applied).toBe(traffic.valid);

    expect(outcome.deadLetters).toHaveLength(traffic.malformed);
    const sources = new Set(
      outcome.deadLetters.map((r) => `${header(r, "partition")}/${header(r, "offset")}`),
    );
    expect(sources.size).toBe(traffic.malformed);

    // Each alert written once, and the same alerts as one uninterrupted run over the same stream.
    const reference = referenceAlertIds(repartitioned);
    expect(reference.length).toBeGreaterThan(0);
    compareWithReference(outcome.alertIds, reference, 2);
    expect(traffic.attackedAgents.filter((a) => outcome.alertAgents.has(a)).length).toBeGreaterThan(0);
  }, 300_000);
});
