/**
 * Streaming robust location/scale of a size on log scale, three numbers per series (count,
 * location, mean absolute deviation) updated in O(1). Samples far from the current location are
 * winsorized before they move it, so a burst of outliers (the attack we want to see) shifts the
 * baseline only slowly; the learning rate settles at 1/50 so the baseline still follows drift.
 */
import { SZ_DEV, SZ_LOC, SZ_N } from "./layout.js";

/** Floor of the scale: sizes within ~10% of each other are never "far apart". */
export const MIN_LOG_SCALE = 0.1;
/** Mean absolute deviation of a normal distribution is sigma * sqrt(2/pi); this turns it back into sigma. */
export const MAD_TO_SIGMA = 1.2533;
const WINSOR_Z = 4;
const MIN_RATE = 0.02;

/** Updates the size series starting at `a[i]` (layout `SZ_*`) with `bytes`. */
export function robustUpdate(a: Float32Array, i: number, bytes: number): void {
  const x = Math.log1p(bytes);
  const n = a[i + SZ_N] as number;
  if (n === 0) {
    a[i + SZ_LOC] = x;
    a[i + SZ_DEV] = 0;
    a[i + SZ_N] = 1;
    return;
  }
  const loc = a[i + SZ_LOC] as number;
  const dev = a[i + SZ_DEV] as number;
  const rate = Math.max(1 / (n + 1), MIN_RATE);
  let y = x;
  if (n >= 5) {
    const bound = WINSOR_Z * MAD_TO_SIGMA * Math.max(dev, MIN_LOG_SCALE);
    if (y > loc + bound) y = loc + bound;
    else if (y < loc - bound) y = loc - bound;
  }
  a[i + SZ_LOC] = loc + rate * (y - loc);
  a[i + SZ_DEV] = dev + rate * (Math.abs(y - loc) - dev);
  a[i + SZ_N] = n + 1;
}

/** Robust z-score of `bytes` against the series at `a[i]`. */
export function robustZ(a: Float32Array, i: number, bytes: number): number {
  const scale = MAD_TO_SIGMA * Math.max(a[i + SZ_DEV] as number, MIN_LOG_SCALE);
  return (Math.log1p(bytes) - (a[i + SZ_LOC] as number)) / scale;
}

/** The series' typical size in bytes (back from log scale). */
export function typicalBytes(a: Float32Array, i: number): number {
  return Math.expm1(a[i + SZ_LOC] as number);
}
