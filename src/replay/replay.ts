/**
 * `agentwatch replay`: runs recorded gateway logs through the whole core as fast as it can, in
 * event time, and writes the alerts it would have raised live. The contract later checks rely
 * on: exit 0 once the input was read, even when lines were rejected; every input file is checked
 * to be readable before any is read, and one that is not stops the replay (INPUT_UNREADABLE).
 *
 * Each input gets its own decoder (CRI partial lines and the timestamp watermark are per
 * source); all of them feed one engine, so agents seen in several files have one profile.
 */
import { performance } from "node:perf_hooks";
import type { Engine } from "../engine/engine.js";
import type { Severity } from "../engine/types.js";
import { AgentwatchError, type ErrorCode } from "../errors.js";
import { JsonlWriter } from "../ingest/jsonl-writer.js";
import { LineSplitter } from "../ingest/line-splitter.js";
import { assertReadable } from "../ingest/readable-inputs.js";
import { type ChunkSink, drain, openInput } from "../ingest/sources.js";
import type { LineDecoder } from "../parse/decoder.js";
import {
  EventPipeline,
  emptyCounters,
  type PipelineCallbacks,
  type PipelineCounters,
} from "../pipeline/event-pipeline.js";

export interface ReplayOptions {
  inputs: string[];
  alertsOut: string;
  rejectsOut?: string;
  summaryOut?: string;
  maxLineBytes: number;
  /** Told of every alert and reject too (the human report collects from them). */
  observer?: Partial<PipelineCallbacks>;
  /** Counters to count into, so a caller can show progress while the replay runs. */
  counters?: PipelineCounters;
}

export interface ReplaySummary {
  linesRead: number;
  eventsRead: number;
  rejected: { total: number; byReason: Partial<Record<ErrorCode, number>> };
  /** Distinct agents among the events read. */
  agents: number;
  /** Profiles the engine still held at the end: fewer than `agents` once idle or surplus ones were evicted. */
  agentsTracked: number;
  alerts: { total: number; bySeverity: Record<Severity, number> };
  durationMs: number;
  eventsPerSecond: number;
}

/** `createDecoder` is called once per input (see the header). */
export async function replay(
  options: ReplayOptions,
  createDecoder: () => LineDecoder,
  engine: Engine,
): Promise<ReplaySummary> {
  await assertReadable(options.inputs);
  // Together: an output that cannot be created must not leave the others already truncated.
  const outputs = [options.alertsOut, options.rejectsOut, options.summaryOut];
  const writers = await JsonlWriter.openAll(outputs.filter((path) => path !== undefined));
  const [alerts, rejects, summaryWriter] = outputs.map((path) =>
    path === undefined ? undefined : writers.shift(),
  ) as [JsonlWriter, JsonlWriter | undefined, JsonlWriter | undefined];
  const { observer } = options;
  const callbacks: PipelineCallbacks = {
    onAlert: (alert) => {
      alerts.write(alert);
      observer?.onAlert?.(alert);
    },
    onReject: (record) => {
      rejects?.write(record);
      observer?.onReject?.(record);
    },
  };
  const counters = options.counters ?? emptyCounters();
  // Replay input is finite, so an exact set is affordable; the engine's store is bounded.
  const agents = new Set<string>();
  const counting: Pick<Engine, "process"> = {
    process: (event) => {
      agents.add(event.agentId);
      return engine.process(event);
    },
  };

  const started = performance.now();
  for (const input of options.inputs) {
    const pipeline = new EventPipeline(createDecoder(), counting, callbacks, counters);
    const splitter = new LineSplitter(
      options.maxLineBytes,
      (line, lineNumber) => pipeline.handleLine(line, lineNumber, input),
      (lineNumber, code, raw) => pipeline.rejectLine(lineNumber, code, raw, input),
    );
    await drainInput(input, splitter);
    pipeline.end(input);
  }
  const durationMs = performance.now() - started;
  await Promise.all([alerts.close(), rejects?.close()]);

  // The engine counts its alerts; the pipelines count lines and rejects.
  const { alertsBySeverity } = engine.stats();
  const alertsTotal = Object.values(alertsBySeverity).reduce((a, b) => a + b, 0);
  const summary: ReplaySummary = {
    linesRead: counters.linesRead,
    eventsRead: counters.eventsApplied,
    rejected: { total: counters.rejected, byReason: counters.rejectedByReason },
    agents: agents.size,
    agentsTracked: engine.profiles.size,
    alerts: { total: alertsTotal, bySeverity: alertsBySeverity },
    durationMs: Math.round(durationMs),
    eventsPerSecond: Math.round(counters.eventsApplied / Math.max(durationMs / 1000, 1e-9)),
  };
  if (summaryWriter) {
    summaryWriter.write(summary);
    await summaryWriter.close();
  }
  return summary;
}

/**
 * Reads `input` to its end into `sink`. Only a failure of the input itself (checked readable
 * above, so a file removed or failing with EIO since) is INPUT_UNREADABLE; an error thrown while
 * processing its lines (the engine) is not the input's fault and propagates as it is.
 */
async function drainInput(input: string, sink: ChunkSink): Promise<void> {
  let sinkFailure: { error: unknown } | undefined;
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (error) {
        sinkFailure = { error };
        throw error;
      }
    };
  const guarded: ChunkSink = { push: guard((chunk) => sink.push(chunk)), end: guard(() => sink.end()) };
  try {
    await drain(openInput(input), guarded);
  } catch (error) {
    if (sinkFailure) throw sinkFailure.error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AgentwatchError("INPUT_UNREADABLE", `${input}: ${message}`, { cause: error });
  }
}
