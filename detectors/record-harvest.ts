/**
 * record-harvest (aggregation): the agent pulls the full record of many objects in a short
 * time: for each id, the object and its sub-collections, read through several endpoints. A task an
 * agent does for someone needs the full record of a few objects; many full records within minutes
 * is a dossier being assembled, whatever the endpoints are called. Counted per record (resource
 * path up to the id, plus the id), not per endpoint, so it needs no history of the endpoints
 * involved: it catches an agent whose whole profile is the harvest. Baseline-free, with the
 * agent's own remembered peak (a batch job that always does this) raising the bar.
 */
import { z } from "zod";
import { clamp, num, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { REC_DEPTH, S_REC_FULL, S_REC_PEAK } from "../src/profile/layout.js";

const options = detectorOptions({
  /**
   * Records read in full (REC_DEPTH distinct read endpoints on one id) within the probe window
   * (decayed count) below which nothing is said, however new the agent.
   */
  minRecords: z.number().positive().default(6),
  /** The count must also exceed the agent's own peak (decaying over about a week) by this factor. */
  peakMultiplier: z.number().min(1).default(2),
  /** Score at the bar; it grows by `slope` per doubling above it. */
  baseScore: z.number().min(0).max(1).default(0.3),
  /** Score added per doubling of the count above the bar. */
  slope: z.number().min(0).max(1).default(0.3),
  /** Highest score a finding can have, however large the harvest. */
  maxScore: z.number().min(0).max(1).default(0.85),
});

export const recordHarvest: DetectorDescriptor<typeof options> = {
  name: "record-harvest",
  description:
    "Full records (an object and its sub-collections) of many distinct objects read within minutes (aggregation)",
  kind: "baseline-free",
  options,
  create(o) {
    return {
      name: "record-harvest",
      inspect(event, profile, out) {
        // Judged when a record is completed: that is when the count moves.
        if (!profile.cursor.recFull) return;
        const s = profile.s;
        const count = (s[S_REC_FULL] as number) * profile.cursor.decayProbe + profile.cursor.lateProbe;
        const peak = (s[S_REC_PEAK] as number) * profile.cursor.decayPeak;
        const bar = Math.max(o.minRecords, peak * o.peakMultiplier);
        if (count <= bar) return;
        out.push({
          detector: "record-harvest",
          score: clamp(o.baseScore + o.slope * Math.log2(count / bar), o.baseScore, o.maxScore),
          detail:
            `${event.method} ${event.template}: ~${num(count)} distinct records read in full ` +
            `(each through ${REC_DEPTH}+ endpoints) in the last ~${span(profile.params.probeWindowMs)} ` +
            `vs this agent's own peak ${num(peak)} (bar ${num(bar)})`,
        });
      },
    };
  },
};
