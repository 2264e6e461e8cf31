/**
 * Creates agentwatch's internal topics when they are missing and checks the ones that exist, so a
 * misconfigured cluster stops startup instead of silently breaking per-agent ownership.
 */

import { AgentwatchError } from "../errors.js";
import type { Admin, ITopicConfig } from "./kafkajs.js";
import type { KafkaOptions, KafkaTopicNames } from "./options.js";

/** Partition counts of the topics, as found or created. */
export interface TopicLayout {
  input: number;
  /** Partitions of the topic detection reads (repartition topic, or input when keyed by agent). */
  detect: number;
}

async function partitionCounts(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const counts = new Map<string, number>();
  if (present.length === 0) return counts;
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present });
  for (const t of metadata) counts.set(t.name, t.partitions.length);
  return counts;
}

export async function ensureTopics(
  admin: Admin,
  options: KafkaOptions,
  names: KafkaTopicNames,
): Promise<TopicLayout> {
  const wanted = [names.input, names.repartition, names.changelog, names.alerts, names.deadLetter].filter(
    (t): t is string => t !== undefined,
  );
  let counts = await partitionCounts(admin, wanted);
  const input = counts.get(names.input);
  if (input === undefined) {
    throw new AgentwatchError("INVALID_CONFIG", `kafka.inputTopic: topic ${names.input} does not exist`);
  }
  const detectPartitions = options.inputKeyedByAgent ? input : (options.partitions ?? input);
  const replicationFactor = options.replicationFactor;
  const create: ITopicConfig[] = [];
  const plan = (
    topic: string | undefined,
    numPartitions: number,
    configEntries: ITopicConfig["configEntries"],
  ) => {
    if (topic && !counts.has(topic)) create.push({ topic, numPartitions, replicationFactor, configEntries });
  };
  plan(names.repartition, detectPartitions, [{ name: "cleanup.policy", value: "delete" }]);
  // Compaction keeps the newest snapshot per agent; a small segment lets the cleaner run often.
  plan(names.changelog, detectPartitions, [
    { name: "cleanup.policy", value: "compact" },
    { name: "segment.ms", value: String(10 * 60_000) },
    { name: "min.cleanable.dirty.ratio", value: "0.1" },
    // Profiles of very busy agents can outgrow the 1 MiB default.
    { name: "max.message.bytes", value: String(8 * 1024 * 1024) },
  ]);
  plan(names.alerts, detectPartitions, [{ name: "cleanup.policy", value: "delete" }]);
  plan(names.deadLetter, input, [{ name: "cleanup.policy", value: "delete" }]);
  if (create.length > 0) {
    if (!options.createTopics) {
      throw new AgentwatchError(
        "INVALID_CONFIG",
        `kafka.createTopics is false and topics are missing: ${create.map((c) => c.topic).join(", ")}`,
      );
    }
    // Another instance may create the same topics at the same moment; createTopics tolerates that.
    await admin.createTopics({ topics: create, waitForLeaders: true });
    counts = await partitionCounts(admin, wanted);
  }
  const detectTopic = names.repartition ?? names.input;
  const detect = counts.get(detectTopic) ?? detectPartitions;
  // The changelog is read per partition of the detection topic: both must line up one to one.
  const changelog = counts.get(names.changelog);
  if (changelog !== detect) {
    throw new AgentwatchError(
      "INVALID_CONFIG",
      `topic ${names.changelog} has ${changelog} partitions but ${detectTopic} has ${detect}; they must match`,
    );
  }
  return { input, detect };
}
