/**
 * Detection-quality metrics of one system (agentwatch or a baseline) against ground-truth labels.
 *
 * The scorer is fed the labelled stream in order: `observe` for every event (so it knows how many
 * malicious requests each agent has sent so far), then `detect` for every detection a system
 * raised on that event. Definitions, per level (throttle = medium or worse, block = high or worse):
 * - recall: attacked agents with a detection at or after their first malicious request, over
 *   attacked agents that sent at least one malicious request inside the run;
 * - false positives: benign agents with any detection, plus attacked agents with a detection
 *   before their first malicious request; the rate is over all agents;
 * - time to detect: malicious requests the agent had sent up to and including the request that
 *   triggered its first detection; the median is over detected agents (misses show in recall).
 */
import { median } from "simple-statistics";
import type { AgentLabel } from "../sim/labels.js";

export const LEVELS = ["throttle", "block"] as const;
export type Level = (typeof LEVELS)[number];

/** A system's decision on one event. */
export interface Verdict {
  level: Level;
  /** What triggered it: the strongest detector for agentwatch, the rule for a baseline. */
  cause: string;
}

/** How many agents of a group were detected, and how fast. */
export interface Detection {
  detected: number;
  recall: number;
  /** Median malicious requests until the first detection, over detected agents; null when none. */
  medianTimeToDetect: number | null;
  /** Worst case over detected agents; null when none. */
  maxTimeToDetect: number | null;
  /** What raised each agent's first detection, counted. */
  causes: Record<string, number>;
}

export interface LevelMetrics extends Detection {
  attackedAgents: number;
  /** Benign agents with a detection. */
  benignAlerted: number;
  /** Attacked agents with a detection before their attack began. */
  alertedBeforeAttack: number;
  falsePositiveAgents: number;
  /** `falsePositiveAgents` over all agents that sent at least one request. */
  falsePositiveRate: number;
}

export interface KindMetrics {
  agents: number;
  throttle: Detection;
  block: Detection;
}

export interface SystemMetrics {
  throttle: LevelMetrics;
  block: LevelMetrics;
  /** Per attack kind. */
  byKind: Record<string, KindMetrics>;
  /** What raised each falsely throttled agent's first false alert, counted. */
  falsePositiveCauses: Record<string, number>;
  /** Falsely throttled agents by benign case (`regular` for benign agents with no special case, `attacked` for early alerts). */
  falsePositivesByCase: Record<string, number>;
  /** Ids of falsely throttled agents, for looking into them. */
  falsePositiveAgentIds: string[];
  /** Attacked agents never blocked, with their kind. */
  missedAtBlock: { agentId: string; kind: string }[];
}

interface AgentState {
  label: AgentLabel;
  attackStart: number | undefined;
  /** Sent at least one request in the stream (labelled agents that stayed silent cannot be alerted). */
  seen: boolean;
  maliciousSeen: number;
  /** Malicious requests seen when the first detection at each level happened; -1 = none yet. */
  firstTtd: [number, number];
  firstCause: [string, string];
  early: [boolean, boolean];
  earlyCause: string;
}

export class Scorer {
  private readonly agents = new Map<string, AgentState>();
  private readonly malicious: Set<string>;

  constructor(labels: readonly AgentLabel[], malicious?: Set<string>) {
    for (const label of labels) {
      this.agents.set(label.agentId, {
        label,
        attackStart: label.firstMaliciousAt ? Date.parse(label.firstMaliciousAt) : undefined,
        seen: false,
        maliciousSeen: 0,
        firstTtd: [-1, -1],
        firstCause: ["", ""],
        early: [false, false],
        earlyCause: "",
      });
    }
    this.malicious = malicious ?? maliciousIds(labels);
  }

  /** Call for every event, in stream order, before the detections it triggered. */
  observe(agentId: string, requestId: string): void {
    const a = this.agents.get(agentId);
    if (!a) return;
    a.seen = true;
    if (this.malicious.has(requestId)) a.maliciousSeen++;
  }

  /** A system decided `verdict` on an event of `agentId` at `timestamp` (epoch ms). Block implies throttle. */
  detect(agentId: string, verdict: Verdict, timestamp: number): void {
    const a = this.agents.get(agentId);
    if (!a) return; // not a labelled agent (e.g. an identity the parser derived from an IP)
    const upTo = verdict.level === "block" ? 2 : 1;
    for (let i = 0; i < upTo; i++) {
      if (a.attackStart === undefined || timestamp < a.attackStart || a.maliciousSeen === 0) {
        if (i === 0 && !a.early[0]) a.earlyCause = verdict.cause;
        a.early[i] = true;
      } else if (a.firstTtd[i] === -1) {
        a.firstTtd[i] = a.maliciousSeen;
        a.firstCause[i] = verdict.cause;
      }
    }
  }

  result(): SystemMetrics {
    const all = [...this.agents.values()].filter((a) => a.seen);
    const groups = new Map<string, AgentState[]>();
    for (const a of all.filter(isAttacked))
      groups.set(a.label.kind, [...(groups.get(a.label.kind) ?? []), a]);
    const byKind: Record<string, KindMetrics> = {};
    for (const [kind, members] of groups) {
      byKind[kind] = {
        agents: members.length,
        throttle: detection(members, 0),
        block: detection(members, 1),
      };
    }
    const falsePositivesByCase: Record<string, number> = {};
    const falsePositiveCauses: Record<string, number> = {};
    const falsePositiveAgentIds: string[] = [];
    for (const a of all) {
      if (!a.early[0]) continue;
      const c = a.label.kind !== "benign" ? "attacked" : (a.label.benignCase ?? "regular");
      falsePositivesByCase[c] = (falsePositivesByCase[c] ?? 0) + 1;
      falsePositiveCauses[a.earlyCause] = (falsePositiveCauses[a.earlyCause] ?? 0) + 1;
      falsePositiveAgentIds.push(a.label.agentId);
    }
    return {
      throttle: this.level(all, 0),
      block: this.level(all, 1),
      byKind,
      falsePositiveCauses,
      falsePositivesByCase,
      falsePositiveAgentIds,
      missedAtBlock: all
        .filter((a) => isAttacked(a) && a.firstTtd[1] === -1)
        .map((a) => ({ agentId: a.label.agentId, kind: a.label.kind })),
    };
  }

  private level(all: AgentState[], i: 0 | 1): LevelMetrics {
    const attacked = all.filter(isAttacked);
    const benignAlerted = all.filter((a) => a.label.kind === "benign" && a.early[i]).length;
    const alertedBeforeAttack = all.filter((a) => a.label.kind !== "benign" && a.early[i]).length;
    const fp = benignAlerted + alertedBeforeAttack;
    return {
      ...detection(attacked, i),
      attackedAgents: attacked.length,
      benignAlerted,
      alertedBeforeAttack,
      falsePositiveAgents: fp,
      falsePositiveRate: all.length ? fp / all.length : 0,
    };
  }
}

function detection(members: readonly AgentState[], i: 0 | 1): Detection {
  const detected = members.filter((a) => a.firstTtd[i] >= 0);
  const ttd = detected.map((a) => a.firstTtd[i]);
  const causes: Record<string, number> = {};
  for (const a of detected) causes[a.firstCause[i]] = (causes[a.firstCause[i]] ?? 0) + 1;
  return {
    causes,
    detected: ttd.length,
    recall: members.length ? ttd.length / members.length : 1,
    medianTimeToDetect: ttd.length ? median(ttd) : null,
    maxTimeToDetect: ttd.length ? Math.max(...ttd) : null,
  };
}

/** An attacked agent counts only if its attack actually started inside the simulated window. */
function isAttacked(a: AgentState): boolean {
  return a.label.kind !== "benign" && a.label.maliciousRequestIds.length > 0;
}

export function maliciousIds(labels: readonly AgentLabel[]): Set<string> {
  const out = new Set<string>();
  for (const l of labels) for (const id of l.maliciousRequestIds) out.add(id);
  return out;
}
