/**
 * Options of risk scoring: how fast evidence fades, how repeated findings add up, where the tiers
 * start and when an alert may repeat. What each tier does is the action layer's `actions.tiers`.
 */
import { z } from "zod";
import { duration } from "../config/duration.js";

const threshold = () => z.number().gt(0).lt(1);

export const riskOptionsSchema = z
  .object({
    /** Half-life of accumulated evidence in event time: an agent that stops misbehaving calms down. */
    halfLifeMinutes: duration("m", { positive: true }).default(30),
    /**
     * How far a detector's repeated findings can lift its own evidence, in [0, 1]: repeated findings
     * of score x approach x + (1 - x) * x * repeatGain (each repetition halves the distance), so
     * strong signals escalate with repetition and weak ones stay weak. At 0 a detector counts only
     * its loudest recent finding. Independent detectors combine by noisy-OR: corroboration
     * outweighs repetition.
     */
    repeatGain: z.number().min(0).max(1).default(0.3),
    /**
     * Multiplier on baseline detectors' scores for agents identified only by client address: behind
     * one NAT or proxy many people share an address, so "unusual for this agent" means less.
     */
    ipScopedBaselineWeight: z.number().min(0).max(1).default(0.5),
    /** Risk at which each tier starts; must increase from low to critical. Below `low` nothing is raised. */
    tiers: z
      .object({
        /** Start of `low` (by default: log the alert). */
        low: threshold().default(0.3),
        /** Start of `medium` (by default: throttle the agent). */
        medium: threshold().default(0.5),
        /** Start of `high` (by default: block the agent and notify). */
        high: threshold().default(0.7),
        /** Start of `critical` (by default: block, revoke its tokens, page). */
        critical: threshold().default(0.9),
      })
      .strict()
      .refine((t) => t.low < t.medium && t.medium < t.high && t.high < t.critical, {
        message: "tier thresholds must increase: low < medium < high < critical",
      })
      .prefault({}),
    /**
     * The learning period: during an agent's first `hours` (from its first event), detectors that
     * judge it against its own baseline may raise at most `maxTier`: a first nightly job, a first
     * export or the first day of an admin's work is how the agent's habits are learned, not news.
     * Baseline-free detectors (enumeration, probing, injection, destructive bursts...) act at once.
     * `hours: 0` turns it off.
     */
    learning: z
      .object({
        hours: z.number().min(0).default(6),
        maxTier: z.enum(["none", "low", "medium", "high"]).default("low"),
      })
      .strict()
      .prefault({}),
    /** While an agent stays in a tier, the alert repeats at most this often (event time). */
    cooldownMinutes: duration("m").default(10),
    /**
     * A tier counts as left (so rising into it again alerts at once) only when risk falls below
     * this fraction of the tier's threshold: no alert storm from a score hovering at a boundary.
     */
    hysteresis: z.number().min(0.5).max(1).default(0.8),
  })
  .strict();

export type RiskOptions = z.output<typeof riskOptionsSchema>;
