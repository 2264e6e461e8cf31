/**
 * `agentwatch replay`: the configuration, the decoder and the engine for a replay, and what it
 * prints when done.
 */
import { alertActionsOf } from "../actions/policy.js";
import { createEngine } from "../engine/engine.js";
import { JwtKeys } from "../normalize/jwt-verify.js";
import { createLineDecoder, type FormatName } from "../parse/decoder.js";
import { emptyCounters } from "../pipeline/event-pipeline.js";
import { type ReplaySummary, replay } from "../replay/replay.js";
import { formatReplayReport, ReplayObserver, rejectionWarning } from "../replay/report.js";
import { loadWithOverrides } from "./load.js";

/** `auto`: the human report on a terminal, the JSON summary otherwise (scripts, pipes, files). */
export type ReportStyle = "auto" | "human" | "json";

export interface ReplayFlags {
  report: ReportStyle;
  format?: FormatName;
  config?: string;
  alertsOut: string;
  rejectsOut?: string;
  summaryOut?: string;
  quiet?: boolean;
}

/** How often the progress line is redrawn. */
const PROGRESS_MS = 500;

export async function runReplayCommand(inputs: string[], flags: ReplayFlags): Promise<void> {
  const config = loadWithOverrides(flags.config, { format: flags.format });
  // The issuer's keys are fetched once, before the first line (a replay is short-lived).
  const jwtKeys = new JwtKeys(config.input.identity.jwt, (message) => process.stderr.write(`${message}\n`));
  await jwtKeys.start();
  const terminal = process.stderr.isTTY === true;
  const observer = new ReplayObserver();
  const counters = emptyCounters();
  // A progress line while a large input is read, only for a person watching.
  const started = performance.now();
  const progress =
    terminal && !flags.quiet
      ? setInterval(() => drawProgress(counters.linesRead, started), PROGRESS_MS)
      : undefined;
  let summary: ReplaySummary;
  try {
    summary = await replay(
      {
        inputs,
        alertsOut: flags.alertsOut,
        rejectsOut: flags.rejectsOut,
        summaryOut: flags.summaryOut,
        maxLineBytes: config.input.maxLineLength,
        observer,
        counters,
      },
      // No wall clock: a replay's result depends on its input alone.
      () => createLineDecoder(config.input, undefined, jwtKeys),
      createEngine(config.engine, { alertActions: alertActionsOf(config.actions.tiers) }),
    );
  } finally {
    jwtKeys.stop();
    if (progress) {
      clearInterval(progress);
      process.stderr.write("\r\u001b[K");
    }
  }
  const human = flags.report === "human" || (flags.report === "auto" && terminal);
  if (!flags.quiet) {
    process.stderr.write(
      human
        ? formatReplayReport(summary, observer, config.input.format)
        : `${JSON.stringify(summary, null, 2)}\n`,
    );
  }
  // The warning stands on its own line whatever the style: JSON alone would hide it from people.
  const warning = rejectionWarning(summary, observer, config.input.format);
  if (warning && !(human && !flags.quiet)) process.stderr.write(`agentwatch: ${warning}\n`);
}

function drawProgress(lines: number, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(lines / Math.max(seconds, 1e-3));
  process.stderr.write(
    `\r\u001b[Kreading: ${lines.toLocaleString("en-US")} lines, ${rate.toLocaleString("en-US")} lines/s, ${seconds.toFixed(1)} s`,
  );
}
