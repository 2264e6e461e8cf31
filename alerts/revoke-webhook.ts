/**
 * Revocation by webhook, for token vendors that revoke by agent or token id rather than by the
 * token itself: signed JSON (Standard Webhooks) naming the agent and the token hash the alert
 * carries. No raw token is needed or ever sent.
 */
import { z } from "zod";
import { secretUrlSchema } from "../src/actions/secret.js";
import { signedJsonRequest, webhookSecretSchema } from "./signing.js";
import { type AlertEvent, type SinkDescriptor, sinkBase, sinkBaseShape } from "./sink.js";

export const revokeWebhookSinkOptionsSchema = z
  .object({
    type: z.literal("revoke-webhook"),
    ...sinkBaseShape,
    /** The vendor's revocation hook; a secret. */
    url: secretUrlSchema,
    /** Signing secret, `whsec_` + base64. */
    secret: webhookSecretSchema,
  })
  .strict();

/** Pure: what the vendor is asked to revoke. */
export function revokePayload(event: AlertEvent): Record<string, unknown> {
  return {
    type: "agentwatch.revoke",
    agent_id: event.alert.agentId,
    identity_source: event.alert.identitySource,
    token_hash: event.alert.tokenHash ?? null,
    scope: event.alert.tokenHash ? "token" : "agent",
    incident: event.decision?.incidentKey ?? null,
    alert_id: event.alert.id,
    severity: event.alert.severity,
    reason: event.alert.reasons[0]?.detail ?? "",
  };
}

export const revokeWebhookSink: SinkDescriptor<typeof revokeWebhookSinkOptionsSchema> = {
  type: "revoke-webhook",
  role: "revoke",
  description: "Asks a token vendor to revoke an agent's credentials by agent id / token hash (signed JSON).",
  options: revokeWebhookSinkOptionsSchema,
  create(options) {
    return {
      ...sinkBase("revoke-webhook", "revoke", options),
      async deliver(events, ctx) {
        let sent = 0;
        for (const [i, event] of events.entries()) {
          if (event.kind === "ended" || event.kind === "recovered") continue;
          const id = events.length === 1 ? ctx.id : `${ctx.id}_${i}`;
          const payload =
            event.kind === "alert"
              ? revokePayload(event)
              : { type: "agentwatch.test", at: new Date(ctx.now).toISOString() };
          await ctx.send(signedJsonRequest(options.url, options.secret, id, ctx.now, payload));
          sent++;
        }
        return sent > 0
          ? { outcome: "delivered", detail: `${sent} revocation request(s)` }
          : { outcome: "skipped", detail: "nothing to revoke" };
      },
    };
  },
};
