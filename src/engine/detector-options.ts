/**
 * The options every detector has, and the helper each detector file uses to declare its own on
 * top of them, so all detector schemas are strict and carry `enabled` and `weight` the same way.
 */
import { z } from "zod";

const commonDetectorOptions = {
  /** Set to false to switch this detector off. */
  enabled: z.boolean().default(true),
  /** Multiplier on this detector's scores before they enter the risk score, in [0, 1]. */
  weight: z.number().min(0).max(1).default(1),
};

/** A detector's options schema: its own fields plus `enabled` and `weight`, strict, with defaults. */
export function detectorOptions<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object({ ...commonDetectorOptions, ...shape }).strict();
}
