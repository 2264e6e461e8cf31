/**
 * A drained consumer group reads lag 0 in the broker's own `kafka-consumer-groups.sh --describe`
 * (ConsumerGroupCommand, run through scripts/kafka.sh), for all three groups of a deployment: the
 * repartition stage on the input topic, detection on the transactionally written repartition
 * topic, and the action layer on the transactionally written alerts topic. Offsets are committed
 * past the transaction markers that end each partition, not at "last record + 1".
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../src/engine/engine.js";
import { KafkaQueue } from "../../src/kafka/alert-queue.js";
import { topicNames } from "../../src/kafka/options.js";
import { runKafkaPipeline } from "../../src/kafka/pipeline.js";
import { createLogger } from "../../src/observability/logger.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import {
  BROKERS,
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  produceValues,
  runOptions,
  testKafka,
  uniqueName,
  waitFor,
} from "./helpers/broker.js";
import { engineOptions, MAX_LINE_BYTES, simulatedTraffic } from "./helpers/traffic.js";

const available = await kafkaAvailable();
const run = promisify(execFile);

interface LagRow {
  topic: string;
  partition: number;
  current: number;
  end: number;
  lag: string;
}

/** `kafka-consumer-groups.sh --describe --group <group>`, parsed: one row per partition. */
async function describeGroup(group: string): Promise<LagRow[]> {
  const port = (BROKERS[0] as string).split(":")[1] as string;
  const { stdout } = await run("scripts/kafka.sh", ["consumer-groups", "--describe", "--group", group], {
    env: { ...process.env, KAFKA_PORT: port },
    timeout: 150_000,
  });
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[0] === group)
    .map((cols) => ({
      topic: cols[1] as string,
      partition: Number(cols[2]),
      current: Number(cols[3]),
      end: Number(cols[4]),
      lag: cols[5] as string,
    }));
}

describe.skipIf(!available)("consumer lag after draining (real broker, broker's own tool)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-lag");
  const options = runOptions(prefix);
  const topics = topicNames(options);
  const logger = createLogger({ level: "warn", name: "lag-test" });
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await createTopic(kafka, topics.input, 3);
  });
  afterAll(async () => {
    await admin.disconnect();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  /** Committed offset equals the end offset on every partition of `topic` for `group`. */
  async function drained(group: string, topic: string): Promise<boolean> {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return ends.every(({ partition, high }) => {
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
      return Number(high) === 0 || Number(offset) === Number(high);
    });
  }

  it("reads LAG 0 on every partition of every group once everything is consumed", async () => {
    const traffic = simulatedTraffic(6_000, 5);
    await produceValues(kafka, topics.input, traffic.values);
    const pipeline = await runKafkaPipeline(options, {
      createEngine: () => createEngine(engineOptions()),
      createDecoder: () => createLineDecoder({ format: "json" }),
      maxLineBytes: MAX_LINE_BYTES,
      logger,
    });
    const actionsGroup = `${options.groupId}.actions`;
    const queue = await KafkaQueue.open(kafka, { topic: topics.alerts, groupId: actionsGroup }, logger);
    let acking = true;
    const acks = (async () => {
      while (acking) for (const record of await queue.next(500, 100)) await queue.ack(record.id);
    })();
    const groups: Array<[string, string]> = [
      [`${options.groupId}.repartition`, topics.input],
      [options.groupId, topics.repartition as string],
      [actionsGroup, topics.alerts],
    ];
    try {
      for (const [group, topic] of groups)
        await waitFor(`${group} drained`, async () => drained(group, topic), 90_000);
    } finally {
      acking = false;
      await acks;
      await queue.close();
      await pipeline.stop();
    }

    for (const [group, topic] of groups) {
      const rows = await describeGroup(group);
      expect(rows.length, group).toBeGreaterThan(0);
      expect(rows.every((row) => row.topic === topic)).toBe(true);
      // Transactionally written topics end with markers: the end offset is past the last record.
      expect(
        rows.map((row) => row.lag),
        JSON.stringify(rows),
      ).toEqual(rows.map(() => "0"));
      expect(rows.some((row) => row.end > 0)).toBe(true);
    }
  }, 300_000);
});
