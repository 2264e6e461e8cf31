/**
 * `runKafkaPipeline`: agentwatch as a member of a Kafka consumer group. Checks or creates the
 * topics, then runs the repartition stage (when the input is not keyed by agent) and the detection
 * stage until `stop()`, which finishes the batches in hand, commits them with their snapshots and
 * alerts, and leaves the group within `shutdownTimeoutMs`.
 *
 * Parsing and detection are the core's: the caller passes factories for the line decoder and the
 * engine (the composition root builds them from the validated config).
 */

import type { Logger } from "pino";
import type { Engine, EngineHooks } from "../engine/engine.js";
import { AgentwatchError } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import type { LineDecoder } from "../parse/decoder.js";
import { createKafkaClient } from "./client.js";
import { detectStage, type RecordDecoder } from "./detect.js";
import type { KafkaMessage } from "./kafkajs.js";
import { type KafkaOptions, topicNames } from "./options.js";
import { PartitionEngines } from "./partition-engines.js";
import { decodeEventGroup, recordLine } from "./records.js";
import { repartitionStage } from "./repartition.js";
import { type BatchReport, type StageStats, TransactionalStage } from "./stage.js";
import { PipelineCounters } from "./stats.js";
import { ensureTopics, type TopicLayout } from "./topics.js";

export interface KafkaPipelineDeps {
  /** One engine per partition, built with the hooks the detection stage needs. */
  createEngine: (hooks: EngineHooks) => Engine;
  createDecoder: () => LineDecoder;
  /** Longest accepted record value (the config's `input.maxLineBytes`). */
  maxLineBytes: number;
  logger: Logger;
  /** Called after every committed batch of either stage (metrics: latency, consumer lag). */
  onBatch?: (report: BatchReport) => void;
}

export interface KafkaPipelineStats {
  counters: PipelineCounters;
  repartition: StageStats | undefined;
  detect: StageStats;
}

export interface KafkaPipeline {
  stats(): KafkaPipelineStats;
  /** The engines of the partitions this instance owns now, as one (status API, metrics). */
  readonly engines: PartitionEngines;
  /** Clean shutdown; rejects if it did not complete within `shutdownTimeoutMs`. Idempotent. */
  stop(): Promise<void>;
}

/** Decodes a raw gateway record: bytes checks, then the core's line decoder. */
function rawRecordDecoder(decodeLine: LineDecoder, maxLineBytes: number): RecordDecoder {
  return (message: KafkaMessage, out: NormalizedEvent[]) => {
    const line = recordLine(message.value, maxLineBytes);
    return typeof line === "string" ? decodeLine(line, out) : line;
  };
}

export async function runKafkaPipeline(
  options: KafkaOptions,
  deps: KafkaPipelineDeps,
): Promise<KafkaPipeline> {
  const logger = deps.logger.child({ component: "kafka" });
  const kafka = createKafkaClient(options, logger);
  const topics = topicNames(options);
  const admin = kafka.admin();
  await admin.connect();
  let layout: TopicLayout;
  try {
    layout = await ensureTopics(admin, options, topics);
    logger.info({ topics, layout }, "kafka topics ready");
  } finally {
    await admin.disconnect();
  }

  const counters = new PipelineCounters();
  const engines = new PartitionEngines();
  const createRawDecoder = () => rawRecordDecoder(deps.createDecoder(), deps.maxLineBytes);
  const detect = new TransactionalStage(
    kafka,
    options,
    detectStage(options, topics, {
      kafka,
      createEngine: deps.createEngine,
      engines,
      createDecoder: topics.repartition ? () => decodeEventGroup : createRawDecoder,
      counters,
      logger,
    }),
    logger,
    deps.onBatch,
  );
  const repartition = topics.repartition
    ? new TransactionalStage(
        kafka,
        options,
        repartitionStage(options, topics, {
          createDecoder: createRawDecoder,
          outputPartitions: layout.detect,
          counters,
        }),
        logger,
        deps.onBatch,
      )
    : undefined;

  await detect.start();
  await repartition?.start();
  logger.info(
    { groupId: options.groupId, input: topics.input, repartition: topics.repartition },
    "kafka pipeline running",
  );

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AgentwatchError("SHUTDOWN_TIMEOUT", `kafka pipeline after ${options.shutdownTimeoutMs} ms`),
          ),
        options.shutdownTimeoutMs,
      );
    });
    try {
      // Both at once: each finishes its own batches and commits; neither waits for the other.
      await Promise.race([Promise.all([repartition?.stop(), detect.stop()]), deadline]);
      logger.info(
        { ms: Date.now() - started, counters, repartition: repartition?.stats(), detect: detect.stats() },
        "kafka pipeline stopped",
      );
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    stats: () => ({ counters, repartition: repartition?.stats(), detect: detect.stats() }),
    engines,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
