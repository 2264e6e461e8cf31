/**
 * One transactional producer per consumed partition, and the commit of a partition's work.
 *
 * kafkajs's TxnOffsetCommit carries no consumer-group generation (no KIP-447), so the only fence
 * against a zombie instance still writing for a partition it lost is the transactional id: it is
 * derived from the partition (Kafka Streams' "exactly_once" mode), and the new owner's
 * InitProducerId bumps the epoch, aborts the zombie's open transaction and refuses its commits.
 * It also lets partitions commit concurrently: a kafkajs producer holds one transaction at a time.
 */

import type { Logger } from "pino";
import { type Kafka, type Message, Partitioners, type Producer, type TopicMessages } from "./kafkajs.js";

/** Messages a batch of one partition must write atomically with its consumed offset. */
export class Outbox {
  private readonly byTopic = new Map<string, Message[]>();
  size = 0;

  push(topic: string, message: Message): void {
    let list = this.byTopic.get(topic);
    if (!list) {
      list = [];
      this.byTopic.set(topic, list);
    }
    list.push(message);
    this.size++;
  }

  /**
   * The messages in requests of at most `maxBytes` of keys and values each. kafkajs puts all of a
   * request's messages for one partition into a single record batch, and the broker refuses a
   * batch over `message.max.bytes` (1 MiB by default): one large batch of snapshots or re-keyed
   * events would otherwise fail its transaction every time it is retried.
   */
  *requests(maxBytes: number): Generator<TopicMessages[]> {
    let request = new Map<string, Message[]>();
    let bytes = 0;
    for (const [topic, messages] of this.byTopic) {
      for (const message of messages) {
        const size = byteLength(message.key) + byteLength(message.value) + 64;
        if (bytes > 0 && bytes + size > maxBytes) {
          yield toTopicMessages(request);
          request = new Map();
          bytes = 0;
        }
        let list = request.get(topic);
        if (!list) {
          list = [];
          request.set(topic, list);
        }
        list.push(message);
        bytes += size;
      }
    }
    if (bytes > 0) yield toTopicMessages(request);
  }
}

function byteLength(value: Message["key"] | Message["value"]): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "string" ? Buffer.byteLength(value) : value.length;
}

function toTopicMessages(request: Map<string, Message[]>): TopicMessages[] {
  return [...request].map(([topic, messages]) => ({ topic, messages }));
}

/** Bytes of keys and values per produce request: half the broker's default `message.max.bytes`. */
const MAX_REQUEST_BYTES = 512 * 1024;

export interface CommitTarget {
  consumerGroupId: string;
  topic: string;
  partition: number;
  /** Offset of the next record to consume (last processed + 1). */
  nextOffset: string;
}

export class TransactionalProducers {
  private readonly producers = new Map<number, Producer>();

  constructor(
    private readonly kafka: Kafka,
    /** Prefix of the transactional ids, unique per stage and consumed topic. */
    private readonly idPrefix: string,
    private readonly transactionTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * The partition's producer, connected, with its producer id initialized: from here on every
   * earlier owner of the partition is fenced and its open transaction aborted.
   */
  async fence(partition: number): Promise<Producer> {
    const existing = this.producers.get(partition);
    if (existing) return existing;
    const producer = this.kafka.producer({
      transactionalId: `${this.idPrefix}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      // murmur2 like the Java client, so keys land where Kafka Streams or Connect would put them.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // An empty transaction sends InitProducerId and nothing else: this is the fencing step.
    const txn = await producer.transaction();
    await txn.abort();
    this.producers.set(partition, producer);
    return producer;
  }

  /** Writes `outbox` and commits `target`'s offset in one transaction: all of it or none of it. */
  async commit(outbox: Outbox, target: CommitTarget): Promise<void> {
    const producer = await this.fence(target.partition);
    const txn = await producer.transaction();
    try {
      for (const topicMessages of outbox.requests(MAX_REQUEST_BYTES))
        await txn.sendBatch({ topicMessages, acks: -1 });
      await txn.sendOffsets({
        consumerGroupId: target.consumerGroupId,
        topics: [
          { topic: target.topic, partitions: [{ partition: target.partition, offset: target.nextOffset }] },
        ],
      });
      await txn.commit();
    } catch (error) {
      await txn.abort().catch(() => undefined);
      // A fenced or broken producer cannot be reused; the next commit re-initializes one.
      await this.release(target.partition);
      throw error;
    }
  }

  /** Disconnects the partition's producer (the partition moved to another instance). */
  async release(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    if (!producer) return;
    this.producers.delete(partition);
    await producer.disconnect().catch((error: Error) => {
      this.logger.warn({ partition, err: error.message }, "producer disconnect failed");
    });
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((p) => this.release(p)));
  }
}
