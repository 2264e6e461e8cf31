/**
 * Circuit breaker per sink: after `failureThreshold` consecutive failures (timeouts, connection
 * errors, 5xx) the sink is left alone for `openMs`, then one probe is let through; its success
 * closes the circuit, its failure opens it again. Any real answer (2xx, 4xx, 429) proves the sink
 * is alive and counts as success. Wall time: this is about the network, not about events.
 */
export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

export class CircuitBreaker {
  #state: "closed" | "open" | "half-open" = "closed";
  #failures = 0;
  #openUntil = 0;
  #probing = false;

  constructor(private readonly options: BreakerOptions) {}

  get state(): "closed" | "open" | "half-open" {
    return this.#state;
  }

  /** Milliseconds until a request may go (0 = now). */
  waitMs(now: number): number {
    if (this.#state === "open") {
      if (now < this.#openUntil) return this.#openUntil - now;
      this.#state = "half-open";
    }
    if (this.#state === "half-open" && this.#probing) return Math.min(100, this.options.openMs);
    return 0;
  }

  /** A request is going out now. */
  begin(): void {
    if (this.#state === "half-open") this.#probing = true;
  }

  success(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#probing = false;
  }

  failure(now: number): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === "half-open" || this.#failures >= this.options.failureThreshold) {
      this.#state = "open";
      this.#openUntil = now + this.options.openMs;
    }
  }
}
