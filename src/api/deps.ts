/**
 * What the status API needs from the rest of agentwatch, as small interfaces. The composition
 * root adapts the real pieces (engine profiles, the actions' decision store, sinks) to these, and
 * tests pass in-memory ones. The API itself holds no state besides rate-limit buckets.
 */
import type { Logger } from "pino";
import type { Alert, Severity } from "../engine/types.js";
import type { Metrics } from "../observability/metrics.js";

/** Risk tier of an agent; `none` below the lowest tier threshold. */
export type Tier = Severity | "none";

/** One page of a listing; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a listing shows per agent: cheap to compute for every tracked agent. */
export interface AgentBrief {
  agentId: string;
  /** Current risk score in [0, 1]. */
  risk: number;
  tier: Tier;
  /** Event time of the agent's latest event, epoch ms. */
  lastSeenMs: number;
}

/**
 * The readable profile (engine `profiles.summarize(agentId)`): top endpoints with shares, size
 * statistics, transitions, rate baseline, addresses, user agents, risk history, recent reasons.
 * Only the fields the API sorts and filters on are fixed here; the rest is shown as the engine
 * summarizes it.
 */
export interface AgentSummary extends AgentBrief {
  [field: string]: unknown;
}

export interface AgentListQuery {
  tier?: Tier;
  minRisk?: number;
  /** Only agents whose latest event is at or after this epoch ms. */
  seenSinceMs?: number;
  cursor?: string;
  limit: number;
}

/** Answers for every agent, whichever instance holds its profile. */
export interface AgentDirectory {
  /** Agents by risk (highest first, then agent id), filtered, one page at a time. */
  list(query: AgentListQuery): Promise<Page<AgentBrief>>;
  get(agentId: string): Promise<AgentSummary | undefined>;
}

export interface AlertQuery {
  /** Keep only these severities. */
  severities?: readonly Severity[];
  agentId?: string;
  /** Only alerts whose event time is at or after this epoch ms. */
  sinceMs?: number;
  cursor?: string;
  limit: number;
}

/** Recent alerts, newest first. */
export interface AlertLog {
  append(alert: Alert): Promise<void>;
  list(query: AlertQuery): Promise<Page<Alert>>;
}

export type DecisionType = "throttle" | "block" | "revoke";

/** An enforcement decision as gateways and people see it. */
export interface DecisionView {
  agentId: string;
  type: DecisionType;
  /** Allowed requests per second while throttled. */
  ratePerSecond?: number;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; the decision lapses by itself then. */
  expiresAt: string;
  severity?: Severity;
  /** Shadow mode: decided and reported, never enforced. */
  shadow: boolean;
  /** Alert that caused it. */
  alertId?: string;
}

export interface AllowlistEntry {
  id: string;
  kind: "agent" | "cidr";
  value: string;
  note?: string;
  /** Name of the API key (or config) that added it. */
  addedBy: string;
  /** ISO 8601. */
  addedAt: string;
}

/** The subset of the actions' DecisionStore the API uses. */
export interface DecisionSource {
  /** Active decisions and the cursor to poll changes from. */
  snapshot(): Promise<{ decisions: DecisionView[]; cursor: string }>;
  /** Changes after `cursor`; undefined when the cursor is unknown or too old (client resyncs). */
  changesSince(
    cursor: string,
  ): Promise<{ added: DecisionView[]; removed: string[]; cursor: string } | undefined>;
  get(agentId: string): Promise<DecisionView | undefined>;
  /** Lifts the agent's active decision; false when there was none. */
  unblock(agentId: string, actor: string): Promise<boolean>;
  allowlistAdd(
    entry: { kind: AllowlistEntry["kind"]; value: string; note?: string },
    actor: string,
  ): Promise<AllowlistEntry>;
  allowlistRemove(id: string, actor: string): Promise<boolean>;
  allowlistList(): Promise<AllowlistEntry[]>;
}

export interface SinkTestResult {
  sink: string;
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface StatusApiDeps {
  agents: AgentDirectory;
  alerts: AlertLog;
  decisions: DecisionSource;
  /** Sends a test alert through every configured sink (`POST /v1/test`). */
  testSinks: () => Promise<SinkTestResult[]>;
  readiness: () => Readiness;
  metrics: Metrics;
  logger: Logger;
  /** Wall clock for rate limits and throttles; tests pin it. */
  now?: () => number;
}
