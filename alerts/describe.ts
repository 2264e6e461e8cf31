/** Words for decisions and alerts, shared by the human-facing sinks so they all say the same thing. */

import type { Decision } from "../src/actions/records.js";
import type { Alert } from "../src/engine/types.js";
import type { AlertEvent, RecoveredEvent } from "./sink.js";

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

function describeDecision(decision: Decision): string {
  const what = decision.type === "throttle" ? `throttle to ${decision.ratePerMinute}/min` : decision.type;
  const shadow = decision.shadow ? " (shadow mode: not enforced)" : "";
  const repeat = decision.level > 0 ? `, repeat offender level ${decision.level}` : "";
  const notRevoked = decision.notRevoked ? ` (not revoked: ${decision.notRevoked})` : "";
  return `${what} for ${formatDuration(decision.expiresAt - decision.updatedAt)}${repeat}${notRevoked}${shadow}`;
}

/** What the action layer did about one alert, in one line. */
export function describeOutcome(event: AlertEvent): string {
  if (event.allowlisted)
    return `none (allowlisted${event.wouldDecide ? `; would ${event.wouldDecide}` : ""})`;
  const { decision, change } = event;
  if (!decision) return "none (notify only)";
  if (change === "created") return describeDecision(decision);
  if (change === "escalated") return `escalated to ${describeDecision(decision)}`;
  if (change === "reopened")
    return `incident reopened, still under ${decision.type} until ${new Date(decision.expiresAt).toISOString()}`;
  return `already under ${decision.type} until ${new Date(decision.expiresAt).toISOString()}`;
}

/** What a recovery did, in one line. */
export function describeRecovery(event: RecoveredEvent): string {
  const { decision } = event;
  const shadow = decision.shadow ? " (shadow mode: not enforced)" : "";
  if (event.lifted) return `throttle lifted${shadow}`;
  const until = new Date(decision.expiresAt).toISOString();
  return `${decision.type} stays in force until ${until} or an unblock${shadow}`;
}

export function formatRisk(alert: Alert): string {
  return alert.riskScore.toFixed(2);
}
