/**
 * Counters of one Kafka pipeline instance, read by the status API / metrics and by tests. They
 * count work done in transactions that may still abort, so they are "processed", not "committed".
 */
import type { ErrorCode } from "../errors.js";

export class PipelineCounters {
  /** Events re-keyed into the repartition topic. */
  eventsRepartitioned = 0;
  /** Events applied to profiles. */
  eventsApplied = 0;
  /** Events already contained in a restored snapshot, not applied again. */
  replaySkipped = 0;
  /** Repartitioned events recognised as copies of events already applied, not applied again. */
  duplicatesSkipped = 0;
  alerts = 0;
  snapshots = 0;
  /** Changelog tombstones written for profiles the engine dropped. */
  tombstones = 0;
  agentsRestored = 0;
  /** Restored snapshots the engine could not read (layout or options changed): those agents started over. */
  unreadableSnapshots = 0;
  deadLetters = 0;
  readonly deadLettersByCode: Partial<Record<ErrorCode, number>> = {};

  deadLettered(code: ErrorCode): void {
    this.deadLetters++;
    this.deadLettersByCode[code] = (this.deadLettersByCode[code] ?? 0) + 1;
  }
}
