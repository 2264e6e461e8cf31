/**
 * `agentwatch eval`: measures detection quality on labelled traffic, agentwatch next to the two
 * baselines, through the same decoder and engine `replay` uses (and the user's config, if given).
 *
 * Traffic comes from files (`--events` + `--labels`, any log format the decoder reads that
 * carries request ids) or, without `--events`, from a simulation run in memory with the given
 * preset/seed/settings, rendered to canonical JSON lines and decoded like a file would be.
 *
 * Commander options the CLI maps onto `EvalOptions`:
 *   --events <file|->      labelled traffic; omit to simulate in memory
 *   --labels <file>        ground truth from `simulate --labels` (required with --events)
 *   --format <f>           log format of --events (default: the config's input.format, auto)
 *   --alerts <file>        score a recorded alerts file (from `replay --alerts-out`) instead of running the engine
 *   -c, --config <file>    agentwatch YAML config: decoder and engine options
 *   --preset <name>  --settings <file>  --seed <n>  --agents <n>  --hours <h>   when simulating in memory
 *   --json-out <file>      the full report as JSON
 *   --markdown             print the table as Markdown (for the README) instead of plain text
 *   --explain <agentId>    after the table, that agent's malicious requests and agentwatch's alerts on it, with reasons
 *   -q, --quiet            do not print the table
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { z } from "zod";
import { alertActionsOf } from "../actions/policy.js";
import { formatConfigIssues, loadConfig } from "../config/load.js";
import { type Config, configSchema } from "../config/schema.js";
import { createEngine } from "../engine/engine.js";
import { SEVERITIES } from "../engine/types.js";
import { AgentwatchError, type ErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import { writeOutputFile } from "../ingest/jsonl-writer.js";
import { LineSplitter } from "../ingest/line-splitter.js";
import { drain, openInput } from "../ingest/sources.js";
import { createLineDecoder, type FormatName, type LineDecoder } from "../parse/decoder.js";
import { RENDERERS } from "../sim/formats.js";
import { Simulation } from "../sim/generator.js";
import { type LabelsFile, labelsFileSchema } from "../sim/labels.js";
import type { PresetName } from "../sim/settings.js";
import { resolveSimulateSettings } from "../sim/simulate.js";
import { TokenBucketBaseline } from "./baselines/rate-limit.js";
import { SizeZScoreBaseline } from "./baselines/size-zscore.js";
import { type AlertRecord, alertsFileSystem, Evaluation, engineSystem } from "./evaluate.js";
import { AgentTrace } from "./explain.js";
import { maliciousIds } from "./metrics.js";
import { buildReport, type EvalReport, formatMarkdown, formatTable } from "./report.js";
import type { EvalSystem } from "./system.js";

export interface EvalOptions {
  events?: string;
  labels?: string;
  format?: FormatName;
  alerts?: string;
  config?: string;
  preset?: PresetName;
  settings?: string;
  seed?: number;
  agents?: number;
  hours?: number;
  jsonOut?: string;
  markdown?: boolean;
  /** Agent to trace (engine mode only). */
  explain?: string;
  /** Where the table goes (default stdout); `quiet` suppresses it. */
  print?: (text: string) => void;
  quiet?: boolean;
}

const alertRecordSchema = z.object({
  agentId: z.string(),
  severity: z.enum(SEVERITIES as ["low", "medium", "high", "critical"]),
  timestamp: z.string(),
  requestId: z.string().optional(),
  reasons: z.array(z.object({ detector: z.string() })).optional(),
});

async function readLabels(path: string): Promise<LabelsFile> {
  const parsed = labelsFileSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    throw new AgentwatchError(
      "INVALID_CONFIG",
      `${path} is not a labels file\n${formatConfigIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

async function readAlerts(path: string): Promise<AlertRecord[]> {
  const out: AlertRecord[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    const parsed = alertRecordSchema.safeParse(JSON.parse(line));
    if (!parsed.success) {
      throw new AgentwatchError(
        "INVALID_CONFIG",
        `${path}:${n} is not an alert record\n${formatConfigIssues(parsed.error)}`,
      );
    }
    out.push(parsed.data);
  }
  return out;
}

/**
 * Runs the evaluation and returns the report (also printed as a table and written as JSON when
 * asked). The CLI passes the configuration it loaded once; without it, `opts.config` is loaded.
 */
export async function runEval(
  opts: EvalOptions,
  config: Config = loadConfig(configSchema, opts.config),
): Promise<EvalReport> {
  // A file is read as --format says (else as the config says); a simulation is rendered as canonical JSON.
  const format = opts.events ? (opts.format ?? config.input.format) : "json";

  let labels: LabelsFile;
  let feed: (onLine: (line: string) => void, onReject: (code: ErrorCode) => void) => Promise<void>;
  if (opts.events) {
    if (!opts.labels) throw new AgentwatchError("INVALID_CONFIG", "--labels is required with --events");
    labels = await readLabels(opts.labels);
    const events = opts.events;
    feed = async (onLine, onReject) => {
      const splitter = new LineSplitter(config.input.maxLineLength, onLine, (_, code) => onReject(code));
      await drain(openInput(events), splitter);
    };
  } else {
    const { preset, settings, seed, agents, hours } = opts;
    const sim = new Simulation(await resolveSimulateSettings({ preset, settings, seed, agents, hours }));
    const lines: string[] = [];
    for (const e of sim) lines.push(RENDERERS.json(e));
    labels = sim.labels();
    feed = async (onLine) => {
      for (const line of lines) onLine(line);
    };
  }

  // No wall clock: traffic is judged in its own event time, whenever and wherever this runs.
  const decode: LineDecoder = createLineDecoder({ ...config.input, format });
  const trace = opts.explain ? new AgentTrace(opts.explain, maliciousIds(labels.agents)) : undefined;
  let agentwatch: EvalSystem<NormalizedEvent>;
  if (opts.alerts) agentwatch = alertsFileSystem(await readAlerts(opts.alerts));
  else {
    const engine = createEngine(config.engine, { alertActions: alertActionsOf(config.actions.tiers) });
    agentwatch = engineSystem(trace ? trace.wrap(engine) : engine);
  }
  const evaluation = new Evaluation(labels, [
    agentwatch,
    new TokenBucketBaseline(),
    new SizeZScoreBaseline(),
  ]);
  const batch: NormalizedEvent[] = [];
  await feed(
    (line) => {
      evaluation.line();
      batch.length = 0;
      const rejection = decode(line, batch);
      if (rejection) evaluation.reject(rejection.code);
      for (const e of batch) evaluation.event(e);
    },
    (code) => {
      evaluation.line();
      evaluation.reject(code);
    },
  );

  const report = buildReport(evaluation.result());
  if (report.stream.maliciousEvents > 0 && report.stream.maliciousMatched === 0) {
    throw new AgentwatchError(
      "INVALID_CONFIG",
      "none of the labelled malicious request ids appear in the events: evaluate a format that logs request ids (json, envoy-json, kong)",
    );
  }
  if (!opts.quiet) {
    let text = opts.markdown ? formatMarkdown(report, commandOf(opts)) : formatTable(report);
    if (trace) text += `\n\n${trace.format(labels.agents.find((a) => a.agentId === opts.explain))}`;
    (opts.print ?? ((t: string) => process.stdout.write(`${t}\n`)))(text);
  }
  if (opts.jsonOut) await writeOutputFile(opts.jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** The command line equivalent of `opts`, printed above a Markdown table so it can be reproduced. */
function commandOf(opts: EvalOptions): string {
  const flags: [string, unknown][] = [
    ["--events", opts.events],
    ["--labels", opts.labels],
    ["--format", opts.format],
    ["--alerts", opts.alerts],
    ["--config", opts.config],
    ["--preset", opts.preset],
    ["--settings", opts.settings],
    ["--seed", opts.seed],
    ["--agents", opts.agents],
    ["--hours", opts.hours],
  ];
  return ["agentwatch eval", ...flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${v}`)].join(
    " ",
  );
}
