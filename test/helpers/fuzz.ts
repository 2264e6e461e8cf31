/**
 * Shared settings for the property-based (fast-check) fuzz tests. `npm test` runs a few hundred
 * cases per property so the whole fuzz set stays within seconds; `npm run fuzz` sets FUZZ_RUNS
 * high. A failure prints fast-check's seed and shrunk counterexample; FUZZ_SEED replays it.
 */
import type fc from "fast-check";

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

export const FUZZ_RUNS = positiveInteger("FUZZ_RUNS", 300);

/** fast-check parameters for one property: the run count, and the seed when replaying one. */
export function fuzzParameters(): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  return seed === undefined || seed === ""
    ? { numRuns: FUZZ_RUNS }
    : { numRuns: FUZZ_RUNS, seed: Number(seed) };
}

/** Enough time for FUZZ_RUNS cases of a property under load (the default suite's 30 s is for 300). */
export const FUZZ_TIMEOUT_MS = Math.max(30_000, FUZZ_RUNS * 20);
