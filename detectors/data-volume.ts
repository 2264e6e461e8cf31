/**
 * data-volume: response bytes summed over a sliding window far beyond what this agent usually
 * moves in such a window and beyond its own remembered peak: exfiltration, whether through a few
 * huge responses or many ordinary ones.
 */
import { z } from "zod";
import { bytes, clamp, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { S_RATE_LONG, S_VOL_LONG, S_VOL_N, S_VOL_PEAK, S_VOL_WINDOW } from "../src/profile/layout.js";

const options = detectorOptions({
  /** Window volumes below this many bytes are never flagged. */
  minBytes: z.number().int().nonnegative().default(1_000_000),
  /** The window's volume must exceed the agent's usual volume per window by this factor... */
  longMultiplier: z.number().min(1).default(10),
  /** ...and its own peak window volume by this factor... */
  peakMultiplier: z.number().min(1).default(2),
  /**
   * ...and the window's bytes per request must exceed the agent's usual bytes per request by this
   * factor: many ordinary responses at a high rate are a rate spike, not a change in what is read.
   */
  perRequestMultiplier: z.number().min(1).default(3),
});

export const dataVolume: DetectorDescriptor<typeof options> = {
  name: "data-volume",
  description:
    "Response bytes over a sliding window far beyond the agent's usual and peak volume (exfiltration)",
  kind: "baseline",
  options,
  create(o) {
    return {
      name: "data-volume",
      inspect(event, profile, out) {
        if (event.responseBytes === 0) return;
        const p = profile.params;
        const s = profile.s;
        const time = profile.cursor.time;
        const late = profile.cursor.lateVolume;
        const volume = (s[S_VOL_WINDOW] as number) * profile.cursor.decayVolume + event.responseBytes * late;
        if (volume < o.minBytes) return;
        // The agent's usual, from what it moved before the current window (the window is on trial).
        const longBytes = s[S_VOL_LONG] as number;
        const olderBytes = Math.max(0, longBytes - (s[S_VOL_WINDOW] as number));
        const usual = longBytes > 0 ? (profile.usualWindowVolume(time) * olderBytes) / longBytes : 0;
        const peak = (s[S_VOL_PEAK] as number) * profile.cursor.decayPeak;
        const bar = Math.max(usual * o.longMultiplier, peak * o.peakMultiplier, o.minBytes);
        if (volume <= bar) return;
        const perRequest = volume / ((s[S_VOL_N] as number) * profile.cursor.decayVolume + late);
        const usualPerRequest = olderBytes / Math.max((s[S_RATE_LONG] as number) - (s[S_VOL_N] as number), 1);
        if (perRequest <= usualPerRequest * o.perRequestMultiplier) return;
        out.push({
          detector: "data-volume",
          score: clamp(
            0.3 + 0.15 * Math.log2(volume / bar) + 0.1 * Math.log2(perRequest / usualPerRequest),
            0.3,
            0.9,
          ),
          detail:
            `${bytes(volume)} of responses in the last ~${span(p.volumeTauMs)} (${bytes(perRequest)} per request) ` +
            `vs this agent's usual ${bytes(usual)} per ${span(p.volumeTauMs)} (${bytes(usualPerRequest)} per request) ` +
            `and its own peak ${bytes(peak)}`,
        });
      },
    };
  },
};
