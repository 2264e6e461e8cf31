/**
 * Turns a tier decision into the Alert the action layer receives. Runs only when an alert is
 * raised, so this is where hashing happens (alert id, token digest), never per event.
 */
import { createHash } from "node:crypto";
import type { Alert, TierAction } from "../engine/types.js";
import type { NormalizedEvent } from "../events/event.js";
import { visibleText } from "../events/visible-text.js";
import { tokenDigest } from "../profile/keys.js";
import type { TierDecision } from "./scorer.js";

/** Same agent, tier and triggering event give the same id, so a replay reproduces alert ids. */
export function alertId(agentId: string, severity: string, requestId: string, timestamp: number): string {
  return createHash("sha256")
    .update(`${agentId}\u0000${severity}\u0000${requestId}\u0000${timestamp}`)
    .digest("hex")
    .slice(0, 32);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** `action` is the tier's label from the action layer's tier map (`alertActionsOf`). */
export function buildAlert(
  event: NormalizedEvent,
  risk: number,
  decision: TierDecision,
  action: TierAction,
  /** How the template was learned, when a learned parameter is in it (`route-template-learner.ts`). */
  templateSource?: string,
): Alert {
  const alert: Alert = {
    id: alertId(event.agentId, decision.severity, event.requestId, event.timestamp),
    agentId: event.agentId,
    identitySource: event.identitySource,
    authenticated: event.authenticated,
    severity: decision.severity,
    riskScore: round(risk),
    timestamp: new Date(event.timestamp).toISOString(),
    action,
    // Details quote paths and headers an attacker wrote: every sink and the API show them as text.
    reasons: decision.reasons.map((r) => ({ ...r, detail: visibleText(r.detail), score: round(r.score) })),
    request: {
      method: event.method,
      template: visibleText(event.template),
      status: event.status,
      clientIp: event.clientIp,
    },
  };
  if (templateSource !== undefined) alert.request.templateSource = templateSource;
  if (event.requestId.length > 0) alert.requestId = event.requestId;
  if (event.tokenId.length > 0) alert.tokenHash = tokenDigest(event.tokenId);
  return alert;
}
