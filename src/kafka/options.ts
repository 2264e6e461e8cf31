/**
 * Options of the Kafka source (`kafka:` in the config, `AGENTWATCH_KAFKA__*` in the environment),
 * and the names of the topics agentwatch derives from them.
 */
import { z } from "zod";
import { duration } from "../config/duration.js";

/** Accepts `["a:9092", "b:9092"]` or the environment-friendly `"a:9092,b:9092"`. */
const brokerList = z.preprocess(
  (value) =>
    typeof value === "string"
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port")).min(1),
);

const topicName = z
  .string()
  .min(1)
  .max(249)
  .regex(/^[A-Za-z0-9._-]+$/, "topic names use letters, digits, '.', '_' and '-'");

export const kafkaTopicsSchema = z
  .object({
    /** Internal topic the events are re-keyed into by agent id (only used when `inputKeyedByAgent` is false). */
    repartition: topicName.optional(),
    /** Compacted topic holding the latest profile snapshot of each agent, keyed by agent id. */
    changelog: topicName.optional(),
    /** Alerts raised by the detectors, keyed by agent id, as action-queue records (JSON). */
    alerts: topicName.optional(),
    /** Records that could not be decoded, with their original bytes and headers plus the reason. */
    deadLetter: topicName.optional(),
  })
  .strict();

export const kafkaOptionsSchema = z
  .object({
    /** Bootstrap brokers, `host:port`; a comma-separated string is accepted. */
    brokers: brokerList,
    /** Client id sent to the brokers (shows in broker logs and quotas). */
    clientId: z.string().min(1).default("agentwatch"),
    /**
     * Consumer group of the detection stage. Every instance of one deployment uses the same group;
     * the repartition stage uses `<groupId>.repartition`.
     */
    groupId: z.string().min(1).default("agentwatch"),
    /**
     * Stable name of this instance (hostname, pod name). Transactional ids are derived from the
     * partitions, not from this, so it only labels logs; defaults to hostname-pid.
     */
    instanceId: z.string().min(1).optional(),
    /** Topic the gateways write their access-log lines to (one line per record value). */
    inputTopic: topicName.default("gateway-logs"),
    /**
     * True when the input records are already keyed by agent identity, so every agent's events
     * are in one partition: detection then reads the input directly and no repartition topic is used.
     */
    inputKeyedByAgent: z.boolean().default(false),
    /** Prefix of the internal topic names: `<prefix>.repartition`, `.profiles-changelog`, `.alerts`, `.dead-letter`. */
    topicPrefix: topicName.default("agentwatch"),
    /** Explicit internal topic names, overriding `topicPrefix`. */
    topics: kafkaTopicsSchema.prefault({}),
    /** Create missing internal topics at startup (the input topic is never created). */
    createTopics: z.boolean().default(true),
    /**
     * Partitions of the repartition and changelog topics when they are created; defaults to the
     * input topic's count. The changelog must have as many partitions as the topic detection reads.
     */
    partitions: z.number().int().min(1).max(10_000).optional(),
    /** Replication factor of created topics; -1 takes the broker's `default.replication.factor`. */
    replicationFactor: z.number().int().min(-1).max(32).default(-1),
    /** Where a group with no committed offset starts: the earliest retained record or only new ones. */
    startFrom: z.enum(["earliest", "latest"]).default("earliest"),
    /** Partitions processed at the same time by one instance (overlaps fetch, CPU and commits). */
    partitionsConsumedConcurrently: z.number().int().min(1).max(64).default(3),
    /**
     * Most bytes fetched per partition per request; also bounds the events in one transaction.
     * Larger batches amortize the commit and the profile snapshots over more events (4 MiB did
     * clearly better than 2 MiB in bench/kafka-bench.ts, 8 MiB no better than 4) at the cost of
     * memory and of more work redone after a crash.
     */
    maxBytesPerPartition: z
      .number()
      .int()
      .min(64 * 1024)
      .default(4 * 1024 * 1024),
    /** Consumer session timeout: how long a silent instance keeps its partitions. */
    sessionTimeoutMs: duration("ms", { min: "6s", max: "5m" }).default(30_000),
    /** Consumer heartbeat interval; heartbeats are also sent inside long batches. */
    heartbeatIntervalMs: duration("ms", { min: "100ms", max: "1m" }).default(3_000),
    /**
     * Transaction timeout: an instance that dies mid-transaction blocks `read_committed` readers of
     * the partitions it wrote until its successor fences it or this passes.
     */
    transactionTimeoutMs: duration("ms", { min: "1s", max: "15m" }).default(30_000),
    /** On SIGTERM, the most time spent finishing the batch, snapshotting and committing before giving up. */
    shutdownTimeoutMs: duration("ms", { min: "1s", max: "5m" }).default(30_000),
  })
  .strict();

export type KafkaOptions = z.output<typeof kafkaOptionsSchema>;

export interface KafkaTopicNames {
  input: string;
  /** Undefined when the input is keyed by agent and detection reads it directly. */
  repartition: string | undefined;
  changelog: string;
  alerts: string;
  deadLetter: string;
}

export function topicNames(options: KafkaOptions): KafkaTopicNames {
  const p = options.topicPrefix;
  return {
    input: options.inputTopic,
    repartition: options.inputKeyedByAgent ? undefined : (options.topics.repartition ?? `${p}.repartition`),
    changelog: options.topics.changelog ?? `${p}.profiles-changelog`,
    alerts: options.topics.alerts ?? `${p}.alerts`,
    deadLetter: options.topics.deadLetter ?? `${p}.dead-letter`,
  };
}
