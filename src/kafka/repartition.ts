/**
 * The repartition stage (Kafka Streams' "through" topic): gateways usually write their access logs
 * unkeyed, so one agent's events are spread over every partition. This stage decodes each line
 * once, writes the normalized events keyed by the resolved agent id to the repartition topic (so
 * each agent lands in exactly one partition, owned by one instance) and malformed records to the
 * dead-letter topic, transactionally with its input offsets: every input record reaches the
 * repartition or dead-letter topic once, even across crashes. Each re-keyed event names its input
 * position in headers, so that if a rebalance race ever made this stage write a record twice,
 * detection recognises the copy (see detect.ts).
 */

import type { NormalizedEvent } from "../events/event.js";
import type { RecordDecoder } from "./detect.js";
import type { KafkaMessage } from "./kafkajs.js";
import type { KafkaOptions, KafkaTopicNames } from "./options.js";
import { deadLetterMessage, encodeEvent, repartitionHeaders } from "./records.js";
import type { PartitionProcessor, StageDefinition } from "./stage.js";
import type { PipelineCounters } from "./stats.js";
import type { Outbox } from "./transactions.js";

class RepartitionPartition implements PartitionProcessor {
  private readonly events: NormalizedEvent[] = [];

  constructor(
    private readonly partition: number,
    private readonly topics: KafkaTopicNames,
    private readonly repartitionTopic: string,
    private readonly decode: RecordDecoder,
    private readonly counters: PipelineCounters,
  ) {}

  handle(message: KafkaMessage, _offset: number, outbox: Outbox): void {
    const events = this.events;
    events.length = 0;
    const rejection = this.decode(message, events);
    if (rejection) {
      const source = { topic: this.topics.input, partition: this.partition, offset: message.offset };
      outbox.push(this.topics.deadLetter, deadLetterMessage(message, source, rejection));
      this.counters.deadLettered(rejection.code);
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as NormalizedEvent;
      outbox.push(this.repartitionTopic, {
        key: event.agentId,
        value: encodeEvent(event),
        // The gateway's record time is kept so time-based retention and lag tooling still make sense.
        timestamp: message.timestamp,
        headers: repartitionHeaders(this.partition, message.offset, i),
      });
    }
    this.counters.eventsRepartitioned += events.length;
  }

  seal(): void {}

  committed(): void {}
}

export interface RepartitionStageDeps {
  /** One decoder per input partition: decoders may keep per-stream state (newest timestamp seen). */
  createDecoder: () => RecordDecoder;
  counters: PipelineCounters;
}

export function repartitionStage(
  options: KafkaOptions,
  topics: KafkaTopicNames,
  deps: RepartitionStageDeps,
): StageDefinition {
  const repartitionTopic = topics.repartition;
  if (!repartitionTopic) throw new Error("repartition stage needs a repartition topic");
  return {
    name: "repartition",
    groupId: `${options.groupId}.repartition`,
    topic: topics.input,
    // Gateways may write transactionally; aborted lines must not be analysed.
    readCommitted: true,
    async open(partitions) {
      return new Map(
        partitions.map((p) => [
          p,
          new RepartitionPartition(p, topics, repartitionTopic, deps.createDecoder(), deps.counters),
        ]),
      );
    },
    close() {},
  };
}
