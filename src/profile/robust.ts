/**
 * Streaming robust location/scale of a size on log scale, three numbers per series (count,
 * location, mean absolute deviation) updated in O(1). Samples far from the current location are
 * winsorized before they move it, so a burst of outliers (the attack we want to see) shifts the
 * baseline only slowly; the learning rate settles at 1/50 so the baseline still follows drift.
 */

/** Floor of the scale: sizes within ~10% of each other are never "far apart". */
export const MIN_LOG_SCALE = 0.1;
/** Mean absolute deviation of a normal distribution is sigma * sqrt(2/pi); this turns it back into sigma. */
const MAD_TO_SIGMA = 1.2533;
const WINSOR_Z = 4;
const MIN_RATE = 0.02;

/** Updates the series at `a[i]` (n), `a[i+1]` (location), `a[i+2]` (deviation) with `bytes`. */
export function robustUpdate(a: Float32Array, i: number, bytes: number): void {
  const x = Math.log1p(bytes);
  const n = a[i] as number;
  if (n === 0) {
    a[i + 1] = x;
    a[i + 2] = 0;
    a[i] = 1;
    return;
  }
  const loc = a[i + 1] as number;
  const dev = a[i + 2] as number;
  const rate = Math.max(1 / (n + 1), MIN_RATE);
  let y = x;
  if (n >= 5) {
    const bound = WINSOR_Z * MAD_TO_SIGMA * Math.max(dev, MIN_LOG_SCALE);
    if (y > loc + bound) y = loc + bound;
    else if (y < loc - bound) y = loc - bound;
  }
  a[i + 1] = loc + rate * (y - loc);
  a[i + 2] = dev + rate * (Math.abs(y - loc) - dev);
  a[i] = n + 1;
}

/** Robust z-score of `bytes` against the series at `a[i]`. */
export function robustZ(a: Float32Array, i: number, bytes: number): number {
  const scale = MAD_TO_SIGMA * Math.max(a[i + 2] as number, MIN_LOG_SCALE);
  return (Math.log1p(bytes) - (a[i + 1] as number)) / scale;
}

/** The series' typical size in bytes (back from log scale). */
export function typicalBytes(a: Float32Array, i: number): number {
  return Math.expm1(a[i + 1] as number);
}
