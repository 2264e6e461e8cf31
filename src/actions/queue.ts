/**
 * The durable queue contract between "an alert was raised" and "its actions ran". `submit()`
 * returns once a record is on the queue; a crash after that loses nothing, because records are
 * handed out again after a restart until they are acked. The on-disk implementation is in
 * `file-queue.ts`; a Kafka implementation over the alerts topic implements the same interface
 * (append = produce keyed by `recordKey`, ack = commit once every lower offset of the partition is
 * acked, unacked records are re-read after a restart or rebalance).
 */
import type { ActionRecord } from "./records.js";

export interface QueuedRecord {
  /** Queue-assigned id, only meaningful to `ack` of the same queue. */
  readonly id: string;
  readonly record: ActionRecord;
}

export interface DurableQueue {
  /** Store one record; resolves once it would survive a crash of this process. */
  append(record: ActionRecord): Promise<void>;
  /**
   * Up to `max` records not yet handed out since this queue was opened, oldest first; records
   * left unacked before a restart come first. Waits up to `waitMs` for one to arrive and resolves
   * `[]` on timeout or once the queue is closed.
   */
  next(max: number, waitMs: number): Promise<QueuedRecord[]>;
  /** The record's actions are done (delivered or dead-lettered); acks may come in any order. */
  ack(id: string): Promise<void>;
  /** Records appended (or restored) and not yet acked. */
  readonly depth: number;
  /** Flush and release files or connections; pending `next` calls resolve `[]`. */
  close(): Promise<void>;
}
