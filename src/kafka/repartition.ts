/**
 * The repartition stage (Kafka Streams' "through" topic): gateways usually write their access logs
 * unkeyed, so one agent's events are spread over every partition. This stage decodes each line
 * once and routes the normalized events by the resolved agent id (murmur2, like a keyed producer)
 * to the repartition topic, so each agent lands in exactly one partition, owned by one instance;
 * malformed records go to the dead-letter topic. Output and input offsets commit in one
 * transaction, so every input record reaches the repartition or dead-letter topic once, even
 * across crashes. Each event also names its input position, so that if a rebalance race ever made
 * this stage write a record twice, detection recognises the copy (see detect.ts).
 */

import type { NormalizedEvent } from "../events/event.js";
import type { RecordDecoder } from "./detect.js";
import { type KafkaMessage, Partitioners } from "./kafkajs.js";
import type { KafkaOptions, KafkaTopicNames } from "./options.js";
import { deadLetterMessage, encodeGroupedEvent, SOURCE_PARTITION_HEADER } from "./records.js";
import type { PartitionProcessor, StageDefinition } from "./stage.js";
import type { PipelineCounters } from "./stats.js";
import type { Outbox } from "./transactions.js";

/** Bytes of events per repartition record: well under the broker's 1 MiB `message.max.bytes`. */
const MAX_GROUP_BYTES = 256 * 1024;

class RepartitionPartition implements PartitionProcessor {
  private readonly events: NormalizedEvent[] = [];
  /** Per output partition, the encoded events of this batch not yet sealed into records. */
  private readonly groups: string[][];
  private readonly groupBytes: number[];

  constructor(
    private readonly partition: number,
    private readonly topics: KafkaTopicNames,
    private readonly repartitionTopic: string,
    private readonly partitionOf: (agentId: string) => number,
    outputPartitions: number,
    private readonly decode: RecordDecoder,
    private readonly counters: PipelineCounters,
  ) {
    this.groups = Array.from({ length: outputPartitions }, () => []);
    this.groupBytes = new Array<number>(outputPartitions).fill(0);
  }

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
      const target = this.partitionOf(event.agentId);
      const encoded = encodeGroupedEvent(event, message.offset, i);
      (this.groups[target] as string[]).push(encoded);
      this.groupBytes[target] = (this.groupBytes[target] as number) + encoded.length;
      if ((this.groupBytes[target] as number) >= MAX_GROUP_BYTES) this.flush(target, outbox);
    }
    this.counters.eventsRepartitioned += events.length;
  }

  seal(outbox: Outbox): void {
    for (let target = 0; target < this.groups.length; target++) this.flush(target, outbox);
  }

  committed(): void {}

  private flush(target: number, outbox: Outbox): void {
    const group = this.groups[target] as string[];
    if (group.length === 0) return;
    outbox.push(this.repartitionTopic, {
      key: null,
      value: `[${group.join(",")}]`,
      partition: target,
      headers: { [SOURCE_PARTITION_HEADER]: String(this.partition) },
    });
    this.groups[target] = [];
    this.groupBytes[target] = 0;
  }
}

/**
 * Partition of an agent in the repartition topic: murmur2 of the agent id, as the Java client and
 * kafkajs hash keys, so the layout is the one a keyed producer would give.
 */
function agentPartitioner(topic: string, partitions: number): (agentId: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  // murmur2 in JavaScript costs more than the rest of routing an event; agents repeat, so remember
  // their partition (bounded: a flood of one-off identities must not grow it without end).
  const known = new Map<string, number>();
  return (agentId) => {
    let partition = known.get(agentId);
    if (partition === undefined) {
      partition = partitioner({ topic, partitionMetadata, message: { key: agentId, value: null } });
      if (known.size >= 100_000) known.clear();
      known.set(agentId, partition);
    }
    return partition;
  };
}

export interface RepartitionStageDeps {
  /** One decoder per input partition: decoders may keep per-stream state (newest timestamp seen). */
  createDecoder: () => RecordDecoder;
  /** Partitions of the repartition topic. */
  outputPartitions: number;
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
      const partitionOf = agentPartitioner(repartitionTopic, deps.outputPartitions);
      return new Map(
        partitions.map((p) => [
          p,
          new RepartitionPartition(
            p,
            topics,
            repartitionTopic,
            partitionOf,
            deps.outputPartitions,
            deps.createDecoder(),
            deps.counters,
          ),
        ]),
      );
    },
    close() {},
  };
}
