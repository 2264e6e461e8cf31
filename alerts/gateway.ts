/**
 * Gateway throttle/block push: the decision (agent, type, rate, TTL) as signed JSON to the
 * gateway's admin hook, and its removal when it ends (a throttle also when the agent's risk falls
 * back). Only enforced decisions are pushed (never
 * shadow or allowlisted ones). Gateways that poll instead use `GET /v1/decisions?since=` of the
 * status API; both paths read the same decision store.
 */
import { z } from "zod";
import type { Decision } from "../src/actions/records.js";
import { secretUrlSchema } from "../src/actions/secret.js";
import { signedJsonRequest, webhookSecretSchema } from "./signing.js";
import { type SinkDescriptor, type SinkEvent, sinkBase, sinkBaseShape } from "./sink.js";

export const gatewaySinkOptionsSchema = z
  .object({
    type: z.literal("gateway"),
    ...sinkBaseShape,
    /** The gateway's admin hook URL; a secret. */
    url: secretUrlSchema,
    /** Signing secret shared with the gateway, `whsec_` + base64. */
    secret: webhookSecretSchema,
  })
  .strict();

export interface GatewayDecision {
  agent_id: string;
  /** `revoke` decisions are sent as `block`: for a gateway they mean the same. */
  action: "throttle" | "block";
  rate_per_minute: number | null;
  ttl_seconds: number;
  expires_at: string;
  incident: string;
  reason: string;
}

function gatewayDecision(decision: Decision): GatewayDecision {
  return {
    agent_id: decision.agentId,
    action: decision.type === "throttle" ? "throttle" : "block",
    rate_per_minute: decision.ratePerMinute ?? null,
    ttl_seconds: Math.max(1, Math.round((decision.expiresAt - decision.updatedAt) / 1000)),
    expires_at: new Date(decision.expiresAt).toISOString(),
    incident: decision.incidentKey,
    reason: decision.reason,
  };
}

/** Pure: the hook body for an event, or undefined when the gateway has nothing to do. */
export function gatewayPayload(event: SinkEvent): Record<string, unknown> | undefined {
  if (event.kind === "test") return { type: "agentwatch.test", at: new Date(event.at).toISOString() };
  if (event.kind === "ended" || (event.kind === "recovered" && event.lifted)) {
    return {
      type: "decision.removed",
      agent_id: event.decision.agentId,
      incident: event.decision.incidentKey,
      reason: event.kind === "ended" ? event.reason : "recovered",
    };
  }
  if (event.kind === "recovered") return undefined;
  if (!event.decision) return undefined;
  return { type: "decision.upsert", decision: gatewayDecision(event.decision) };
}

export const gatewaySink: SinkDescriptor<typeof gatewaySinkOptionsSchema> = {
  type: "gateway",
  role: "gateway",
  description: "Pushes throttle/block decisions and their removal to a gateway admin hook (signed JSON).",
  options: gatewaySinkOptionsSchema,
  create(options) {
    return {
      ...sinkBase("gateway", "gateway", options),
      orderKey: (event) =>
        event.kind === "alert"
          ? event.alert.agentId
          : event.kind === "test"
            ? undefined
            : event.decision.agentId,
      async deliver(events, ctx) {
        let sent = 0;
        for (const [i, event] of events.entries()) {
          const payload = gatewayPayload(event);
          if (!payload) continue;
          const id = events.length === 1 ? ctx.id : `${ctx.id}_${i}`;
          await ctx.send(signedJsonRequest(options.url, options.secret, id, ctx.now, payload));
          sent++;
        }
        return sent > 0
          ? { outcome: "delivered", detail: `${sent} pushed` }
          : { outcome: "skipped", detail: "no decision" };
      },
    };
  },
};
