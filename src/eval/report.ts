/**
 * The evaluation's outputs: the issue's targets checked against agentwatch's figures, a plain-text
 * table (agentwatch and both baselines, per attack kind) and the JSON document behind it.
 */
import { ALL_ATTACK_KINDS } from "../sim/settings.js";
import type { EvaluationResult } from "./evaluate.js";
import type { Detection, SystemMetrics } from "./metrics.js";

/** The detection-quality targets of issue 5. */
export const TARGETS = {
  /** Recall over attacked agents at the block level, at least. */
  blockRecall: 0.95,
  /** Share of all agents falsely throttled, at most. */
  falseThrottleRate: 0.01,
  /** Median malicious requests before the first (throttle-level) alert, at most. */
  medianTimeToDetect: 10,
  /** Every destructive-injection agent blocked within this many malicious requests. */
  destructiveBlockedWithin: 3,
} as const;

export interface TargetCheck {
  name: string;
  value: number | null;
  target: string;
  met: boolean;
}

export function checkTargets(m: SystemMetrics): TargetCheck[] {
  const destructive = m.byKind["destructive-injection"];
  const destructiveWorst =
    destructive && destructive.block.detected === destructive.agents
      ? destructive.block.maxTimeToDetect
      : null;
  return [
    {
      name: "recall at block level",
      value: m.block.recall,
      target: `>= ${TARGETS.blockRecall}`,
      met: m.block.recall >= TARGETS.blockRecall,
    },
    {
      name: "agents falsely throttled (share of active agents)",
      value: m.throttle.falsePositiveRate,
      target: `<= ${TARGETS.falseThrottleRate}`,
      met: m.throttle.falsePositiveRate <= TARGETS.falseThrottleRate,
    },
    {
      name: "median malicious requests before the first alert",
      value: m.throttle.medianTimeToDetect,
      target: `<= ${TARGETS.medianTimeToDetect}`,
      met:
        m.throttle.medianTimeToDetect !== null && m.throttle.medianTimeToDetect <= TARGETS.medianTimeToDetect,
    },
    {
      name: "destructive injection: malicious requests until blocked (worst agent, all must be blocked)",
      value: destructive ? destructiveWorst : null,
      target: `<= ${TARGETS.destructiveBlockedWithin}`,
      met:
        !destructive || (destructiveWorst !== null && destructiveWorst <= TARGETS.destructiveBlockedWithin),
    },
  ];
}

export interface EvalReport extends EvaluationResult {
  /** agentwatch's figures against the issue's targets (absent when agentwatch was not evaluated). */
  targets: TargetCheck[] | undefined;
}

export function buildReport(result: EvaluationResult): EvalReport {
  const aw = result.systems.find((s) => s.name === "agentwatch");
  return { ...result, targets: aw ? checkTargets(aw.metrics) : undefined };
}

const fmt = (x: number | null) => (x === null ? "-" : String(Math.round(x * 1000) / 1000));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "-";
const listSome = (xs: readonly string[], max = 12) =>
  xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", ");

function cells(throttle: Detection, block: Detection, agents: number): string[] {
  return [
    `${throttle.detected}/${agents}`,
    `${block.detected}/${agents}`,
    `${fmt(throttle.medianTimeToDetect)}/${fmt(block.medianTimeToDetect)}`,
  ];
}

/** One row per attack kind, then all attacked agents and false alerts; three cells per system. */
function tableRows(report: EvalReport): { head: string[]; sub: string[]; rows: string[][] } {
  const s = report.stream;
  const head = ["attack kind (agents)"];
  const sub = [""];
  for (const sys of report.systems) {
    head.push(sys.name, "", "");
    sub.push("thr", "blk", "ttd");
  }
  const rows: string[][] = [];
  const first = report.systems[0]?.metrics;
  const kinds = ALL_ATTACK_KINDS.filter((k) => first?.byKind[k]);
  for (const kind of kinds) {
    const agents = first?.byKind[kind]?.agents ?? 0;
    const row = [`${kind} (${agents})`];
    for (const sys of report.systems) {
      const k = sys.metrics.byKind[kind];
      row.push(...(k ? cells(k.throttle, k.block, agents) : ["-", "-", "-"]));
    }
    rows.push(row);
  }
  const allRow = [`all attacked (${s.attackedAgents})`];
  for (const sys of report.systems) {
    allRow.push(...cells(sys.metrics.throttle, sys.metrics.block, s.attackedAgents));
  }
  rows.push(allRow);
  const fpRow = ["falsely alerted agents"];
  for (const sys of report.systems) {
    const m = sys.metrics;
    fpRow.push(
      String(m.throttle.falsePositiveAgents),
      String(m.block.falsePositiveAgents),
      pct(m.throttle.falsePositiveRate),
    );
  }
  rows.push(fpRow);
  return { head, sub, rows };
}

/** The human-readable table: one row per attack kind, three columns per system. */
export function formatTable(report: EvalReport): string {
  const s = report.stream;
  const lines: string[] = [];
  lines.push(
    `agentwatch eval: ${s.events} events (${s.rejected} rejected lines), ${s.activeAgents} active agents, ` +
      `${s.attackedAgents} attacked, ${s.maliciousMatched}/${s.maliciousEvents} malicious requests seen`,
  );
  lines.push(
    "columns per system: agents throttled / agents blocked / median malicious requests to detect (throttle/block)",
  );
  lines.push("");
  const { head, sub, rows: body } = tableRows(report);
  const rows = [head, sub, ...body];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  for (const r of rows)
    lines.push(
      r
        .map((cell, c) => cell.padEnd((widths[c] ?? 0) + 2))
        .join("")
        .trimEnd(),
    );
  lines.push("");
  lines.push(
    "(falsely alerted: benign agents alerted + attacked agents alerted before their attack; % = throttled share of active agents)",
  );
  for (const sys of report.systems) lines.push(`${sys.name}: ${sys.description}`);
  if (report.targets) {
    lines.push("");
    lines.push("targets (agentwatch):");
    for (const t of report.targets) {
      lines.push(
        `  ${t.met ? "MET " : "MISS"}  ${t.name}: ${t.value === null ? "-" : fmt(t.value)} (target ${t.target})`,
      );
    }
  }
  const aw = report.systems.find((x) => x.name === "agentwatch")?.metrics;
  if (aw) {
    lines.push("");
    lines.push("agentwatch, what raised the first alert:");
    for (const [kind, k] of Object.entries(aw.byKind)) lines.push(`  ${kind}: ${counts(k.throttle.causes)}`);
    if (aw.falsePositiveAgentIds.length > 0) {
      lines.push(
        `  false alerts: ${counts(aw.falsePositiveCauses)}; by case: ${counts(aw.falsePositivesByCase)}`,
      );
      lines.push(`  falsely throttled: ${listSome(aw.falsePositiveAgentIds)}`);
    }
    if (aw.missedAtBlock.length > 0) {
      lines.push(`  not blocked: ${listSome(aw.missedAtBlock.map((m) => `${m.agentId} (${m.kind})`))}`);
    }
  }
  return lines.join("\n");
}

/** The same table as GitHub Markdown (for the README), with the command that produced it. */
export function formatMarkdown(report: EvalReport, command: string): string {
  const { rows } = tableRows(report);
  const header = [
    "attack kind (agents)",
    ...report.systems.flatMap((x) => ["thr", "blk", "ttd"].map((c) => `${x.name} ${c}`)),
  ];
  const s = report.stream;
  const out = [
    `\`${command}\`: ${s.events} events, ${s.activeAgents} active agents, ${s.attackedAgents} attacked.`,
    "thr/blk: attacked agents throttled/blocked; ttd: median malicious requests before the first throttle/block.",
    "",
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  return out.join("\n");
}
