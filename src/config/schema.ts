/**
 * The root configuration schema, composed from each component's own options schema. `.strict()`
 * at every level (the components do the same) so a typo is a startup error, not a silently
 * ignored setting. Defaults give the embedded mode: files/stdin in, log-only actions, in-memory
 * state, status API on 127.0.0.1.
 */
import { z } from "zod";
import { durationSchema } from "../actions/duration.js";
import { actionsOptionsSchema } from "../actions/index.js";
import { statusApiOptionsSchema } from "../api/options.js";
import { engineOptionsSchema } from "../engine/engine.js";
import { kafkaOptionsSchema } from "../kafka/options.js";
import { decoderOptionsSchema } from "../parse/decoder.js";

/** Durable state of `agentwatch run` on files or stdin (Kafka keeps its own in the changelog). */
const stateOptionsSchema = z
  .object({
    /**
     * Profiles are snapshotted to `<actions.delivery.dataDir>/profiles.snapshot` this often and on
     * stop, and restored at start; a SIGKILL loses at most this much profile history.
     */
    snapshotInterval: durationSchema.prefault("30s"),
    /** Off: profiles start empty at every start (decisions are journaled either way). */
    snapshots: z.boolean().default(true),
  })
  .strict();

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
    /** Profile snapshots on disk between runs (files/stdin mode). */
    state: stateOptionsSchema.prefault({}),
    /** The service's own logs (pino, JSON lines on stdout; secrets and token ids redacted). */
    logging: loggingOptionsSchema.prefault({}),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
