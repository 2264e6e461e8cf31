/**
 * Baseline 1: the fixed per-agent rate limit most gateways ship with, as a token bucket.
 *
 * Each agent has a bucket of `burst` tokens refilled at `perMinute / 60` tokens per second; a
 * request takes one token or, when none is left, is refused (a 429). Mapping:
 * - throttle: a request is refused;
 * - block: `burst` requests refused within one minute (the agent keeps hammering after being
 *   throttled, the fail2ban-style escalation from throttling to banning).
 * Refused requests take no token. The stream is replayed as recorded, so the baseline does not
 * model clients that slow down after a 429.
 */
import type { Verdict } from "../metrics.js";
import type { EvalEvent, EvalSystem } from "../system.js";

export interface RateLimitOptions {
  /** Sustained requests per minute (the refill rate). */
  perMinute: number;
  /** Bucket capacity: requests allowed back to back. */
  burst: number;
}

/** The baseline: 300 requests per minute, bursts of 50 per second. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perMinute: 300, burst: 50 };

interface Bucket {
  tokens: number;
  last: number;
  /** Times of the last `burst` refusals (ring), allocated on the first refusal. */
  refusals: Float64Array | undefined;
  next: number;
}

export class TokenBucketBaseline implements EvalSystem {
  readonly name = "rate-limit";
  readonly description: string;
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(private readonly options: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    this.perMs = options.perMinute / 60_000;
    this.description = `token bucket ${options.perMinute}/min, burst ${options.burst}: throttle on a refused request, block on ${options.burst} refusals within 60 s`;
  }

  inspect(e: EvalEvent): Verdict | undefined {
    let b = this.buckets.get(e.agentId);
    if (!b) {
      b = { tokens: this.options.burst, last: e.timestamp, refusals: undefined, next: 0 };
      this.buckets.set(e.agentId, b);
    }
    b.tokens = Math.min(this.options.burst, b.tokens + Math.max(0, e.timestamp - b.last) * this.perMs);
    b.last = Math.max(b.last, e.timestamp);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    b.refusals ??= new Float64Array(this.options.burst).fill(Number.NEGATIVE_INFINITY);
    // The slot we overwrite holds the refusal `burst` refusals ago: if that was within a minute, block.
    const oldest = b.refusals[b.next] as number;
    b.refusals[b.next] = e.timestamp;
    b.next = (b.next + 1) % this.options.burst;
    return { level: e.timestamp - oldest <= 60_000 ? "block" : "throttle", cause: "rate-limit" };
  }
}
