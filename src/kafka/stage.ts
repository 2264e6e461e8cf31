/**
 * A consume-transform-produce stage with exactly-once output: a kafkajs consumer group whose
 * `eachBatch` hands each record of a partition to that partition's processor, then writes what the
 * processor produced and the consumed offset in one Kafka transaction. Written once and used by
 * both the repartition stage and the detection stage.
 *
 * Partition lifecycle: on every group join the stage forgets partitions it no longer owns, fences
 * the new ones (see transactions.ts) and asks the stage definition to open them, which is where
 * detection restores profiles; a batch of a partition waits (heartbeating) until it is open. When a
 * commit fails the partition is closed, so its state is rebuilt from what was committed before the
 * batch is retried.
 *
 * Committed-offset floor: kafkajs reads a partition's committed offset with an OffsetFetch that
 * does not wait for pending transactional commits (no KIP-447 `require_stable`), so right after a
 * rebalance it can hand out records this stage already committed. The stage therefore keeps its
 * own floor per partition: read again once the partition is fenced (the previous owner's
 * transactions are then complete) and raised at every commit; records below it are skipped.
 */

import type { Logger } from "pino";
import { withSpan } from "../observability/tracing.js";
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from "./kafkajs.js";
import type { KafkaOptions } from "./options.js";
import { Outbox, TransactionalProducers } from "./transactions.js";

export interface PartitionProcessor {
  /** Handles the record at `offset`, pushing whatever it writes into `outbox`. Never throws for bad data. */
  handle(message: KafkaMessage, offset: number, outbox: Outbox): void;
  /** Adds what must be committed together with the offset `nextOffset` (snapshots). */
  seal(outbox: Outbox, nextOffset: number): void;
  /** The transaction holding everything since the last `seal` is committed. */
  committed(): void;
}

export interface StageDefinition {
  /** Short name for logs, metrics and transactional ids. */
  name: string;
  groupId: string;
  topic: string;
  /** Read only committed records: required when the topic is written transactionally. */
  readCommitted: boolean;
  /** Builds processors for newly owned (and already fenced) partitions, restoring their state. */
  open(partitions: number[], keepAlive: () => Promise<void>): Promise<Map<number, PartitionProcessor>>;
  /** Forgets a partition's state. */
  close(partition: number): void;
}

/** What one committed batch took, for the processing-latency histogram and the consumer-lag gauge. */
export interface BatchReport {
  stage: string;
  topic: string;
  partition: number;
  records: number;
  /** Wall time from the batch's arrival to its commit. */
  seconds: number;
  /** Records after this batch in the partition (high watermark - next offset) when it was fetched. */
  lag: number;
}

export interface StageStats {
  records: number;
  batches: number;
  commits: number;
  /** Batches whose transaction failed; their partition was reopened from committed state. */
  failedCommits: number;
  /** Records handed out again below the committed offset, and skipped. */
  belowFloor: number;
  /** Consumers replaced after kafkajs gave up on them. */
  consumerRestarts: number;
  /** Partitions currently open on this instance. */
  partitions: number[];
}

/** Records between heartbeats inside a long batch (kafkajs throttles them to heartbeatIntervalMs). */
const HEARTBEAT_EVERY = 2_000;

export class TransactionalStage {
  private consumer: Consumer;
  private readonly admin: Admin;
  /** Offset of the first record not yet committed, per open partition. */
  private readonly floors = new Map<number, number>();
  /** Commits past transaction markers in flight, per partition (see `commitSkipped`). */
  private readonly skippedCommits = new Map<number, Promise<void>>();
  private readonly producers: TransactionalProducers;
  private readonly ready = new Map<number, PartitionProcessor>();
  private readonly opening = new Map<number, Promise<void>>();
  private readonly openingToken = new Map<number, symbol>();
  private assigned = new Set<number>();
  private stopping = false;
  /** Group member id of the consumer, from its last join. */
  private memberId: string | undefined;
  private recovering: Promise<void> | undefined;
  private readonly counters = {
    records: 0,
    batches: 0,
    commits: 0,
    failedCommits: 0,
    belowFloor: 0,
    consumerRestarts: 0,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaOptions,
    private readonly def: StageDefinition,
    private readonly logger: Logger,
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {
    this.admin = kafka.admin();
    this.producers = new TransactionalProducers(
      kafka,
      `${def.groupId}-${def.topic}`,
      options.transactionTimeoutMs,
      logger,
    );
    this.consumer = this.createConsumer();
  }

  stats(): StageStats {
    return { ...this.counters, partitions: [...this.ready.keys()].sort((a, b) => a - b) };
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.runConsumer();
  }

  /**
   * Stops fetching, lets the batches in hand finish and commit (they stop early once they see the
   * consumer is no longer running), leaves the group and releases the producers.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.consumer.disconnect();
    await this.producers.releaseAll();
    await this.admin.disconnect();
    for (const partition of this.ready.keys()) this.def.close(partition);
    this.ready.clear();
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.def.groupId,
      readUncommitted: !this.def.readCommitted,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      rebalanceTimeout: this.options.sessionTimeoutMs * 2,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      maxBytes: this.options.maxBytesPerPartition * 4,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onAssignment(payload.memberId, payload.memberAssignment[this.def.topic] ?? []);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // A fetch of nothing but transaction markers (or aborted records) never reaches eachBatch;
      // the position still moved past them, and committing it is what lets lag read 0.
      if (payload.batchSize === 0 && payload.topic === this.def.topic)
        this.commitSkipped(payload.partition, Number(payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors; after the others (a coordinator not found
      // once its retries ran out, typically while a broker restarts) its consumer stays down.
      if (!payload.restart && !this.stopping) this.recovering ??= this.recover(payload.error);
    });
    return consumer;
  }

  private async runConsumer(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: this.def.topic,
      fromBeginning: this.options.startFrom === "earliest",
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  /** Replaces a consumer that kafkajs gave up on, with backoff, until it runs or the stage stops. */
  private async recover(error: Error): Promise<void> {
    this.logger.error({ stage: this.def.name, err: error.message }, "consumer crashed; starting a new one");
    // While this instance was out of the group its partitions may have been processed elsewhere.
    for (const partition of [...this.ready.keys(), ...this.opening.keys()]) this.closePartition(partition);
    this.assigned = new Set();
    this.memberId = undefined;
    let backoff = 500;
    while (!this.stopping) {
      await this.consumer.disconnect().catch(() => undefined);
      this.consumer = this.createConsumer();
      this.counters.consumerRestarts++;
      try {
        await this.runConsumer();
        break;
      } catch (retryError) {
        this.logger.warn(
          { stage: this.def.name, err: (retryError as Error).message, backoff },
          "consumer restart failed",
        );
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
    this.recovering = undefined;
  }

  private onAssignment(memberId: string, partitions: number[]): void {
    if (this.memberId !== undefined && memberId !== this.memberId) {
      // The coordinator dropped this member (a missed session timeout under load, say) and it
      // joined again as a new one: its partitions may have been processed elsewhere meanwhile,
      // so nothing held in memory can be trusted even for partitions it gets back.
      this.logger.warn(
        { stage: this.def.name },
        "rejoined the group as a new member; reopening every partition",
      );
      for (const partition of [...this.ready.keys(), ...this.opening.keys()]) this.closePartition(partition);
    }
    this.memberId = memberId;
    const next = new Set(partitions);
    for (const partition of new Set([...this.ready.keys(), ...this.opening.keys()])) {
      if (!next.has(partition)) this.closePartition(partition);
    }
    this.assigned = next;
    const fresh = partitions.filter((p) => !this.ready.has(p) && !this.opening.has(p));
    if (fresh.length > 0) this.openPartitions(fresh, async () => undefined);
    this.logger.info({ stage: this.def.name, partitions, opening: fresh }, "partitions assigned");
  }

  private openPartitions(partitions: number[], keepAlive: () => Promise<void>): Promise<void> {
    // Identifies this attempt: a later reassignment may start another one for the same partition.
    const token = Symbol("opening");
    const opening = (async () => {
      await Promise.all(partitions.map((p) => this.producers.fence(p)));
      const floors = await this.committedOffsets(partitions);
      const processors = await this.def.open(partitions, keepAlive);
      for (const [partition, processor] of processors) {
        // The assignment may have changed while restoring: keep only what is still ours.
        if (this.openingToken.get(partition) === token && this.assigned.has(partition)) {
          this.ready.set(partition, processor);
          this.floors.set(partition, floors.get(partition) ?? 0);
        } else {
          this.def.close(partition);
        }
      }
    })().finally(() => {
      for (const p of partitions) {
        if (this.openingToken.get(p) === token) {
          this.opening.delete(p);
          this.openingToken.delete(p);
        }
      }
    });
    for (const p of partitions) {
      this.opening.set(p, opening);
      this.openingToken.set(p, token);
    }
    // Awaited by the batches of these partitions; an unobserved failure must not crash the process.
    opening.catch((error: Error) => {
      this.logger.error(
        { stage: this.def.name, partitions, err: error.message },
        "opening partitions failed",
      );
    });
    return opening;
  }

  /** The group's committed offsets; read after fencing, when no commit of theirs can be pending. */
  private async committedOffsets(partitions: number[]): Promise<Map<number, number>> {
    const [offsets] = await this.admin.fetchOffsets({ groupId: this.def.groupId, topics: [this.def.topic] });
    const wanted = new Set(partitions);
    const floors = new Map<number, number>();
    for (const { partition, offset } of offsets?.partitions ?? []) {
      if (wanted.has(partition)) floors.set(partition, Math.max(0, Number(offset)));
    }
    return floors;
  }

  /**
   * Commits a partition's offset past records that hold no data (transaction markers), in a
   * transaction of its own; the partition's next batch waits for it. Skipped while the partition
   * is not open or when nothing moves.
   */
  private commitSkipped(partition: number, nextOffset: number): void {
    const previous = this.skippedCommits.get(partition);
    const commit = (async () => {
      await previous;
      const floor = this.floors.get(partition);
      if (!this.ready.has(partition) || floor === undefined || nextOffset <= floor) return;
      await this.producers.commit(new Outbox(), {
        consumerGroupId: this.def.groupId,
        topic: this.def.topic,
        partition,
        nextOffset: String(nextOffset),
      });
      if (this.floors.get(partition) === floor) this.floors.set(partition, nextOffset);
    })().catch((error: Error) => {
      // Harmless: the markers are committed past with the partition's next batch, or read again.
      this.logger.warn({ stage: this.def.name, partition, err: error.message }, "commit past markers failed");
    });
    this.skippedCommits.set(partition, commit);
    void commit.finally(() => {
      if (this.skippedCommits.get(partition) === commit) this.skippedCommits.delete(partition);
    });
  }

  private closePartition(partition: number): void {
    this.floors.delete(partition);
    this.ready.delete(partition);
    this.opening.delete(partition);
    this.openingToken.delete(partition);
    this.def.close(partition);
    void this.producers.release(partition);
  }

  /** The partition's processor, opening it when needed; heartbeats while waiting for a restore. */
  private async processorFor(partition: number, heartbeat: () => Promise<void>): Promise<PartitionProcessor> {
    for (;;) {
      const processor = this.ready.get(partition);
      if (processor) return processor;
      if (!this.assigned.has(partition)) this.assigned.add(partition);
      const opening = this.opening.get(partition) ?? this.openPartitions([partition], heartbeat);
      let settled = false;
      const done = opening.then(() => {
        settled = true;
      });
      while (!settled) {
        await Promise.race([done, sleep(this.options.heartbeatIntervalMs)]);
        await heartbeat();
      }
      if (!this.ready.has(partition))
        throw new Error(`partition ${partition} of ${this.def.topic} could not be opened`);
    }
  }

  /** One span per batch: fetch-to-commit of a partition's records, the unit of work of a stage. */
  private processBatch(payload: EachBatchPayload): Promise<void> {
    const { partition, topic } = payload.batch;
    const started = performance.now();
    return withSpan(
      `agentwatch.kafka.${this.def.name}.batch`,
      { "messaging.destination.name": topic, "messaging.destination.partition.id": String(partition) },
      async (span) => {
        const handled = await this.handleBatch(payload);
        span.setAttribute("messaging.batch.message_count", handled);
        if (handled === 0) return;
        const lag = Number(payload.batch.highWatermark) - (Number(payload.batch.lastOffset()) + 1);
        this.onBatch({
          stage: this.def.name,
          topic,
          partition,
          records: handled,
          seconds: (performance.now() - started) / 1000,
          lag: Math.max(0, lag),
        });
      },
    );
  }

  /** Handles and commits one batch; returns the records applied (0 when nothing was committed). */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<number> {
    const partition = batch.partition;
    await this.skippedCommits.get(partition);
    const processor = await this.processorFor(partition, heartbeat);
    const floor = this.floors.get(partition) ?? 0;
    const outbox = new Outbox();
    let last = -1;
    let handled = 0;
    let complete = true;
    let next = floor;
    try {
      for (const message of batch.messages) {
        // On shutdown or rebalance, stop here and commit what is done: the rest is fetched again.
        if (!isRunning() || isStale()) {
          complete = false;
          break;
        }
        const offset = Number(message.offset);
        if (offset < floor) {
          this.counters.belowFloor++;
          resolveOffset(message.offset);
          continue;
        }
        processor.handle(message, offset, outbox);
        last = offset;
        // A failed heartbeat means a rebalance is under way: commit what is done before rejoining.
        if (++handled % HEARTBEAT_EVERY === 0 && !(await heartbeat().then(ok, notOk))) {
          complete = false;
          break;
        }
      }
      // A batch read to its end is committed past its end, transaction markers and aborted
      // records included (as the Java consumer's position does): a drained group has lag 0.
      next = complete ? Math.max(last + 1, Number(batch.lastOffset()) + 1) : last + 1;
      if (last < 0 && next <= floor) return 0;
      processor.seal(outbox, next);
      await this.producers.commit(outbox, {
        consumerGroupId: this.def.groupId,
        topic: this.def.topic,
        partition,
        nextOffset: String(next),
      });
    } catch (error) {
      // The processor's state now holds records that were not committed: rebuild it from what was.
      this.counters.failedCommits++;
      this.closePartition(partition);
      throw error;
    }
    processor.committed();
    this.floors.set(partition, next);
    resolveOffset(String(next - 1));
    this.counters.records += handled;
    this.counters.batches++;
    this.counters.commits++;
    return handled;
  }
}

const ok = () => true;
const notOk = () => false;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
