/**
 * What flows through the action layer: decisions (the enforcement state per agent) and the records
 * of the durable queue (an alert to act on, an agent's risk falling back, or the end of a decision
 * to announce). Plain JSON types, because the queue may be a file or a Kafka topic and the store
 * may be Redis.
 */
import type { TierRecovery } from "../engine/engine.js";
import type { Alert, Severity } from "../engine/types.js";
import type { IdentitySource } from "../events/event.js";

/** The identity a decision was made on: how the agent was recognised, and as what. */
export interface DecisionIdentity {
  /** `ip`: `value` is a client address, or a network as a CIDR (`10.1.0.0/16`). */
  kind: IdentitySource;
  value: string;
}

export type DecisionType = "throttle" | "block" | "revoke";

/** How strong a decision is; a stronger one replaces a weaker one, never the reverse. */
export const DECISION_RANK: Readonly<Record<DecisionType, number>> = { throttle: 1, block: 2, revoke: 3 };

/** An enforcement decision against one agent. Times are event times (epoch ms), never wall time. */
export interface Decision {
  agentId: string;
  /** `revoke` also blocks: a gateway treats it as `block`. */
  type: DecisionType;
  /** Requests per minute the gateway lets through while throttled (throttle only). */
  ratePerMinute?: number;
  /** Start of the incident: event time of the alert that first created a decision in it. */
  since: number;
  /** Event time of the latest change (creation or escalation). */
  updatedAt: number;
  /** Event time after which the decision no longer applies. */
  expiresAt: number;
  /** How this version came to be (`reopened`: a new offence after a recovery, same enforcement). */
  change: "created" | "escalated" | "reopened";
  /** Alert that created, escalated or reopened it (lets a replayed alert reproduce the same outcome). */
  alertId: string;
  severity: Severity;
  riskScore: number;
  /** Repeat-offender level when taken: 0 for a first offence, +1 per undecayed earlier decision. */
  level: number;
  /** Shadow mode: decided and announced, never enforced. Gateways must ignore shadow decisions. */
  shadow: boolean;
  /** Stable per incident; PagerDuty's dedup_key and the gateway's idempotency key derive from it. */
  incidentKey: string;
  /** Strongest finding, for people reading a decision list. */
  reason: string;
  /**
   * Event time at which the agent's risk fell back while this decision stayed in force (a block or
   * revoke outlives recovery): its incident was resolved then. Cleared when the agent offends again.
   */
  recoveredAt?: number;
  /**
   * What the decision applies to, as the log pipeline recognised the agent. Absent on decisions
   * stored by an older version: they apply to `agentId` alone.
   */
  identity?: DecisionIdentity;
  /** Hashes (`Alert.tokenHash`) of the credentials seen in the incident: refused wherever used. */
  tokenHashes?: string[];
  /** Why a revoke was asked for but a block decided (no credential to revoke). */
  notRevoked?: string;
}

/** Per-agent state the decision policy reads and writes. */
export interface OffenderState {
  /** Latest decision (may have expired; the policy compares `expiresAt` with the alert time). */
  decision?: Decision;
  /** Undecayed offences so far (a new decision's level is `strikes - 1` after counting it). */
  strikes: number;
  /** Event time of the latest alert that asked for a decision. */
  lastOffenceAt?: number;
  /** The throttle the latest recovery lifted (lets a replayed recovery reproduce its outcome). */
  lifted?: Decision;
}

export type EndReason = "expired" | "unblocked";

/** One entry of the durable queue. */
export type ActionRecord =
  | { kind: "alert"; alert: Alert }
  | { kind: "recovered"; recovery: TierRecovery }
  | { kind: "ended"; decision: Decision; reason: EndReason; at: number };

const RECORD_KINDS: ReadonlySet<unknown> = new Set<ActionRecord["kind"]>(["alert", "recovered", "ended"]);

/**
 * Whether a value read back from a queue (a Kafka record's JSON) is an action record this version
 * knows. The queue is written only by agentwatch, so the kind and its payload's presence suffice.
 */
export function isActionRecord(value: unknown): value is ActionRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  if (!RECORD_KINDS.has(record.kind)) return false;
  const payload =
    record.kind === "alert" ? record.alert : record.kind === "recovered" ? record.recovery : record.decision;
  return typeof payload === "object" && payload !== null;
}

/**
 * The agent a record is about, which is also the partition key for queues that have keys (Kafka):
 * per agent, so one agent's records stay ordered.
 */
export function recordKey(record: ActionRecord): string {
  switch (record.kind) {
    case "alert":
      return record.alert.agentId;
    case "recovered":
      return record.recovery.agentId;
    case "ended":
      return record.decision.agentId;
  }
}

/** Identity of a record across instances and restarts (alert ids and recovery times are deterministic). */
export function recordId(record: ActionRecord): string {
  switch (record.kind) {
    case "alert":
      return `alert:${record.alert.id}`;
    case "recovered":
      // One recovery per agent per event time: the engine reports a fall once, on one event.
      return `recovered:${record.recovery.agentId}:${record.recovery.timestamp}`;
    case "ended":
      return `ended:${record.decision.incidentKey}:${record.decision.updatedAt}:${record.reason}`;
  }
}
