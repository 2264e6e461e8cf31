/**
 * `agentwatch replay`: runs recorded gateway logs through the whole core as fast as it can, in
 * event time, and writes the alerts it would have raised live. The contract later checks rely
 * on: exit 0 once the input was read, even when lines were rejected.
 */
import { performance } from "node:perf_hooks";
import type { Engine } from "../engine/engine.js";
import type { Severity } from "../engine/types.js";
import type { ErrorCode } from "../errors.js";
import { JsonlWriter } from "../ingest/jsonl-writer.js";
import { LineSplitter } from "../ingest/line-splitter.js";
import { drain, openInput } from "../ingest/sources.js";
import type { LineDecoder } from "../parse/decoder.js";
import { EventPipeline } from "../pipeline/event-pipeline.js";

export interface ReplayOptions {
  inputs: string[];
  alertsOut: string;
  rejectsOut?: string;
  summaryOut?: string;
  maxLineBytes: number;
}

export interface ReplaySummary {
  linesRead: number;
  eventsRead: number;
  rejected: { total: number; byReason: Partial<Record<ErrorCode, number>> };
  agents: number;
  alerts: { total: number; bySeverity: Record<Severity, number> };
  durationMs: number;
  eventsPerSecond: number;
}

export async function replay(
  options: ReplayOptions,
  decode: LineDecoder,
  engine: Engine,
): Promise<ReplaySummary> {
  const alerts = new JsonlWriter(options.alertsOut);
  const rejects = options.rejectsOut ? new JsonlWriter(options.rejectsOut) : undefined;
  const pipeline = new EventPipeline(decode, engine, {
    onAlert: (alert) => alerts.write(alert),
    onReject: (record) => rejects?.write(record),
  });

  const started = performance.now();
  for (const input of options.inputs) {
    const splitter = new LineSplitter(
      options.maxLineBytes,
      (line, lineNumber) => pipeline.handleLine(line, lineNumber, input),
      (lineNumber, code, raw) => pipeline.rejectLine(lineNumber, code, raw, input),
    );
    await drain(openInput(input), splitter);
  }
  const durationMs = performance.now() - started;
  await Promise.all([alerts.close(), rejects?.close()]);

  const counters = pipeline.counters;
  // The engine counts its alerts; the pipeline counts lines and rejects.
  const { alertsBySeverity } = engine.stats();
  const alertsTotal = Object.values(alertsBySeverity).reduce((a, b) => a + b, 0);
  const summary: ReplaySummary = {
    linesRead: counters.linesRead,
    eventsRead: counters.eventsApplied,
    rejected: { total: counters.rejected, byReason: counters.rejectedByReason },
    agents: engine.profiles.size,
    alerts: { total: alertsTotal, bySeverity: alertsBySeverity },
    durationMs: Math.round(durationMs),
    eventsPerSecond: Math.round(counters.eventsApplied / Math.max(durationMs / 1000, 1e-9)),
  };
  if (options.summaryOut) {
    const writer = new JsonlWriter(options.summaryOut);
    writer.write(summary);
    await writer.close();
  }
  return summary;
}
