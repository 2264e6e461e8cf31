/**
 * rare-transition: the agent's recent chain of endpoints is improbable under its own transition
 * model (counts of endpoint -> endpoint hops within sessions, smoothed by endpoint popularity).
 * One odd hop is normal; several in the last few hops mean the agent is following someone
 * else's plan. "Rare" is relative to how predictable this agent usually is.
 */
import { z } from "zod";
import { clamp, num } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { METHOD_NAMES } from "../src/profile/keys.js";
import {
  S_PREV_SLOT,
  S_TR_FILL,
  S_TR_MEAN,
  S_TR_N,
  S_TR_RING,
  S_TR_SQ,
  TR_RING_SIZE,
} from "../src/profile/layout.js";

const options = detectorOptions({
  /** A hop is rare when its probability is below this... */
  rareProbability: z.number().gt(0).lt(1).default(0.02),
  /** ...and its surprise exceeds the agent's usual surprise by this many standard deviations. */
  deviations: z.number().min(0).default(2),
  /** Rare hops needed among the current hop and the 4 before it (in the same session). */
  minRareHops: z
    .number()
    .int()
    .min(1)
    .max(TR_RING_SIZE + 1)
    .default(3),
  /** Hops the agent must have made before its transition model is trusted. */
  minHops: z.number().int().min(1).default(30),
  /** Highest score this detector gives: it corroborates others more than it convicts alone. */
  maxScore: z.number().min(0).max(1).default(0.4),
});

export const rareTransition: DetectorDescriptor<typeof options> = {
  name: "rare-transition",
  description: "The agent's recent chain of endpoints is improbable under its own transition model",
  kind: "baseline",
  options,
  create(o) {
    const floor = -Math.log(o.rareProbability);
    return {
      name: "rare-transition",
      inspect(event, profile, out) {
        const hop = profile.cursor.hop;
        const s = profile.s;
        if (!(hop > floor) || (s[S_TR_N] as number) < o.minHops) return;
        const mean = s[S_TR_MEAN] as number;
        const sd = Math.sqrt(Math.max(0, (s[S_TR_SQ] as number) - mean * mean));
        const threshold = Math.max(floor, mean + o.deviations * sd);
        if (hop <= threshold) return;
        const fill = s[S_TR_FILL] as number;
        let rare = 1;
        let excess = hop - threshold;
        for (let i = 0; i < fill; i++) {
          const h = s[S_TR_RING + i] as number;
          if (h > threshold) {
            rare++;
            excess += h - threshold;
          }
        }
        if (rare < o.minRareHops) return;
        const score = clamp(0.15 + 0.1 * (rare - o.minRareHops) + 0.05 * (excess / rare), 0, o.maxScore);
        const prev = s[S_PREV_SLOT] as number;
        const from = `${METHOD_NAMES[profile.methodOf(prev)]} ${profile.templateOf(prev)}`;
        out.push({
          detector: "rare-transition",
          score,
          detail:
            `${from} -> ${event.method} ${event.template}: ${rare} of the last ${fill + 1} hops were improbable ` +
            `for this agent (this hop p=${num(Math.exp(-hop))}; agent's usual hop p≈${num(Math.exp(-mean))})`,
        });
      },
    };
  },
};
