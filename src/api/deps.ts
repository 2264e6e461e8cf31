/**
 * What the status API needs from the rest of agentwatch, as small interfaces. The composition
 * root adapts the real pieces (engine profiles, the actions' decision store, sinks) to these, and
 * tests pass in-memory ones. The API itself holds no state besides rate-limit buckets.
 */

import type { Logger } from "pino";
import type { RecentDeliveriesView } from "../actions/recent-deliveries.js";
import type { Decision } from "../actions/records.js";
import type { Alert, Severity } from "../engine/types.js";
import type { ApiKeyEntry } from "../keys/keys.js";
import type { Metrics } from "../observability/metrics.js";
import type { CallerOptions } from "./caller.js";

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
 * One agent in full: its brief plus the readable profile (engine `profiles.summarize(agentId)`:
 * top endpoints with shares, size statistics, transitions, rate baseline, addresses, user agents,
 * risk history, recent reasons), shown as the engine summarizes it.
 */
export interface AgentDetail extends AgentBrief {
  profile: object;
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
  get(agentId: string): Promise<AgentDetail | undefined>;
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

/** An allowlist entry: an agent id, or a CIDR when it contains `/`. */
export interface AllowlistItem {
  entry: string;
  /** `config` entries can only be changed in the config file. */
  source: "config" | "api";
}

/**
 * Decisions as the actions layer exposes them (`actions.decisions` satisfies this as is). Which
 * decisions are in force is the source's call, judged on the event clock.
 */
export interface DecisionSource {
  /** The agent's decision in force, if any. */
  get(agentId: string): Promise<Decision | undefined>;
  /**
   * Changes after `cursor`. Without a cursor, or with one too old, `reset` is true and `added` is
   * the full set.
   */
  changesSince(
    cursor: string | undefined,
  ): Promise<{ added: Decision[]; removed: string[]; cursor: string; reset: boolean }>;
  /** Lifts the agent's decision (and announces it); false when there was none. */
  unblock(agentId: string): Promise<boolean>;
  /** An operator's decision, in force from now for `durationMs` (`POST /v1/decisions`). */
  add(request: {
    agentId: string;
    type: Decision["type"];
    durationMs: number;
    reason: string;
    ratePerMinute?: number;
  }): Promise<Decision>;
  allowlist: {
    /** False when already there; throws RangeError on an entry it cannot use. */
    add(entry: string): Promise<boolean>;
    remove(entry: string): Promise<boolean>;
    list(): Promise<AllowlistItem[]>;
  };
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
  /** The keys the server verifies (set by buildStatusServer), listed by name and scopes by `GET /v1/keys`. */
  apiKeys?: readonly ApiKeyEntry[];
  /** Sends a test alert through every configured sink (`POST /v1/test`). */
  testSinks: () => Promise<SinkTestResult[]>;
  readiness: () => Readiness;
  /** Risk at which each tier starts (`engine.risk.tiers`), shown by `GET /v1/session`. */
  riskTiers?: Readonly<Record<Severity, number>>;
  /** The last deliveries and dead letters (`GET /v1/deliveries`); empty lists without it. */
  deliveries?: () => RecentDeliveriesView;
  metrics: Metrics;
  logger: Logger;
  /**
   * The run's `input` identity order and trusted proxies, so the gateway check names callers
   * exactly as the log pipeline names agents. Default: the default identity order, no proxy trusted.
   */
  input?: CallerOptions;
  /** Wall clock for rate limits and throttles; tests pin it. */
  now?: () => number;
}
