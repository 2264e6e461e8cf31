/**
 * The replay report people read (`agentwatch replay` on a terminal, or `--report human`): agents
 * by highest tier with their first alert and top reasons, alerts per detector, rejects by reason,
 * and, when most lines were rejected, a warning that names the format `auto` would have picked.
 * Pure: the observer collects while the replay runs, `formatReplayReport` turns it into text.
 */
import type { Alert, Severity } from "../engine/types.js";
import { CriUnwrapper } from "../parse/cri.js";
import { FORMATS } from "../parse/formats/index.js";
import type { RejectRecord } from "../pipeline/event-pipeline.js";
import type { ReplaySummary } from "./replay.js";

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
/** Rejected lines kept to guess their format from. */
const SAMPLES = 50;
/** Agents listed; the rest are counted. */
const AGENTS_SHOWN = 20;

interface AgentRecord {
  tier: Severity;
  firstAlert: string;
  reasons: Map<string, number>;
}

/** Collects what the report needs from the alerts and rejects of a replay. */
export class ReplayObserver {
  readonly agents = new Map<string, AgentRecord>();
  readonly alertsByDetector = new Map<string, number>();
  readonly rejectSamples: string[] = [];

  onAlert(alert: Alert): void {
    let agent = this.agents.get(alert.agentId);
    if (!agent) {
      agent = { tier: alert.severity, firstAlert: alert.timestamp, reasons: new Map() };
      this.agents.set(alert.agentId, agent);
    }
    if (RANK[alert.severity] > RANK[agent.tier]) agent.tier = alert.severity;
    for (const reason of alert.reasons) {
      agent.reasons.set(reason.detector, (agent.reasons.get(reason.detector) ?? 0) + 1);
      this.alertsByDetector.set(reason.detector, (this.alertsByDetector.get(reason.detector) ?? 0) + 1);
    }
  }

  onReject(record: RejectRecord): void {
    if (this.rejectSamples.length < SAMPLES && record.raw) this.rejectSamples.push(record.raw);
  }
}

/** The format `--format auto` would read most of these lines as, if any. */
export function suggestFormat(lines: readonly string[]): string | undefined {
  const votes = new Map<string, number>();
  // Container logs wrap each line; a fresh unwrapper per line, as the samples are not consecutive.
  for (const raw of lines) {
    const unwrapped = new CriUnwrapper(Number.POSITIVE_INFINITY).unwrap(raw);
    const line = typeof unwrapped === "string" ? unwrapped : raw;
    const format = FORMATS.find((f) => f.sniff(line));
    if (format) votes.set(format.name, (votes.get(format.name) ?? 0) + 1);
  }
  const [best] = [...votes].sort((a, b) => b[1] - a[1]);
  return best && best[1] * 2 >= lines.length ? best[0] : undefined;
}

const n = (value: number) => value.toLocaleString("en-US");

/** Rows padded into columns, indented. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map(
    (row) =>
      `  ${row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join("  ")}`,
  );
}

/**
 * The warning when most lines were rejected, or undefined. With a fixed `format` that does not
 * match the input, every line is rejected and nothing else in the summary says why.
 */
export function rejectionWarning(
  summary: ReplaySummary,
  observer: ReplayObserver,
  format: string,
): string | undefined {
  if (summary.linesRead === 0 || summary.rejected.total * 2 <= summary.linesRead) return undefined;
  const share = Math.round((summary.rejected.total / summary.linesRead) * 100);
  const suggested = suggestFormat(observer.rejectSamples);
  const hint =
    suggested && suggested !== format
      ? `: these lines look like ${suggested}, try --format ${suggested} (or auto)`
      : suggested === undefined
        ? ": no known format recognises them (see --rejects-out for the reasons)"
        : " (see --rejects-out for the reasons)";
  return `warning: ${n(summary.rejected.total)} of ${n(summary.linesRead)} lines (${share}%) were rejected with --format ${format}${hint}`;
}

export function formatReplayReport(summary: ReplaySummary, observer: ReplayObserver, format: string): string {
  const out: string[] = [];
  const seconds = summary.durationMs / 1000;
  out.push(
    `Replayed ${n(summary.linesRead)} lines in ${seconds.toFixed(1)} s: ${n(summary.eventsRead)} events from ${n(summary.agents)} agents, ${n(summary.rejected.total)} rejected, ${n(summary.alerts.total)} alerts.`,
  );
  const agents = [...observer.agents].sort(
    ([a, x], [b, y]) =>
      RANK[y.tier] - RANK[x.tier] || x.firstAlert.localeCompare(y.firstAlert) || a.localeCompare(b),
  );
  if (agents.length > 0) {
    out.push("", `Agents by highest tier (${n(agents.length)} alerted):`);
    const rows = agents.slice(0, AGENTS_SHOWN).map(([id, agent]) => [
      agent.tier,
      id,
      agent.firstAlert,
      [...agent.reasons]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 3)
        .map(([detector, count]) => `${detector} (${count})`)
        .join(", "),
    ]);
    out.push(...columns([["TIER", "AGENT", "FIRST ALERT", "TOP REASONS"], ...rows]));
    if (agents.length > AGENTS_SHOWN)
      out.push(`  ... and ${n(agents.length - AGENTS_SHOWN)} more (see --alerts-out)`);
  } else {
    out.push("", "No agent was alerted on.");
  }
  if (observer.alertsByDetector.size > 0) {
    out.push("", "Findings in alerts, by detector:");
    const rows = [...observer.alertsByDetector]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([detector, count]) => [detector, n(count)]);
    out.push(...columns(rows));
  }
  const rejects = Object.entries(summary.rejected.byReason).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  if (rejects.length > 0) {
    out.push("", "Rejected lines, by reason:");
    out.push(...columns(rejects.map(([code, count]) => [code, n(count ?? 0)])));
  }
  const warning = rejectionWarning(summary, observer, format);
  if (warning) out.push("", warning);
  return `${out.join("\n")}\n`;
}
