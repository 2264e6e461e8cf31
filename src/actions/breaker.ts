/**
 * Circuit breaker per sink, measuring a rate the way resilience4j's COUNT_BASED window does: the
 * outcomes of the last `window` calls are kept in a ring; once at least `minimumCalls` are in it
 * and the share of failures (timeouts, connection errors, 5xx) reaches `failureRate`, the circuit
 * opens and the sink is left alone for `openMs`. Then it is half-open: `halfOpenCalls` requests
 * go through (retries waiting behind the breaker, so they are real deliveries, not synthetic
 * probes); when they are all answered their failure rate decides: open again, or closed with an
 * empty window. A sink failing half its requests at random is alive and stays closed: its retries
 * get through. Any real answer (2xx, 4xx, 429) proves the sink is alive and counts as success.
 *
 * Attempts made while half-open are probes: the delivery layer does not count a failed probe
 * against the message's `maxAttempts`, so a long outage dead-letters nothing.
 *
 * Wall time (or the delivery layer's injected clock): this is about the network, not events.
 */
export interface BreakerOptions {
  /** Failure share (0..1] over the window that opens the circuit. */
  failureRate: number;
  /** Calls the rate is measured over. */
  window: number;
  /** Calls needed in the window before the rate is judged. */
  minimumCalls: number;
  openMs: number;
  /** Requests let through while half-open; their failure rate decides what comes next. */
  halfOpenCalls: number;
}

/** What kind of call `begin` let through: an ordinary one, or a half-open probe. */
export type CallKind = "call" | "probe";

export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  #state: BreakerState = "closed";
  readonly #ring: Uint8Array;
  #next = 0;
  #calls = 0;
  #failures = 0;
  #openUntil = 0;
  #probesStarted = 0;
  #probesDone = 0;
  #probeFailures = 0;

  constructor(private readonly options: BreakerOptions) {
    this.#ring = new Uint8Array(options.window);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** The failure share of the window (0 while it holds fewer than `minimumCalls`). */
  get failureRate(): number {
    return this.#calls < this.options.minimumCalls ? 0 : this.#failures / this.#calls;
  }

  /** Milliseconds until a request may go (0 = now). */
  waitMs(now: number): number {
    if (this.#state === "open") {
      if (now < this.#openUntil) return this.#openUntil - now;
      this.#state = "half-open";
      this.#probesStarted = 0;
      this.#probesDone = 0;
      this.#probeFailures = 0;
    }
    // Every probe is out: the rest wait for their answers, briefly, then look again.
    if (this.#state === "half-open" && this.#probesStarted >= this.options.halfOpenCalls)
      return Math.max(1, Math.min(100, this.options.openMs));
    return 0;
  }

  /** A request is going out now; hand the result back to `success`/`failure`. */
  begin(): CallKind {
    if (this.#state !== "half-open") return "call";
    this.#probesStarted++;
    return "probe";
  }

  success(kind: CallKind, now: number): void {
    this.#record(kind, false, now);
  }

  failure(kind: CallKind, now: number): void {
    this.#record(kind, true, now);
  }

  #record(kind: CallKind, failed: boolean, now: number): void {
    if (kind === "probe") {
      if (this.#state !== "half-open") return; // a late answer from an earlier half-open round
      this.#probesDone++;
      if (failed) this.#probeFailures++;
      if (this.#probesDone < this.options.halfOpenCalls) return;
      if (this.#probeFailures / this.#probesDone >= this.options.failureRate) this.#open(now);
      else this.#close();
      return;
    }
    // Answers to calls sent before the circuit opened say nothing about the sink now.
    if (this.#state !== "closed") return;
    if (this.#calls === this.options.window) this.#failures -= this.#ring[this.#next] as number;
    else this.#calls++;
    this.#ring[this.#next] = failed ? 1 : 0;
    if (failed) this.#failures++;
    this.#next = (this.#next + 1) % this.options.window;
    if (this.#calls >= this.options.minimumCalls && this.#failures / this.#calls >= this.options.failureRate)
      this.#open(now);
  }

  #open(now: number): void {
    this.#state = "open";
    this.#openUntil = now + this.options.openMs;
  }

  #close(): void {
    this.#state = "closed";
    this.#ring.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failures = 0;
  }
}
