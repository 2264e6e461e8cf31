/**
 * The decision policy: which enforcement an alert asks for, and how it combines with what the
 * agent already has. Pure and synchronous (time is the alert's event timestamp), so replaying the
 * same alerts gives the same decisions, and the Redis and in-memory stores share it unchanged.
 *
 * Rules: a decision is idempotent per agent while active (an equal or weaker request changes
 * nothing); a stronger request escalates it in place, in the same incident and at the same
 * repeat level (throttle -> block -> revoke within one incident is one offence, one strike); every
 * new incident counts a strike, strikes make the next TTL longer (and turn a throttle into a
 * block) and decay one per quiet period. Revocation needs a credential: an agent seen with no
 * token (identified by address, say) is blocked instead, and the decision says why.
 *
 * Recovery (the engine saw the agent's risk fall back below every tier): a throttle is lifted, it
 * did its job; a block or revoke stays until its TTL or an unblock, because a blocked agent's risk
 * falls simply because its requests are refused. Either way the incident is over (its page is
 * resolved); a new offence while the block stands reopens it.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { TierRecovery } from "../engine/engine.js";
import { type Alert, SEVERITIES, type Severity, type TierAction } from "../engine/types.js";
import { durationSchema } from "./duration.js";
import { DECISION_RANK, type Decision, type DecisionType, type OffenderState } from "./records.js";

export const TIER_ACTIONS = ["log", "throttle", "block", "revoke", "notify", "page"] as const;
export type TierActionName = (typeof TIER_ACTIONS)[number];

const tierList = z.array(z.enum(TIER_ACTIONS)).min(1);

export const tiersSchema = z
  .object({
    /** Actions for `low` alerts. */
    low: tierList.default(["log"]),
    /** Actions for `medium` alerts. */
    medium: tierList.default(["throttle"]),
    /** Actions for `high` alerts. */
    high: tierList.default(["block", "notify"]),
    /** Actions for `critical` alerts. `notify` is included so a page is never the only trace in chat. */
    critical: tierList.default(["block", "revoke", "notify", "page"]),
  })
  .strict();

export const decisionOptionsSchema = z
  .object({
    /** Requests per minute a throttled agent keeps (sent to gateways with the decision). */
    throttleRatePerMinute: z.number().int().positive().default(60),
    /** Base TTL of a first-offence decision, by type. */
    ttl: z
      .object({
        /** How long a first throttle lasts. */
        throttle: durationSchema.prefault("15m"),
        /** How long a first block lasts. */
        block: durationSchema.prefault("1h"),
        /** How long a first revoke decision stays in force. */
        revoke: durationSchema.prefault("24h"),
      })
      .strict()
      .prefault({}),
    /** Each undecayed earlier decision multiplies the TTL by this factor. */
    escalationFactor: z.number().min(1).default(2),
    /** TTLs never exceed this, however often an agent offends. */
    maxTtl: durationSchema.prefault("7d"),
    /** From this repeat level on (0 = first offence), a throttle request becomes a block. Revocation is never automated by repetition. */
    blockFromLevel: z.number().int().nonnegative().default(2),
    /** A quiet period this long (no alert asking for a decision) forgives one strike. */
    decayAfter: durationSchema.prefault("24h"),
    /** How often expired decisions are looked for (wall time; see `EventClock`). */
    sweepInterval: durationSchema.prefault("1s"),
  })
  .strict();

export type Tiers = z.output<typeof tiersSchema>;
export type DecisionOptions = z.output<typeof decisionOptionsSchema>;

export interface PolicyOutcome {
  /**
   * `none`: the tier asks for no enforcement; `unchanged`: an active decision already covers it;
   * `reopened`: it covers it, but its incident had been resolved on recovery (page again).
   */
  change: "created" | "escalated" | "reopened" | "unchanged" | "none";
  /** The decision in force after this alert (undefined when there is none). */
  decision: Decision | undefined;
  /** State to store; identical object to the input when nothing changed. */
  next: OffenderState;
}

/** The strongest enforcement a tier's action list asks for. */
export function requestedDecision(actions: readonly TierActionName[]): DecisionType | undefined {
  if (actions.includes("revoke")) return "revoke";
  if (actions.includes("block")) return "block";
  if (actions.includes("throttle")) return "throttle";
  return undefined;
}

/** An alert's `action` field: the enforcement its tier's action list asks for, in the alert's words. */
function alertActionOf(actions: readonly TierActionName[]): TierAction {
  const decision = requestedDecision(actions);
  return decision === "revoke" ? "block-and-revoke" : (decision ?? "log");
}

/** The `action` label of each tier's alerts, derived from the one tier map (`actions.tiers`). */
export function alertActionsOf(tiers: Tiers): Readonly<Record<Severity, TierAction>> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, alertActionOf(tiers[s])])) as Record<
    Severity,
    TierAction
  >;
}

/** Stable per agent incident; ≤ 255 characters as PagerDuty requires of dedup_key. */
export function incidentKey(agentId: string, since: number): string {
  const id = agentId.length <= 64 ? agentId : createHash("sha256").update(agentId).digest("hex").slice(0, 32);
  return `agentwatch/${id}/${since}`;
}

function decayedStrikes(state: OffenderState, at: number, options: DecisionOptions): number {
  if (state.lastOffenceAt === undefined || options.decayAfter <= 0) return state.strikes;
  const quietPeriods = Math.floor(Math.max(0, at - state.lastOffenceAt) / options.decayAfter);
  return Math.max(0, state.strikes - quietPeriods);
}

/** Token hashes a decision keeps (the newest win): enough for an agent rotating a few credentials. */
export const MAX_DECISION_TOKENS = 8;

function mergeTokenHashes(known: readonly string[] | undefined, seen: string | undefined): string[] {
  const hashes = known ? [...known] : [];
  if (seen !== undefined && !hashes.includes(seen)) {
    hashes.push(seen);
    if (hashes.length > MAX_DECISION_TOKENS) hashes.shift();
  }
  return hashes;
}

export function decide(
  state: OffenderState,
  alert: Alert,
  tiers: Tiers,
  options: DecisionOptions,
  shadow: boolean,
): PolicyOutcome {
  const at = Date.parse(alert.timestamp);
  const previous = state.decision;
  // The same alert seen again (restart, second replica): reproduce its outcome, change nothing.
  if (previous?.alertId === alert.id) return { change: previous.change, decision: previous, next: state };

  const active = previous && previous.expiresAt > at ? previous : undefined;
  const requested = requestedDecision(tiers[alert.severity as Severity]);
  // A claimed identity (unverified JWT, an address, a refused credential) is never revoked: the
  // token it names may be its victim's. Blocking it is as far as the evidence goes.
  const wanted = requested === "revoke" && alert.authenticated !== true ? "block" : requested;
  if (!wanted) return { change: "none", decision: active, next: state };
  // Escalating within the open incident is the same offence: no new strike, the same level.
  const strikes = active ? state.strikes : decayedStrikes(state, at, options) + 1;
  const level = active ? active.level : strikes - 1;
  const tokenHashes = mergeTokenHashes(active?.tokenHashes, alert.tokenHash);
  const leveled: DecisionType = wanted === "throttle" && level >= options.blockFromLevel ? "block" : wanted;
  const type: DecisionType = leveled === "revoke" && tokenHashes.length === 0 ? "block" : leveled;
  if (active && DECISION_RANK[active.type] >= DECISION_RANK[type]) {
    if (active.recoveredAt !== undefined) {
      // Offending again under a block that outlived a recovery: same enforcement, a new incident
      // at PagerDuty (a trigger on a resolved dedup_key opens one). No strike: nothing new was decided.
      const { recoveredAt: _, ...open } = active;
      const decision: Decision = { ...open, change: "reopened", alertId: alert.id };
      return { change: "reopened", decision, next: { ...state, decision, lastOffenceAt: at } };
    }
    // Still offending while covered: the strike clock restarts, the decision stays as it is.
    return { change: "unchanged", decision: active, next: { ...state, lastOffenceAt: at } };
  }

  const ttl = Math.min(options.ttl[type] * options.escalationFactor ** level, options.maxTtl);
  const since = active ? active.since : at;
  const decision: Decision = {
    agentId: alert.agentId,
    type,
    ...(type === "throttle" ? { ratePerMinute: options.throttleRatePerMinute } : {}),
    since,
    updatedAt: at,
    expiresAt: Math.max(at + ttl, active?.expiresAt ?? 0),
    change: active ? "escalated" : "created",
    alertId: alert.id,
    severity: alert.severity,
    riskScore: alert.riskScore,
    level,
    shadow,
    incidentKey: active ? active.incidentKey : incidentKey(alert.agentId, since),
    reason: alert.reasons[0]?.detail.slice(0, 500) ?? "",
    identity: active?.identity ?? { kind: alert.identitySource, value: alert.agentId },
    tokenHashes,
    ...(type !== leveled
      ? {
          notRevoked: `no token seen for this agent (identified by ${alert.identitySource}): blocked instead`,
        }
      : {}),
  };
  return { change: decision.change, decision, next: { decision, strikes, lastOffenceAt: at } };
}

export interface RecoveryOutcome {
  /**
   * `lifted`: a throttle was removed; `kept`: a block or revoke stays in force, its incident
   * resolved; `none`: nothing open to recover (no decision, expired, already recovered, or the
   * decision is newer than the recovery).
   */
  change: "lifted" | "kept" | "none";
  /** The recovered decision (`recoveredAt` set), unless `none`. */
  decision: Decision | undefined;
  /** State to store; identical object to the input when nothing changed. */
  next: OffenderState;
}

/**
 * The agent's risk fell back below every tier at `recovery.timestamp` (event time). Strikes are
 * kept: recovering does not forgive the offence, a repeat still counts as one.
 */
export function recover(state: OffenderState, recovery: TierRecovery): RecoveryOutcome {
  const at = Date.parse(recovery.timestamp);
  const current = state.decision;
  // The same recovery seen again (restart, second replica): reproduce its outcome, change nothing.
  if (current?.recoveredAt === at) return { change: "kept", decision: current, next: state };
  if (!current && state.lifted?.recoveredAt === at)
    return { change: "lifted", decision: state.lifted, next: state };

  if (!current || current.expiresAt <= at || current.updatedAt > at || current.recoveredAt !== undefined) {
    return { change: "none", decision: undefined, next: state };
  }
  const decision: Decision = { ...current, recoveredAt: at };
  if (decision.type === "throttle") {
    return { change: "lifted", decision, next: { ...state, decision: undefined, lifted: decision } };
  }
  return { change: "kept", decision, next: { ...state, decision } };
}
