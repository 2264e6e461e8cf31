/**
 * Reads the latest committed profile snapshot of every agent in some partitions of the changelog.
 *
 * kafkajs has no manual partition assignment, so the read uses a throwaway consumer group of its
 * own (never committing, so the broker forgets it), pauses the partitions it does not need and
 * stops once every wanted partition reached its last stable offset as of the start of the read.
 * That offset is final because the caller fenced the partitions' previous writers first.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "./kafkajs.js";
import { decodeSnapshot, type ProfileSnapshot } from "./records.js";

export interface RestoreOptions {
  /** Prefix of the throwaway group id (the stage's group id). */
  groupPrefix: string;
  /** Called regularly while reading, so the caller's own consumer keeps its partitions. */
  keepAlive: () => Promise<void>;
  timeoutMs: number;
}

/**
 * Low and high (last stable) offsets of every partition. kafkajs's admin gives up at once on
 * errors like NOT_LEADER_FOR_PARTITION, routine right after a topic is created or a broker
 * restarts; they are retried here for a bounded time.
 */
export async function fetchTopicOffsets(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<{ partition: number; low: string; high: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        return await admin.fetchTopicOffsets(topic);
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Latest snapshot per agent, per requested partition. */
export type RestoredState = Map<number, Map<string, ProfileSnapshot>>;

export async function readChangelog(
  kafka: Kafka,
  topic: string,
  partitions: number[],
  options: RestoreOptions,
): Promise<RestoredState> {
  const state: RestoredState = new Map(partitions.map((p) => [p, new Map()]));
  const offsets = await fetchTopicOffsets(kafka, topic);
  // Offset of the last record to read, per partition that has any.
  const remaining = new Map<number, number>();
  for (const { partition, high, low } of offsets) {
    if (state.has(partition) && Number(high) > Number(low)) remaining.set(partition, Number(high) - 1);
  }
  if (remaining.size === 0) return state;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}.restore.${randomUUID()}`,
    readUncommitted: false,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // END_BATCH_PROCESS also reports batches made only of transaction markers, which eachBatch never
  // sees; the last record of a transactional partition is always such a marker.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = remaining.get(payload.partition);
    if (end !== undefined && Number(payload.lastOffset) >= end) {
      remaining.delete(payload.partition);
      if (remaining.size === 0) finish();
    }
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const others = (payload.memberAssignment[topic] ?? []).filter((p) => !remaining.has(p));
    if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
  });
  let failure: Error | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    failure = payload.error;
    finish();
  });

  const keepAlive = setInterval(() => void options.keepAlive().catch(() => undefined), 1_000);
  const timeout = setTimeout(() => {
    failure = new Error(`restoring ${topic} partitions ${[...remaining.keys()].join(",")} timed out`);
    finish();
  }, options.timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const agents = state.get(batch.partition);
        if (!agents) return;
        for (const message of batch.messages) {
          const agentId = message.key?.toString("utf8");
          if (!agentId) continue;
          const snapshot = decodeSnapshot(message.value);
          if (snapshot) agents.set(agentId, snapshot);
          else agents.delete(agentId);
        }
      },
    });
    await finished;
    if (failure) throw failure;
    return state;
  } finally {
    clearInterval(keepAlive);
    clearTimeout(timeout);
    await consumer.disconnect();
  }
}
