/**
 * Deterministic pseudo-random numbers for the simulator.
 *
 * xoshiro128** (Blackman & Vigna) seeded through splitmix32: 128 bits of state, fast in plain
 * 32-bit integer arithmetic, and good enough statistically for traffic synthesis. Every agent and
 * every traffic source derives its own stream from (seed, label), so adding an agent or changing
 * one source's parameters does not shift the random numbers of the others.
 */

/** FNV-1a over a string, mixed with a seed: turns a stream label into a 32-bit seed. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** MurmurHash3's finalizer: a bijection on 32-bit integers with good avalanche. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 expands one 32-bit seed into four non-zero state words.
    let z = seed >>> 0;
    const next = () => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** An independent stream for `label` under `seed`. */
  static derive(seed: number, label: string): Rng {
    return new Rng(hash32(label, seed));
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform over a `[lo, hi]` range given as a pair (settings store ranges this way). */
  between(range: readonly [number, number]): number {
    return this.uniform(range[0], range[1]);
  }

  /** Integer uniform in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** Integer over an inclusive `[lo, hi]` pair. */
  intBetween(range: readonly [number, number]): number {
    return this.int(Math.round(range[0]), Math.round(range[1]));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Index drawn with probability proportional to `weights[i]`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Exponential with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Standard normal (Box–Muller; one of the pair is discarded to keep the stream stateless). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space sigma: sizes and latencies are skewed like this. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Index in [0, n) favouring small indices (Zipf-like, exponent ~1): a few objects are hot. */
  zipf(n: number): number {
    // Inverse CDF of a continuous 1/x law over [1, n+1).
    return Math.min(n - 1, Math.floor((n + 1) ** this.float()) - 1);
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** `n` lowercase hex characters. */
  hex(n: number): string {
    let out = "";
    while (out.length < n) out += this.u32().toString(16).padStart(8, "0");
    return out.slice(0, n);
  }

  /** `n` base-62 characters (opaque ids and token ids look like this). */
  base62(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += BASE62[this.u32() % 62];
    return out;
  }
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
