/**
 * rate-spike: the agent's short-horizon request rate is far above both its long-horizon pace and
 * its own remembered peak. Comparing with the peak (decaying over about a week) is what keeps a
 * burst the agent always has, such as a nightly batch, from being flagged.
 */
import { z } from "zod";
import { clamp, num, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { S_RATE_LONG, S_RATE_PEAK, S_RATE_SHORT } from "../src/profile/layout.js";

const options = detectorOptions({
  /** Rates below this many requests per minute are never a spike. */
  minPerMinute: z.number().positive().default(20),
  /** The short-horizon rate must exceed the long-horizon rate by this factor... */
  longMultiplier: z.number().min(1).default(5),
  /** ...and the agent's own peak by this factor. */
  peakMultiplier: z.number().min(1).default(1.5),
  /**
   * Highest score: speed alone is what rate limits are for; it raises an agent's risk when
   * another detector corroborates, and does not block on its own.
   */
  maxScore: z.number().min(0).max(1).default(0.3),
});

export const rateSpike: DetectorDescriptor<typeof options> = {
  name: "rate-spike",
  description: "Short-horizon request rate far above the agent's long-horizon rate and its own usual peak",
  kind: "baseline",
  options,
  create(o) {
    return {
      name: "rate-spike",
      inspect(_event, profile, out) {
        const p = profile.params;
        const s = profile.s;
        const time = profile.cursor.time;
        const rate = profile.perMinute(
          (s[S_RATE_SHORT] as number) * profile.cursor.decayShort + profile.cursor.lateShort,
          p.shortTauMs,
          time,
        );
        if (rate < o.minPerMinute) return;
        const usual = profile.perMinute(
          (s[S_RATE_LONG] as number) * profile.cursor.decayLong,
          p.longTauMs,
          time,
        );
        const peak = (s[S_RATE_PEAK] as number) * profile.cursor.decayPeak;
        const bar = Math.max(usual * o.longMultiplier, peak * o.peakMultiplier);
        if (rate <= bar) return;
        out.push({
          detector: "rate-spike",
          score: clamp(0.15 + 0.05 * Math.log2(rate / bar), 0.15, o.maxScore),
          detail:
            `${num(rate)} requests/min over the last ~${span(p.shortTauMs)} vs this agent's usual ${num(usual)}/min ` +
            `(over ~${span(p.longTauMs)}) and its own peak ${num(peak)}/min`,
        });
      },
    };
  },
};
