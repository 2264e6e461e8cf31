/**
 * Generic webhook: every alert (whose tier says notify), every recovery and every decision end as
 * JSON, signed the
 * Standard Webhooks way so the receiver can check origin and freshness. The `webhook-id` is stable
 * across retries of one delivery, so receivers can drop duplicates.
 */
import { z } from "zod";
import { secretUrlSchema } from "../src/actions/secret.js";
import { signedJsonRequest, webhookSecretSchema } from "./signing.js";
import { type SinkDescriptor, type SinkEvent, sinkBase, sinkBaseShape } from "./sink.js";

export const webhookSinkOptionsSchema = z
  .object({
    type: z.literal("webhook"),
    ...sinkBaseShape,
    /** Receiver URL; a secret (URLs often carry tokens). */
    url: secretUrlSchema,
    /** Signing secret, `whsec_` + base64 of 24-64 random bytes. */
    secret: webhookSecretSchema,
  })
  .strict();

/** Pure: the JSON body for one event. Token ids appear only hashed, as the alert carries them. */
export function webhookPayload(event: SinkEvent): Record<string, unknown> {
  switch (event.kind) {
    case "alert":
      return {
        type: "agentwatch.alert",
        alert: event.alert,
        change: event.change,
        allowlisted: event.allowlisted,
        decision: event.decision ?? null,
      };
    case "recovered":
      return {
        type: "agentwatch.recovered",
        at: event.recovery.timestamp,
        agent_id: event.recovery.agentId,
        previous_severity: event.recovery.previousSeverity,
        risk: event.recovery.riskScore,
        decision_lifted: event.lifted,
        decision: event.decision,
      };
    case "ended":
      return {
        type: "agentwatch.decision.ended",
        reason: event.reason,
        at: new Date(event.at).toISOString(),
        decision: event.decision,
      };
    case "test":
      return { type: "agentwatch.test", at: new Date(event.at).toISOString() };
  }
}

export const webhookSink: SinkDescriptor<typeof webhookSinkOptionsSchema> = {
  type: "webhook",
  role: "events",
  description: "POSTs alerts and decision ends as JSON signed per Standard Webhooks.",
  options: webhookSinkOptionsSchema,
  create(options) {
    return {
      ...sinkBase("webhook", "events", options),
      async deliver(events, ctx) {
        for (const [i, event] of events.entries()) {
          const id = events.length === 1 ? ctx.id : `${ctx.id}_${i}`;
          await ctx.send(signedJsonRequest(options.url, options.secret, id, ctx.now, webhookPayload(event)));
        }
        return { outcome: "delivered", detail: `${events.length} event(s)` };
      },
    };
  },
};
