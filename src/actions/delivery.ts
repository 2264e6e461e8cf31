/**
 * Delivery, written once and wrapped around every sink: ledger claim (dedup across retries,
 * restarts and replicas), per-sink concurrency limit, spacing, batching windows, timeouts,
 * exponential backoff with full jitter that honours `Retry-After`, a circuit breaker, and a dead
 * letter after a rejection or the last attempt. Each sink has its own runner, so a slow or dead
 * sink only ever delays its own jobs. Waiting (backoff, open breaker, another replica's claim)
 * never holds a concurrency slot and does not count as an attempt.
 *
 * All waits here are wall-clock: they are about the network, not about events.
 */

import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import { z } from "zod";
import type { DeliveryResult, Sink, SinkEvent } from "../../alerts/sink.js";
import { AgentwatchError } from "../errors.js";
import { type CallKind, CircuitBreaker } from "./breaker.js";
import type { DeadLetterLog } from "./dead-letter.js";
import { durationSchema } from "./duration.js";
import { DeliveryError, send } from "./http.js";
import type { DeliveryLedger } from "./ledger.js";

export const deliveryOptionsSchema = z
  .object({
    /** Directory for the on-disk queue, delivery journal and dead letters (embedded mode). */
    dataDir: z.string().min(1).default("./data/actions"),
    /** Timeout of one HTTP request. */
    timeout: durationSchema.prefault("10s"),
    /**
     * Attempts per delivery before it is dead-lettered. Waits behind an open breaker and failed
     * half-open probes do not count: a sink that is down as a whole dead-letters nothing.
     */
    // 20: a sink failing half its requests at random loses one message in a million, not one in
    // 256 as with 8; at the 60 s backoff cap that is about a quarter of an hour of retrying.
    maxAttempts: z.number().int().min(1).max(100).default(20),
    /** First retry delay; doubles per attempt, with full jitter. */
    backoffBase: durationSchema.prefault("500ms"),
    /** Longest delay between two attempts. */
    backoffMax: durationSchema.prefault("60s"),
    /** A `Retry-After` longer than this is capped to it. */
    maxRetryAfter: durationSchema.prefault("5m"),
    /** Parallel requests per sink. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /**
     * Per-sink circuit breaker on the failure rate of the last calls (resilience4j's COUNT_BASED
     * window): a sink that keeps failing is rested instead of hammered; one that fails some of its
     * requests is not, its retries get through.
     */
    breaker: z
      .object({
        /** Share of failures (timeouts, connection errors, 5xx) over the window that opens the circuit. */
        failureRate: z.number().gt(0).max(1).default(0.8),
        /** Calls the failure rate is measured over. */
        window: z.number().int().min(1).max(1_000).default(20),
        /** Calls needed in the window before the rate is judged. */
        minimumCalls: z.number().int().min(1).default(5),
        /** How long an open circuit rests before it lets `halfOpenCalls` requests through. */
        openFor: durationSchema.prefault("30s"),
        /** Requests let through half-open; their failure rate closes or reopens the circuit. */
        halfOpenCalls: z.number().int().min(1).max(100).default(3),
      })
      .strict()
      .refine((b) => b.minimumCalls <= b.window, { message: "minimumCalls must not exceed window" })
      .prefault({}),
    /** Queue records being worked on at once; past it, reading the queue pauses. */
    maxInFlight: z.number().int().min(1).default(10_000),
    /** On stop, in-flight requests get this long to finish; the rest stays queued. */
    drainTimeout: durationSchema.prefault("10s"),
    /** How long "delivered" marks are kept for dedup across replicas and restarts. */
    dedupTtl: durationSchema.prefault("24h"),
    /** A claim on a delivery lapses after this long without renewal (a crashed replica's work is taken over). */
    claimLease: durationSchema.prefault("2m"),
  })
  .strict();

export type DeliveryOptions = z.output<typeof deliveryOptionsSchema>;

export type JobOutcome = "delivered" | "skipped" | "duplicate" | "dead-lettered" | "deferred";

export interface Job {
  /** Ledger key (record id + sink). */
  key: string;
  recordId: string;
  agentId: string;
  event: SinkEvent;
  /** Called once with the final outcome; `deferred` means "not done, leave it queued". */
  done(outcome: JobOutcome): void;
}

/**
 * The time delivery waits on: wall time, or a test's simulated clock (an outage of minutes run
 * in milliseconds). `sleep` rejects with `signal`'s reason-free abort when the runner stops.
 */
export interface DeliveryClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const wallClock: DeliveryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new Stopped());
        return;
      }
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

export interface RunnerDeps {
  /** Wall time unless a test injects a simulated clock. */
  clock?: DeliveryClock;
  ledger: DeliveryLedger;
  deadLetters: DeadLetterLog;
  logger: Logger;
  count(sink: string, outcome: string): void;
  /** Sees every job's final outcome (the recent-deliveries view). */
  finished?(sink: string, job: Job, outcome: JobOutcome): void;
}

/** Raised by a wait that `stop` interrupted. */
export class Stopped extends Error {}

const tracer = trace.getTracer("agentwatch.actions");

/** Full-jitter exponential backoff (AWS architecture blog's "full jitter"). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export class SinkRunner {
  readonly breaker: CircuitBreaker;
  readonly #sink: Sink;
  readonly #options: DeliveryOptions;
  readonly #deps: RunnerDeps;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #clock: DeliveryClock;
  readonly #abort = new AbortController();
  /** Aborts requests still running when the drain time is up. */
  readonly #hardStop = new AbortController();
  readonly #inflight = new Set<Promise<void>>();
  readonly #groups = new Map<string, { jobs: Job[]; timer: NodeJS.Timeout }>();
  readonly #chains = new Map<string, Promise<void>>();
  #active = 0;
  #slotWaiters: Array<() => void> = [];
  #pausedUntil = 0;
  #nextSendAt = 0;

  constructor(sink: Sink, options: DeliveryOptions, deps: RunnerDeps) {
    this.#sink = sink;
    this.#options = options;
    this.#deps = deps;
    this.#concurrency = sink.concurrency ?? options.concurrency;
    this.#timeoutMs = sink.timeoutMs ?? options.timeout;
    this.#clock = deps.clock ?? wallClock;
    const { openFor, ...breaker } = options.breaker;
    this.breaker = new CircuitBreaker({ ...breaker, openMs: openFor });
  }

  get name(): string {
    return this.#sink.name;
  }

  enqueue(job: Job): void {
    if (this.#abort.signal.aborted) {
      job.done("deferred");
      return;
    }
    const batch = this.#sink.batch;
    if (!batch) {
      this.#dispatch([job]);
      return;
    }
    const key = batch.key(job.event);
    const group = this.#groups.get(key);
    if (group) {
      group.jobs.push(job);
      if (group.jobs.length >= batch.max) this.#flushGroup(key);
      return;
    }
    const timer = setTimeout(() => this.#flushGroup(key), batch.windowMs);
    this.#groups.set(key, { jobs: [job], timer });
  }

  #flushGroup(key: string): void {
    const group = this.#groups.get(key);
    if (!group) return;
    clearTimeout(group.timer);
    this.#groups.delete(key);
    this.#dispatch(group.jobs);
  }

  #dispatch(jobs: Job[]): void {
    // Ordered sinks: a job waits for the previous one with the same key (retries included).
    const key = this.#sink.orderKey?.((jobs[0] as Job).event);
    const previous = key === undefined ? undefined : this.#chains.get(key);
    const run = (previous ?? Promise.resolve())
      .then(() => this.#run(jobs))
      .catch((error) => {
        this.#deps.logger.error({ sink: this.name, err: error }, "delivery runner failed");
        for (const job of jobs) job.done("deferred");
      });
    if (key !== undefined) {
      this.#chains.set(key, run);
      void run.finally(() => {
        if (this.#chains.get(key) === run) this.#chains.delete(key);
      });
    }
    this.#inflight.add(run);
    void run.finally(() => this.#inflight.delete(run));
  }

  async #run(jobs: Job[]): Promise<void> {
    const { ledger } = this.#deps;
    const claimed: Job[] = [];
    // The same record twice in one batch (re-submitted within the window): claiming it again would
    // wait on our own claim until its lease lapses, so the copy rides along with the first.
    const twins: Job[] = [];
    for (const job of jobs) {
      if (claimed.some((c) => c.key === job.key)) {
        twins.push(job);
        continue;
      }
      const claim = await this.#claimWaitingForBusy(job);
      if (claim === "done") this.#finish(job, "duplicate");
      else if (claim === "claimed") claimed.push(job);
      else job.done("deferred");
    }
    if (claimed.length === 0) return;
    try {
      const result = await this.#attempts(claimed);
      await Promise.all(claimed.map((job) => ledger.complete(job.key)));
      for (const job of claimed) this.#finish(job, result);
      for (const job of twins) this.#finish(job, "duplicate");
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
      await Promise.all(claimed.map((job) => ledger.release(job.key)));
      for (const job of [...claimed, ...twins]) job.done("deferred");
    }
  }

  /** `busy` means another replica holds the delivery: wait for it to finish or for its claim to lapse. */
  async #claimWaitingForBusy(job: Job): Promise<"claimed" | "done" | "stopped"> {
    for (;;) {
      if (this.#abort.signal.aborted) return "stopped";
      const claim = await this.#deps.ledger.claim(job.key);
      if (claim !== "busy") return claim;
      await this.#sleep(Math.max(20, Math.min(1_000, this.#options.claimLease / 4))).catch(() => undefined);
    }
  }

  #finish(job: Job, outcome: JobOutcome): void {
    this.#deps.count(this.name, outcome);
    this.#deps.finished?.(this.name, job, outcome);
    job.done(outcome);
  }

  /** Tries until delivered or given up; returns the final outcome, throws `Stopped` on shutdown. */
  async #attempts(jobs: Job[]): Promise<JobOutcome> {
    const events = jobs.map((j) => j.event);
    const id = `msg_${(jobs[0] as Job).key}${jobs.length > 1 ? `_${jobs.length}` : ""}`;
    // Failed attempts that count against maxAttempts (failed half-open probes do not).
    let counted = 0;
    for (let attempt = 1; ; attempt++) {
      await this.#gate();
      await this.#acquire();
      if (this.#abort.signal.aborted) {
        // Stopping: a request not yet sent stays queued rather than racing the drain deadline.
        this.#release();
        throw new Stopped();
      }
      let result: DeliveryResult | undefined;
      let failure: unknown;
      let call: CallKind = "call";
      try {
        await Promise.all(jobs.map((j) => this.#deps.ledger.renew(j.key)));
        call = this.breaker.begin();
        result = await this.#traced(attempt, jobs.length, () =>
          this.#sink.deliver(events, {
            id,
            now: Date.now(),
            send: (request) => send(request, this.#timeoutMs, this.#hardStop.signal),
            logger: this.#deps.logger,
          }),
        );
      } catch (error) {
        failure = error;
      } finally {
        this.#release();
      }
      const now = this.#clock.now();
      if (result) {
        this.breaker.success(call, now);
        return result.outcome;
      }
      const error = asDeliveryError(failure);
      const sinkDown = error.code === "SINK_TIMEOUT" || error.code === "SINK_UNAVAILABLE";
      if (sinkDown) this.breaker.failure(call, now);
      else this.breaker.success(call, now); // it answered: alive
      if (error.code === "SINK_RATE_LIMITED") {
        // Slack and PagerDuty limit per webhook/key: the whole sink waits, not just this job.
        const pause = Math.min(error.retryAfterMs ?? this.#backoff(attempt), this.#options.maxRetryAfter);
        this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
      }
      // A failed probe tells about the sink, not about this message: it does not use an attempt.
      if (!(sinkDown && call === "probe")) counted++;
      if (!error.retriable || counted >= this.#options.maxAttempts) {
        this.#deps.count(this.name, error.code);
        await this.#deadLetter(jobs, error, attempt);
        return "dead-lettered";
      }
      this.#deps.count(this.name, error.code); // failed attempts by error code, for metrics
      this.#deps.count(this.name, "retried");
      this.#deps.logger.warn(
        { sink: this.name, code: error.code, attempt, status: error.status },
        "delivery attempt failed, will retry",
      );
      const wait = Math.min(
        Math.max(error.retryAfterMs ?? 0, this.#backoff(Math.max(1, counted))),
        this.#options.maxRetryAfter,
      );
      await this.#sleep(wait);
    }
  }

  /** One span per attempt (no-op unless an OpenTelemetry SDK is registered); no URL or payload on it. */
  #traced<T>(attempt: number, events: number, fn: () => Promise<T>): Promise<T> {
    return tracer.startActiveSpan(`deliver ${this.#sink.type}`, async (span) => {
      span.setAttributes({
        "agentwatch.sink": this.name,
        "agentwatch.sink.type": this.#sink.type,
        attempt,
        events,
      });
      try {
        return await fn();
      } catch (error) {
        const code = error instanceof AgentwatchError ? error.code : "INTERNAL";
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  #backoff(attempt: number): number {
    return backoffMs(attempt, this.#options.backoffBase, this.#options.backoffMax);
  }

  async #deadLetter(jobs: Job[], error: DeliveryError, attempts: number): Promise<void> {
    this.#deps.logger.error(
      { sink: this.name, code: error.code, attempts, status: error.status },
      "delivery dead-lettered",
    );
    for (const job of jobs) {
      await this.#deps.deadLetters.write({
        at: new Date().toISOString(),
        sink: this.name,
        sinkType: this.#sink.type,
        recordId: job.recordId,
        agentId: job.agentId,
        code: error.code,
        reason: error.message,
        attempts,
        ...(error.status !== undefined ? { status: error.status } : {}),
      });
    }
  }

  /** Waits for the breaker, a sink-wide Retry-After pause and the sink's minimum spacing. */
  async #gate(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const wait = Math.max(this.#pausedUntil - now, this.#nextSendAt - now, this.breaker.waitMs(now));
      if (wait <= 0) {
        this.#nextSendAt = now + (this.#sink.minIntervalMs ?? 0);
        return;
      }
      await this.#sleep(wait);
    }
  }

  async #acquire(): Promise<void> {
    while (this.#active >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
    this.#active++;
  }

  #release(): void {
    this.#active--;
    this.#slotWaiters.shift()?.();
  }

  /** Interruptible by `stop`. */
  #sleep(ms: number): Promise<void> {
    return this.#clock.sleep(ms, this.#abort.signal);
  }

  /** Open groups are sent now; waiting jobs give up their claims; running requests get `drainMs`. */
  async stop(drainMs: number): Promise<void> {
    for (const key of [...this.#groups.keys()]) this.#flushGroup(key);
    this.#abort.abort();
    const timer = setTimeout(() => this.#hardStop.abort(), drainMs);
    await Promise.allSettled([...this.#inflight]);
    clearTimeout(timer);
  }

  /** One attempt, outside the queue and the ledger (for `POST /v1/test`). */
  async probe(event: SinkEvent): Promise<{ ok: boolean; detail: string }> {
    try {
      const result = await this.#sink.deliver([event], {
        id: `msg_test_${Date.now()}`,
        now: Date.now(),
        send: (request) => send(request, this.#timeoutMs),
        logger: this.#deps.logger,
      });
      return { ok: true, detail: result.detail };
    } catch (error) {
      const e = asDeliveryError(error);
      return { ok: false, detail: `${e.code}: ${e.message}` };
    }
  }
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof AgentwatchError) return new DeliveryError(error.code, error.message);
  // A bug while building a payload: retrying will not fix it; dead-letter it with the message only.
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError("SINK_REJECTED", `sink failed before sending: ${message.slice(0, 200)}`);
}
