/**
 * The action layer's configuration: tiers -> actions, shadow mode, allowlist, agent labels,
 * decision TTLs and escalation, sinks, Redis and delivery. Defaults are the embedded mode: a log
 * sink only, in-memory decisions, an on-disk queue under `delivery.dataDir`.
 */
import { z } from "zod";
import { sinkOptionsSchema } from "../../alerts/index.js";
import { cidrSchema } from "./allowlist.js";
import { deliveryOptionsSchema } from "./delivery.js";
import { decisionOptionsSchema, tiersSchema } from "./policy.js";
import { secretSchema } from "./secret.js";

export const actionsOptionsSchema = z
  .object({
    /**
     * What each severity tier does. Actions: `log` (audit only), `throttle`, `block`, `revoke`
     * (decisions; the strongest listed wins), `notify` (Slack and webhooks), `page` (PagerDuty).
     */
    tiers: tiersSchema.prefault({}),
    /** Decide and notify, enforce nothing: no gateway or revocation calls, decisions marked `shadow`. */
    shadow: z.boolean().default(false),
    /** Agents and client addresses never enforced against (their alerts are logged only). */
    allowlist: z
      .object({
        /** Agent ids. */
        agents: z.array(z.string().min(1)).default([]),
        /** Client address ranges, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
        cidrs: z.array(cidrSchema).default([]),
      })
      .strict()
      .prefault({}),
    /** Labels per agent id (or id prefix ending in `*`), for sinks' `match.agentLabels`. */
    agentLabels: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Decision TTLs, escalation of repeat offenders and decay. */
    decisions: decisionOptionsSchema.prefault({}),
    /** Where alerts and decisions go. Names must be unique; an unknown `type` stops startup. */
    sinks: z
      .array(sinkOptionsSchema)
      .prefault([{ type: "log", name: "log" }])
      .superRefine((sinks, ctx) => {
        const seen = new Set<string>();
        for (const [i, sink] of sinks.entries()) {
          if (seen.has(sink.name))
            ctx.addIssue({
              code: "custom",
              path: [i, "name"],
              message: `duplicate sink name "${sink.name}"`,
            });
          seen.add(sink.name);
        }
      }),
    /** Shared decision store and delivery dedup for several instances. Without it: in memory and on disk. */
    redis: z
      .object({
        /** `redis://[:password@]host:port/db`; a secret (it may carry a password). */
        url: secretSchema,
        /** Prefix of every key agentwatch writes. */
        keyPrefix: z.string().default("agentwatch:"),
      })
      .strict()
      .optional(),
    /** Queue, retries, timeouts, circuit breaker, concurrency. */
    delivery: deliveryOptionsSchema.prefault({}),
  })
  .strict();

export type ActionsOptions = z.output<typeof actionsOptionsSchema>;
export type ActionsOptionsInput = z.input<typeof actionsOptionsSchema>;
