/**
 * Test access to a real Kafka broker: where it is (KAFKA_BROKERS, default 127.0.0.1:9092), whether
 * it answers (skip loudly on a laptop without one, fail under CI), and small helpers to create
 * topics, produce and read whole topics back.
 */
import { randomUUID } from "node:crypto";
import {
  Kafka,
  type KafkaMessage,
  logLevel,
  type Message,
  Partitioners,
} from "../../../src/kafka/kafkajs.js";
import { type KafkaOptions, kafkaOptionsSchema } from "../../../src/kafka/options.js";
import { fetchTopicOffsets } from "../../../src/kafka/restore.js";

export const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");

export function testKafka(brokers: string[] = BROKERS): Kafka {
  return new Kafka({
    clientId: "agentwatch-test",
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 3_000 },
    connectionTimeout: 3_000,
  });
}

/** True when the broker answers; under CI an unreachable broker is an error, not a skip. */
export async function kafkaAvailable(brokers: string[] = BROKERS): Promise<boolean> {
  const admin = new Kafka({
    clientId: "agentwatch-test-probe",
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    connectionTimeout: 2_000,
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch (error) {
    const message = `Kafka broker ${brokers.join(",")} unreachable (${(error as Error).message}); start one with scripts/kafka.sh start`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n*** SKIPPING Kafka integration tests: ${message} ***\n`);
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A topic name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // Cleanup is best effort: a leftover topic does not change any result.
  } finally {
    await admin.disconnect();
  }
}

/** Produces unkeyed values round-robin over the partitions, in order. */
export async function produceValues(kafka: Kafka, topic: string, values: (string | Buffer)[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  try {
    const admin = kafka.admin();
    await admin.connect();
    const partitions =
      (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 1;
    await admin.disconnect();
    for (let start = 0; start < values.length; start += 2_000) {
      const messages: Message[] = values
        .slice(start, start + 2_000)
        .map((value, i) => ({ value, partition: (start + i) % partitions }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  message: KafkaMessage;
}

/** Every committed record of `topic` as of now, in partition order. */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const ends = new Map<number, number>();
  for (const { partition, high, low } of await fetchTopicOffsets(kafka, topic)) {
    if (Number(high) > Number(low)) ends.set(partition, Number(high) - 1);
  }
  const records: ReadRecord[] = [];
  if (ends.size === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName("test-reader"), maxWaitTimeInMs: 100 });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = ends.get(payload.partition);
    if (end !== undefined && Number(payload.lastOffset) >= end) {
      ends.delete(payload.partition);
      if (ends.size === 0) done();
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) records.push({ partition: batch.partition, message });
    },
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  if (ends.size > 0)
    throw new Error(`reading ${topic} timed out with partitions ${[...ends.keys()]} unfinished`);
  return records.sort(
    (a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset),
  );
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Pipeline options for one test run: group, input topic and internal topics all named after
 * `prefix`, with short session/heartbeat timings so rebalances settle fast; `overrides` win.
 */
export function runOptions(prefix: string, overrides: Record<string, unknown> = {}): KafkaOptions {
  return kafkaOptionsSchema.parse({
    brokers: BROKERS,
    groupId: prefix,
    inputTopic: `${prefix}.input`,
    topicPrefix: prefix,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    ...overrides,
  });
}
