/**
 * The action layer's `DurableQueue` over the alerts topic, for deployments that run on Kafka:
 * the detection stage already writes every alert there (transactionally, keyed by agent), and the
 * instances of one consumer group share the work of acting on them.
 *
 * - `append` produces a record keyed by agent (idempotent producer, all replicas) and resolves once
 *   the broker acknowledged it.
 * - `next` hands out records as they are fetched (read_committed), oldest first per partition.
 *   Fetching pauses while `maxBuffered` records wait, so a slow sink does not fill the memory.
 * - `ack` may come in any order; a partition's offset is committed up to its lowest unacked record,
 *   so after a crash or rebalance the unacked records (and possibly some acked ones after them) are
 *   handed out again. Actions are idempotent by alert id (the delivery ledger), which makes that safe.
 */

import type { Logger } from "pino";
import type { DurableQueue, QueuedRecord } from "../actions/queue.js";
import { type ActionRecord, isActionRecord, recordKey } from "../actions/records.js";
import {
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
} from "./kafkajs.js";

export interface KafkaQueueOptions {
  /** The alerts topic (`topicNames(options).alerts`). */
  topic: string;
  /** Consumer group of the action layer, distinct from the detection group. */
  groupId: string;
  /** Records fetched but not yet handed out before fetching pauses. */
  maxBuffered?: number;
  sessionTimeoutMs?: number;
}

interface PartitionState {
  /** Offsets handed out (or buffered) and not yet acked, ascending. */
  pending: Set<number>;
  /** Offset after the last record taken from the fetch: re-deliveries below it are dropped. */
  nextOffset: number;
  /** Offset last committed. */
  committed: number;
}

export class KafkaQueue implements DurableQueue {
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly partitions = new Map<number, PartitionState>();
  private buffer: QueuedRecord[] = [];
  private paused = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly maxBuffered: number;

  private constructor(
    kafka: Kafka,
    private readonly options: KafkaQueueOptions,
    private readonly logger: Logger,
  ) {
    this.maxBuffered = options.maxBuffered ?? 1_000;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onAssignment(payload.memberAssignment[options.topic] ?? []);
    });
    // A fetch of nothing but transaction markers never reaches eachBatch: move past them too.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize > 0 || payload.topic !== options.topic) return;
      const state = this.partitions.get(payload.partition);
      if (!state) return;
      state.nextOffset = Math.max(state.nextOffset, Number(payload.lastOffset) + 1);
      this.commit(payload.partition, state).catch((error: Error) =>
        this.logger.warn({ partition: payload.partition, err: error.message }, "alert queue: commit failed"),
      );
    });
  }

  /** Connects, joins the group and starts fetching. */
  static async open(kafka: Kafka, options: KafkaQueueOptions, logger: Logger): Promise<KafkaQueue> {
    const queue = new KafkaQueue(kafka, options, logger);
    await queue.producer.connect();
    await queue.consumer.connect();
    await queue.consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await queue.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => queue.take(payload),
    });
    return queue;
  }

  get depth(): number {
    let depth = 0;
    for (const state of this.partitions.values()) depth += state.pending.size;
    return depth;
  }

  async append(record: ActionRecord): Promise<void> {
    await this.producer.send({
      topic: this.options.topic,
      acks: -1,
      messages: [{ key: recordKey(record), value: JSON.stringify(record) }],
    });
  }

  async next(max: number, waitMs: number): Promise<QueuedRecord[]> {
    if (this.buffer.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const out = this.buffer.splice(0, max);
    if (this.paused && this.buffer.length < this.maxBuffered / 2) {
      this.paused = false;
      this.consumer.resume([{ topic: this.options.topic }]);
    }
    return out;
  }

  async ack(id: string): Promise<void> {
    const [partitionText, offsetText] = id.split(":");
    const partition = Number(partitionText);
    const state = this.partitions.get(partition);
    // Not ours any more: the new owner hands the record out again and the ledger dedups it.
    if (!state?.pending.delete(Number(offsetText))) return;
    await this.commit(partition, state);
  }

  /** Commits the partition up to its lowest unacked record, or past everything taken when none is. */
  private async commit(partition: number, state: PartitionState): Promise<void> {
    let lowest = state.nextOffset;
    for (const offset of state.pending) lowest = Math.min(lowest, offset);
    if (lowest > state.committed) {
      const before = state.committed;
      state.committed = lowest;
      try {
        await this.consumer.commitOffsets([{ topic: this.options.topic, partition, offset: String(lowest) }]);
      } catch (error) {
        // The next ack commits again (a rebalance, a broker moving); until then, re-reads are deduped.
        if (state.committed === lowest) state.committed = before;
        throw error;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private onAssignment(partitions: number[]): void {
    const owned = new Set(partitions);
    for (const partition of this.partitions.keys()) {
      if (!owned.has(partition)) this.partitions.delete(partition);
    }
    // Buffered records of partitions that moved are the new owner's now.
    this.buffer = this.buffer.filter((r) => owned.has(Number(r.id.split(":")[0])));
    this.logger.info({ topic: this.options.topic, partitions }, "alert queue partitions assigned");
  }

  private async take({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    let state = this.partitions.get(batch.partition);
    if (!state) {
      const first = Number(batch.firstOffset() ?? 0);
      state = { pending: new Set(), nextOffset: first, committed: first };
      this.partitions.set(batch.partition, state);
    }
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      resolveOffset(message.offset);
      // kafkajs restarts a retained partition from the committed offset after a rebalance.
      if (offset < state.nextOffset) continue;
      state.nextOffset = offset + 1;
      const record = parseRecord(message);
      if (!record) {
        this.logger.warn(
          { partition: batch.partition, offset },
          "alert queue: skipping a record that is not an action record",
        );
        continue;
      }
      state.pending.add(offset);
      this.buffer.push({ id: `${batch.partition}:${offset}`, record });
    }
    // Past the transaction markers (and aborted records) that end the batch: lag reads 0 when drained.
    state.nextOffset = Math.max(state.nextOffset, Number(batch.lastOffset()) + 1);
    this.wake?.();
    if (!this.paused && this.buffer.length >= this.maxBuffered) {
      this.paused = true;
      this.consumer.pause([{ topic: this.options.topic }]);
    }
    await heartbeat();
  }
}

function parseRecord(message: KafkaMessage): ActionRecord | undefined {
  try {
    const record: unknown = JSON.parse(String(message.value));
    return isActionRecord(record) ? record : undefined;
  } catch {
    return undefined;
  }
}
