/**
 * The root configuration schema, composed from each component's own options schema. `.strict()`
 * at every level (the components do the same) so a typo is a startup error, not a silently
 * ignored setting. Defaults give the embedded mode: files/stdin in, log-only actions, in-memory
 * state, status API on 127.0.0.1.
 */
import { z } from "zod";
import { actionsOptionsSchema } from "../actions/index.js";
import { statusApiOptionsSchema } from "../api/options.js";
import { engineOptionsSchema } from "../engine/engine.js";
import { SEVERITIES, type TierAction } from "../engine/types.js";
import { kafkaOptionsSchema } from "../kafka/options.js";
import { decoderOptionsSchema } from "../parse/decoder.js";

export const loggingOptionsSchema = z
  .object({
    /** pino level: fatal, error, warn, info, debug, trace or silent. */
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict();

/** The enforcement an action list amounts to, in the words of an alert's `action` field. */
function enforcementOf(actions: readonly string[]): TierAction {
  if (actions.includes("revoke")) return "block-and-revoke";
  if (actions.includes("block")) return "block";
  if (actions.includes("throttle")) return "throttle";
  return "log";
}

export const configSchema = z
  .object({
    /** How input lines are decoded: log format, identity resolution, limits. */
    input: decoderOptionsSchema.prefault({}),
    /** Profiles, detectors and risk scoring. */
    engine: engineOptionsSchema.prefault({}),
    /** Decisions, sinks and delivery (see alerts/README.md). */
    actions: actionsOptionsSchema.prefault({}),
    /** The status API (see src/api/README.md). */
    api: statusApiOptionsSchema.prefault({}),
    /** Consume from Kafka instead of files/stdin (`agentwatch run`). Absent: no Kafka. */
    kafka: kafkaOptionsSchema.optional(),
    logging: loggingOptionsSchema.prefault({}),
  })
  .strict()
  // Alerts say what their tier does (`engine.risk.actions`, the pure core's label) and the action
  // layer does it (`actions.tiers`): the two must not tell different stories.
  .superRefine((config, ctx) => {
    for (const severity of SEVERITIES) {
      const labelled = config.engine.risk.actions[severity];
      const done = enforcementOf(config.actions.tiers[severity]);
      if (labelled !== done) {
        ctx.addIssue({
          code: "custom",
          path: ["engine", "risk", "actions", severity],
          message: `is "${labelled}" but actions.tiers.${severity} enforces "${done}"; make them agree`,
        });
      }
    }
  });

export type Config = z.output<typeof configSchema>;
