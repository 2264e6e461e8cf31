/**
 * `agentwatch replay`: the configuration, the decoder and the engine for a replay, and what it
 * prints when done.
 */
import { alertActionsOf } from "../actions/policy.js";
import { createEngine } from "../engine/engine.js";
import { JwtKeys } from "../normalize/jwt-verify.js";
import { createLineDecoder, type FormatName } from "../parse/decoder.js";
import { replay } from "../replay/replay.js";
import { loadWithOverrides } from "./load.js";

export interface ReplayFlags {
  format?: FormatName;
  config?: string;
  alertsOut: string;
  rejectsOut?: string;
  summaryOut?: string;
  quiet?: boolean;
}

export async function runReplayCommand(inputs: string[], flags: ReplayFlags): Promise<void> {
  const config = loadWithOverrides(flags.config, { format: flags.format });
  // The issuer's keys are fetched once, before the first line (a replay is short-lived).
  const jwtKeys = new JwtKeys(config.input.identity.jwt, (message) => process.stderr.write(`${message}\n`));
  await jwtKeys.start();
  const summary = await replay(
    {
      inputs,
      alertsOut: flags.alertsOut,
      rejectsOut: flags.rejectsOut,
      summaryOut: flags.summaryOut,
      maxLineBytes: config.input.maxLineLength,
    },
    // No wall clock: a replay's result depends on its input alone.
    () => createLineDecoder(config.input, undefined, jwtKeys),
    createEngine(config.engine, { alertActions: alertActionsOf(config.actions.tiers) }),
  );
  jwtKeys.stop();
  if (!flags.quiet) process.stderr.write(`${JSON.stringify(summary, null, 2)}\n`);
}
