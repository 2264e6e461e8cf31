/**
 * Test fixtures for the status API: keys for each scope, an in-memory decision source with a
 * change feed, fake profiles, alert and decision factories, and a server built the way main
 * builds it, with a log capture and a pinned clock.
 */
import type { Decision } from "../../src/actions/records.js";
import { createLocalAgentDirectory, type LocalProfiles } from "../../src/api/agent-directory.js";
import { createMemoryAlertLog } from "../../src/api/alert-log.js";
import type { AgentDetail, AlertLog, DecisionSource, StatusApiDeps, Tier } from "../../src/api/deps.js";
import { statusApiOptionsSchema } from "../../src/api/options.js";
import { buildStatusServer } from "../../src/api/server.js";
import type { Alert, Severity } from "../../src/engine/types.js";
import { type ApiScope, issueApiKey } from "../../src/keys/keys.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";

export const NOW = Date.parse("2026-11-23T12:00:00Z");

export function makeKeys() {
  const issue = (name: string, scopes: ApiScope[]) => issueApiKey(name, scopes);
  const read = issue("reader", ["read"]);
  const admin = issue("operator", ["admin"]);
  const gateway = issue("nginx", ["gateway"]);
  return { read, admin, gateway, entries: [read.entry, admin.entry, gateway.entry] };
}
export type TestKeys = ReturnType<typeof makeKeys>;

export function makeDecision(agentId: string, overrides: Partial<Decision> = {}): Decision {
  return {
    agentId,
    type: "block",
    since: NOW - 60_000,
    updatedAt: NOW - 60_000,
    expiresAt: NOW + 3_600_000,
    change: "created",
    alertId: `alert-${agentId}`,
    severity: "high",
    riskScore: 0.8,
    level: 0,
    shadow: false,
    incidentKey: `incident-${agentId}`,
    reason: "enumeration: 48 distinct ids in 60s",
    ...overrides,
  };
}

/** A decision source with the DecisionStore's change-feed semantics, small enough to trust. */
export class TestDecisions implements DecisionSource {
  readonly current = new Map<string, Decision>();
  readonly allowed = new Set<string>();
  readonly #feed: Array<{ seq: number; decision?: Decision; removed?: string }> = [];
  #seq = 0;

  constructor(
    private readonly maxChanges = 1000,
    private readonly configAllowlist: string[] = [],
  ) {}

  put(decision: Decision): void {
    this.current.set(decision.agentId, decision);
    this.#push({ seq: ++this.#seq, decision });
  }

  #push(entry: { seq: number; decision?: Decision; removed?: string }): void {
    this.#feed.push(entry);
    if (this.#feed.length > this.maxChanges) this.#feed.shift();
  }

  async get(agentId: string) {
    return this.current.get(agentId);
  }

  async add(request: Parameters<DecisionSource["add"]>[0]) {
    const at = Date.now();
    const decision = makeDecision(request.agentId, {
      type: request.type,
      since: at,
      updatedAt: at,
      expiresAt: at + request.durationMs,
      reason: `manual: ${request.reason}`,
    });
    this.put(decision);
    return decision;
  }

  async changesSince(cursor: string | undefined) {
    const from = cursor === undefined ? Number.NaN : Number(cursor);
    const oldest = this.#feed[0]?.seq ?? this.#seq + 1;
    if (!Number.isInteger(from) || from > this.#seq || from < oldest - 1) {
      return { added: [...this.current.values()], removed: [], cursor: String(this.#seq), reset: true };
    }
    const added = new Map<string, Decision>();
    const removed = new Set<string>();
    for (const entry of this.#feed.filter((e) => e.seq > from)) {
      if (entry.decision) {
        added.set(entry.decision.agentId, entry.decision);
        removed.delete(entry.decision.agentId);
      } else if (entry.removed) {
        added.delete(entry.removed);
        removed.add(entry.removed);
      }
    }
    return { added: [...added.values()], removed: [...removed], cursor: String(this.#seq), reset: false };
  }

  async unblock(agentId: string) {
    if (!this.current.delete(agentId)) return false;
    this.#push({ seq: ++this.#seq, removed: agentId });
    return true;
  }

  readonly allowlist = {
    add: async (entry: string) => {
      // A real store may refuse entries the schema lets through; the API must answer 400.
      if (entry === "0.0.0.0/0") throw new RangeError("refusing to allowlist every address");
      const had = this.allowed.has(entry);
      this.allowed.add(entry);
      return !had;
    },
    remove: async (entry: string) => this.allowed.delete(entry),
    list: async () => [
      ...this.configAllowlist.map((entry) => ({ entry, source: "config" as const })),
      ...[...this.allowed].sort().map((entry) => ({ entry, source: "api" as const })),
    ],
  };
}

/** An agent as a directory returns it, with a small stand-in for the engine's profile summary. */
export function makeSummary(agentId: string, risk: number, tier: Tier, lastSeenMs = NOW): AgentDetail {
  return {
    agentId,
    risk,
    tier,
    lastSeenMs,
    profile: {
      agentId,
      endpoints: [{ method: "GET", template: "/customers/{id}", share: 0.8 }],
      networks: [{ value: "203.0.113.0/24" }],
    },
  };
}

export class FakeProfiles implements LocalProfiles {
  readonly agents = new Map<string, AgentDetail>();
  add(detail: AgentDetail): this {
    this.agents.set(detail.agentId, detail);
    return this;
  }
  ids() {
    return this.agents.keys();
  }
  brief(agentId: string) {
    const detail = this.agents.get(agentId);
    return detail && { agentId, risk: detail.risk, tier: detail.tier, lastSeenMs: detail.lastSeenMs };
  }
  summarize(agentId: string) {
    return this.agents.get(agentId)?.profile;
  }
}

let alertCounter = 0;
export function makeAlert(agentId: string, severity: Severity, timestampMs = NOW): Alert {
  alertCounter += 1;
  return {
    id: `a-${alertCounter}-${agentId}`,
    agentId,
    identitySource: "header",
    authenticated: true,
    severity,
    riskScore: 0.75,
    timestamp: new Date(timestampMs).toISOString(),
    requestId: `req-${alertCounter}`,
    action: "block",
    reasons: [{ detector: "enumeration", score: 0.9, detail: "48 distinct ids in 60s, 41 sequential" }],
    request: { method: "GET", template: "/customers/{id}", status: 404, clientIp: "203.0.113.9" },
  };
}

export interface TestServerOptions {
  keys?: TestKeys;
  options?: Record<string, unknown>;
  deps?: Partial<StatusApiDeps>;
}

/** Builds the server as main does; `logs` collects every log line it writes. */
export function buildTestServer(setup: TestServerOptions = {}) {
  const keys = setup.keys ?? makeKeys();
  const logs: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (line: string) => logs.push(line) } });
  const profiles = new FakeProfiles()
    .add(makeSummary("agent-high", 0.82, "high"))
    .add(makeSummary("agent-low", 0.31, "low", NOW - 86_400_000))
    .add(makeSummary("agent-calm", 0.05, "none"));
  const decisions = new TestDecisions();
  const alerts: AlertLog = createMemoryAlertLog(100);
  const clock = { now: NOW };
  const metrics = createMetrics({ processMetrics: false });
  const deps: StatusApiDeps = {
    agents: createLocalAgentDirectory(profiles),
    alerts,
    decisions,
    testSinks: async () => [
      { sink: "slack", ok: true, detail: "200 ok" },
      { sink: "pagerduty", ok: false, detail: "SINK_REJECTED: 400" },
    ],
    readiness: () => ({ ready: true, checks: { sources: true, state: true } }),
    metrics,
    logger,
    now: () => clock.now,
    ...setup.deps,
  };
  const options = statusApiOptionsSchema.parse({
    keys: keys.entries,
    rateLimit: { perSecond: 1000, burst: 1000 },
    ...setup.options,
  });
  const app = buildStatusServer(deps, options, { version: "test" });
  return { app, keys, logs, profiles, decisions, alerts, clock, metrics, deps, options };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Follows `nextCursor` to the last page and returns every item in order. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
