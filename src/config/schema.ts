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
import { kafkaOptionsSchema } from "../kafka/options.js";
import { decoderOptionsSchema } from "../parse/decoder.js";

const loggingOptionsSchema = z
  .object({
    /** pino level: fatal, error, warn, info, debug, trace or silent. */
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict();

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
    /** The service's own logs (pino, JSON lines on stdout; secrets and token ids redacted). */
    logging: loggingOptionsSchema.prefault({}),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
