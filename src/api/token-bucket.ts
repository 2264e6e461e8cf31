/**
 * Token buckets keyed by string, bounded in count: the per-key API rate limit, the failed-auth
 * limit per client address and the throttle decisions enforced by `/v1/decisions/check` all use
 * this one implementation. Wall time is fine here: this is the I/O edge, not the core.
 */

export interface Take {
  ok: boolean;
  /** Whole seconds until a token is available (at least 1 when refused), for Retry-After. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  /** @param maxKeys buckets kept; the least recently used is dropped first (it refills anyway). */
  constructor(private readonly maxKeys = 10_000) {}

  take(key: string, perSecond: number, burst: number, nowMs: number): Take {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      this.#buckets.delete(key);
      bucket.tokens = Math.min(
        burst,
        bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * perSecond,
      );
      bucket.updatedMs = nowMs;
    } else {
      bucket = { tokens: burst, updatedMs: nowMs };
      if (this.#buckets.size >= this.maxKeys) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    // Re-inserting keeps Map order = least recently used first.
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  get size(): number {
    return this.#buckets.size;
  }
}
