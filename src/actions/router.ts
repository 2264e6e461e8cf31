/**
 * Routing: which sinks get which event. The role table is the one place that says what each kind
 * of sink is for; per-sink filters (minimum severity, detectors, agent labels) narrow it further.
 */
import type { Sink, SinkEvent, SinkRole } from "../../alerts/index.js";
import type { AlertEvent, EndedEvent, RecoveredEvent } from "../../alerts/sink.js";
import { SEVERITIES, type Severity } from "../engine/types.js";
import type { Tiers } from "./policy.js";

/** Agent id (exact, or a prefix ending in `*`) -> labels. */
export type AgentLabels = Readonly<Record<string, readonly string[]>>;

export function labelsOf(agentId: string, table: AgentLabels): Set<string> {
  const out = new Set<string>();
  for (const [pattern, labels] of Object.entries(table)) {
    const hit = pattern.endsWith("*") ? agentId.startsWith(pattern.slice(0, -1)) : agentId === pattern;
    if (hit) for (const label of labels) out.add(label);
  }
  return out;
}

const enforced = (e: AlertEvent) =>
  !e.allowlisted &&
  e.decision !== undefined &&
  !e.decision.shadow &&
  (e.change === "created" || e.change === "escalated");

type RoleRule = {
  alert(event: AlertEvent, tier: readonly string[]): boolean;
  /** `decisionTier`: the actions of the tier the decision was taken at. */
  recovered(event: RecoveredEvent, decisionTier: readonly string[]): boolean;
  ended(event: EndedEvent, decisionTier: readonly string[]): boolean;
};

const ROLES: Readonly<Record<SinkRole, RoleRule>> = {
  audit: { alert: () => true, recovered: () => true, ended: () => true },
  // Chat hears of a recovery only where it heard of the incident (the decision's tier notified);
  // it is not told of expiries, which are routine and would drown the alerts.
  notify: {
    alert: (e, tier) => !e.allowlisted && tier.includes("notify"),
    recovered: (_e, tier) => tier.includes("notify"),
    ended: () => false,
  },
  events: {
    alert: (e, tier) => !e.allowlisted && tier.includes("notify"),
    recovered: () => true,
    ended: () => true,
  },
  page: {
    // A new, escalated or reopened incident pages; repeats while it is open do not (PagerDuty would
    // only dedup them, at the price of its rate limit). Tiers that page without deciding page each alert.
    alert: (e, tier) =>
      !e.allowlisted &&
      tier.includes("page") &&
      (e.decision === undefined ||
        e.change === "created" ||
        e.change === "escalated" ||
        e.change === "reopened"),
    recovered: (_e, tier) => tier.includes("page"),
    // An incident resolved on recovery is not resolved a second time when its block ends.
    ended: (e, tier) => tier.includes("page") && e.decision.recoveredAt === undefined,
  },
  gateway: {
    alert: enforced,
    recovered: (e) => e.lifted && !e.decision.shadow,
    // A superseded end must not reach the gateway: it would lift the newer decision's enforcement.
    ended: (e) => !e.decision.shadow && !e.superseded,
  },
  revoke: {
    alert: (e) => enforced(e) && e.decision?.type === "revoke",
    recovered: () => false,
    ended: () => false,
  },
};

function passesFilter(sink: Sink, event: SinkEvent, labels: AgentLabels): boolean {
  if (event.kind === "test") return true;
  const severity: Severity = event.kind === "alert" ? event.alert.severity : event.decision.severity;
  if (SEVERITIES.indexOf(severity) < SEVERITIES.indexOf(sink.filter.minSeverity)) return false;
  const { detectors, agentLabels } = sink.filter;
  if (detectors && event.kind === "alert" && !event.alert.reasons.some((r) => detectors.includes(r.detector)))
    return false;
  if (agentLabels) {
    const agentId = event.kind === "alert" ? event.alert.agentId : event.decision.agentId;
    const have = labelsOf(agentId, labels);
    if (!agentLabels.some((l) => have.has(l))) return false;
  }
  return true;
}

/** The sinks an event goes to. */
export function route(event: SinkEvent, sinks: readonly Sink[], tiers: Tiers, labels: AgentLabels): Sink[] {
  return sinks.filter((sink) => {
    if (!passesFilter(sink, event, labels)) return false;
    const rule = ROLES[sink.role];
    if (event.kind === "test") return true;
    if (event.kind === "alert") return rule.alert(event, tiers[event.alert.severity]);
    if (event.kind === "recovered") return rule.recovered(event, tiers[event.decision.severity]);
    return rule.ended(event, tiers[event.decision.severity]);
  });
}
