/**
 * Glue between a line source and the pure core: line -> decoder -> engine -> alert / reject.
 *
 * Every source that reads text lines (replay, `run` over files or stdin) drives one of these,
 * so counting, reject records and alert emission are written once. The pipeline itself is
 * synchronous; what to do with an alert or a reject (write a file, enqueue for delivery) is
 * the caller's, through the two callbacks.
 *
 * One pipeline per input: its decoder keeps that input's state (CRI partial lines, event time).
 * Pipelines of several inputs may share one engine and, to count as one, one counters object.
 */

import type { Engine } from "../engine/engine.js";
import type { Alert } from "../engine/types.js";
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import { REJECT_PREFIX_BYTES } from "../ingest/line-splitter.js";
import type { LineDecoder } from "../parse/decoder.js";
import { redactCredentials } from "../parse/redact-credentials.js";

/** One rejected line, as written to the rejects file. */
export interface RejectRecord {
  source: string;
  line: number;
  code: ErrorCode;
  message: string;
  /** The raw line, credentials redacted, truncated to REJECT_PREFIX_BYTES characters. */
  raw: string;
}

export interface PipelineCounters {
  linesRead: number;
  eventsApplied: number;
  /** Events the gateway refused because of a decision: logged, but no evidence (no feedback loop). */
  refusedByDecision: number;
  rejected: number;
  rejectedByReason: Partial<Record<ErrorCode, number>>;
}

export function emptyCounters(): PipelineCounters {
  return { linesRead: 0, eventsApplied: 0, refusedByDecision: 0, rejected: 0, rejectedByReason: {} };
}

export interface PipelineCallbacks {
  onAlert(alert: Alert): void;
  onReject(record: RejectRecord): void;
  /**
   * Whether the agent is under an enforced decision at the event's time. A request the gateway
   * refused then (403/429) is the decision at work, not new behaviour: feeding it to the detectors
   * would turn each refusal into probing/failure evidence that keeps the agent's risk up.
   */
  underDecision?(agentId: string, at: number): boolean;
}

/** Statuses a gateway answers when it enforces a block (403) or a throttle (429). */
function refusedStatus(status: number): boolean {
  return status === 403 || status === 429;
}

export class EventPipeline {
  /** Reused across lines: the decoder pushes into it, the pipeline drains it. */
  private readonly batch: NormalizedEvent[] = [];

  constructor(
    private readonly decode: LineDecoder,
    private readonly engine: Pick<Engine, "process">,
    private readonly callbacks: PipelineCallbacks,
    readonly counters: PipelineCounters = emptyCounters(),
  ) {}

  /** Decodes one line and applies its events; never throws for bad input. */
  handleLine(line: string, lineNumber: number, source: string): void {
    this.counters.linesRead++;
    const batch = this.batch;
    batch.length = 0;
    const rejection = this.decode(line, batch, lineNumber);
    if (rejection) {
      this.record(source, lineNumber, rejection.code, rejection.message, line);
      return;
    }
    const underDecision = this.callbacks.underDecision;
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i] as NormalizedEvent;
      if (underDecision && refusedStatus(event.status) && underDecision(event.agentId, event.timestamp)) {
        this.counters.refusedByDecision++;
        continue;
      }
      const alert = this.engine.process(event);
      this.counters.eventsApplied++;
      if (alert) this.callbacks.onAlert(alert);
    }
  }

  /** Records a line the byte-level reader already refused (too long, not UTF-8). */
  rejectLine(lineNumber: number, code: ErrorCode, rawPrefix: string, source: string): void {
    this.counters.linesRead++;
    this.record(source, lineNumber, code, ERROR_CODES[code].message, rawPrefix);
  }

  /**
   * The input ended: a CRI line it left without its final fragment is rejected (numbered and
   * shown as its first fragment) rather than silently dropped.
   */
  end(source: string): void {
    for (const line of this.decode.end())
      this.record(source, line.lineNumber, line.rejection.code, line.rejection.message, line.raw);
  }

  private record(source: string, line: number, code: ErrorCode, message: string, raw: string): void {
    this.counters.rejected++;
    this.counters.rejectedByReason[code] = (this.counters.rejectedByReason[code] ?? 0) + 1;
    // Redacted before cut, so no credential survives half-cut at the end of the prefix.
    const kept = redactCredentials(
      raw.length > 4 * REJECT_PREFIX_BYTES ? raw.slice(0, 4 * REJECT_PREFIX_BYTES) : raw,
    );
    this.callbacks.onReject({ source, line, code, message, raw: kept.slice(0, REJECT_PREFIX_BYTES) });
  }
}
