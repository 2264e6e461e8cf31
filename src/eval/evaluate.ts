/**
 * One evaluation pass: every decoded event goes, in stream order, to the scorer of each system
 * (agentwatch and the baselines) and then to the system itself; the detections it raises are
 * scored against the labels. Pure and synchronous, like the core it measures.
 */
import type { Alert, Severity } from "../engine/types.js";
import type { ErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import type { LabelsFile } from "../sim/labels.js";
import { type Level, maliciousIds, Scorer, type SystemMetrics, type Verdict } from "./metrics.js";
import type { EvalSystem } from "./system.js";

/** How an agentwatch alert maps to the evaluation's levels: medium throttles, high and critical block. */
export function levelOfSeverity(severity: Severity): Level | undefined {
  if (severity === "high" || severity === "critical") return "block";
  if (severity === "medium") return "throttle";
  return undefined;
}

/** Anything that turns events into alerts: the engine satisfies this. */
export interface AlertSource {
  process(event: NormalizedEvent): Alert | undefined;
}

/** agentwatch as an evaluated system: the engine, alert by alert. */
export function engineSystem(engine: AlertSource): EvalSystem<NormalizedEvent> {
  return {
    name: "agentwatch",
    description: "agentwatch engine: medium alert = throttle, high/critical = block",
    inspect(e) {
      const alert = engine.process(e);
      const level = alert && levelOfSeverity(alert.severity);
      return level && { level, cause: alert.reasons[0]?.detector ?? "risk" };
    },
  };
}

/** The fields of a recorded alert the evaluation needs (an alerts file from `agentwatch replay`). */
export interface AlertRecord {
  agentId: string;
  severity: Severity;
  /** ISO 8601 event time of the triggering event. */
  timestamp: string;
  requestId?: string | undefined;
  /** Strongest first; the first one's detector is reported as the cause. */
  reasons?: { detector: string }[] | undefined;
}

/** Block wins over throttle; on a tie the earlier verdict stays. */
function stronger(a: Verdict | undefined, b: Verdict | undefined): Verdict | undefined {
  if (!a) return b;
  return b && b.level === "block" && a.level !== "block" ? b : a;
}

/**
 * agentwatch from a recorded alerts file. An alert is attributed to the event whose request id it
 * names; an alert without a request id to its agent's first event at or after its timestamp.
 */
export function alertsFileSystem(alerts: readonly AlertRecord[]): EvalSystem<NormalizedEvent> {
  const byRequest = new Map<string, Verdict>();
  const pending = new Map<string, { at: number; verdict: Verdict }[]>();
  for (const a of alerts) {
    const level = levelOfSeverity(a.severity);
    if (!level) continue;
    const verdict: Verdict = { level, cause: a.reasons?.[0]?.detector ?? "risk" };
    if (a.requestId) byRequest.set(a.requestId, stronger(byRequest.get(a.requestId), verdict) as Verdict);
    else {
      const list = pending.get(a.agentId) ?? [];
      list.push({ at: Date.parse(a.timestamp), verdict });
      pending.set(a.agentId, list);
    }
  }
  for (const list of pending.values()) list.sort((x, y) => x.at - y.at);
  return {
    name: "agentwatch",
    description: "agentwatch alerts file: medium alert = throttle, high/critical = block",
    inspect(e) {
      let verdict = e.requestId ? byRequest.get(e.requestId) : undefined;
      const list = pending.get(e.agentId);
      while (list?.length && (list[0]?.at as number) <= e.timestamp)
        verdict = stronger(verdict, list.shift()?.verdict);
      return verdict;
    },
  };
}

export interface StreamStats {
  lines: number;
  events: number;
  rejected: number;
  rejectedByReason: Partial<Record<ErrorCode, number>>;
  /** Agents in the labels. */
  agents: number;
  /** Agents that sent at least one request in the stream (the false-positive rate's denominator). */
  activeAgents: number;
  attackedAgents: number;
  maliciousEvents: number;
  /** Malicious request ids from the labels that the stream actually carried. */
  maliciousMatched: number;
}

export interface EvaluationResult {
  stream: StreamStats;
  systems: { name: string; description: string; metrics: SystemMetrics }[];
}

export class Evaluation {
  private readonly scorers: Scorer[];
  private readonly malicious: Set<string>;
  private readonly stats: StreamStats;
  private readonly active = new Set<string>();

  constructor(
    labels: LabelsFile,
    private readonly systems: readonly EvalSystem<NormalizedEvent>[],
  ) {
    this.malicious = maliciousIds(labels.agents);
    this.scorers = systems.map(() => new Scorer(labels.agents, this.malicious));
    this.stats = {
      lines: 0,
      events: 0,
      rejected: 0,
      rejectedByReason: {},
      agents: labels.agents.length,
      activeAgents: 0,
      attackedAgents: labels.agents.filter((a) => a.kind !== "benign" && a.maliciousRequestIds.length > 0)
        .length,
      maliciousEvents: this.malicious.size,
      maliciousMatched: 0,
    };
  }

  line(): void {
    this.stats.lines++;
  }

  reject(code: ErrorCode): void {
    this.stats.rejected++;
    this.stats.rejectedByReason[code] = (this.stats.rejectedByReason[code] ?? 0) + 1;
  }

  event(e: NormalizedEvent): void {
    this.stats.events++;
    this.active.add(e.agentId);
    if (this.malicious.has(e.requestId)) this.stats.maliciousMatched++;
    for (let i = 0; i < this.systems.length; i++) {
      const scorer = this.scorers[i] as Scorer;
      scorer.observe(e.agentId, e.requestId);
      const verdict = (this.systems[i] as EvalSystem<NormalizedEvent>).inspect(e);
      if (verdict) scorer.detect(e.agentId, verdict, e.timestamp);
    }
  }

  result(): EvaluationResult {
    return {
      stream: { ...this.stats, activeAgents: this.active.size },
      systems: this.systems.map((s, i) => ({
        name: s.name,
        description: s.description,
        metrics: (this.scorers[i] as Scorer).result(),
      })),
    };
  }
}
