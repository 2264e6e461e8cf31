#!/usr/bin/env node
/**
 * The `agentwatch` command line. Each subcommand parses its flags, loads the configuration once
 * and hands over to the module that does the work; nothing here knows how events are processed.
 */
import { inspect } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import { stringify as stringifyYaml } from "yaml";
import { DETECTORS } from "../detectors/index.js";
import { alertActionsOf } from "./actions/policy.js";
import { loadConfig } from "./config/load.js";
import { type Config, configSchema } from "./config/schema.js";
import { createEngine } from "./engine/engine.js";
import { AgentwatchError } from "./errors.js";
import { runEval } from "./eval/run.js";
import { assertReadable } from "./ingest/readable-inputs.js";
import { createKeyCommand } from "./keys/keys.js";
import { startService, VERSION } from "./main.js";
import { JwtKeys } from "./normalize/jwt-verify.js";
import { createLineDecoder, FORMAT_NAMES, type FormatName } from "./parse/decoder.js";
import { replay } from "./replay/replay.js";
import { SIM_FORMATS } from "./sim/formats.js";
import { PRESET_NAMES } from "./sim/settings.js";
import { runSimulate } from "./sim/simulate.js";

/**
 * Read once and removed: every other AGENTWATCH_* variable overrides a config field, and a
 * `debug` field does not exist, so config loading (here, in eval, in Kafka workers) must not see it.
 */
const DEBUG = Boolean(process.env.AGENTWATCH_DEBUG);
delete process.env.AGENTWATCH_DEBUG;

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive number");
  return parsed;
}

function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError("expected a whole number");
  return parsed;
}

/** Loads the config file (if any) with the command-line flags that override it. */
function loadWithOverrides(
  configPath: string | undefined,
  overrides: { format?: FormatName; kafkaBrokers?: string; topic?: string },
): Config {
  const flags: Record<string, Record<string, unknown>> = {};
  if (overrides.format) flags.input = { format: overrides.format };
  if (overrides.kafkaBrokers || overrides.topic) {
    flags.kafka = {
      ...(overrides.kafkaBrokers ? { brokers: overrides.kafkaBrokers } : {}),
      ...(overrides.topic ? { inputTopic: overrides.topic } : {}),
    };
  }
  return loadConfig(configSchema, configPath, process.env, flags);
}

const formatOption = () =>
  new Option(
    "-f, --format <format>",
    "log format of the input (default: the config's input.format, auto)",
  ).choices(FORMAT_NAMES);

function buildCli(): Command {
  const program = new Command("agentwatch")
    .description("Watch AI agents' API traffic, profile each agent, and stop the ones that go wrong.")
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nSet AGENTWATCH_DEBUG=1 to print the stack trace (and causes) of an error after its one-line message.",
    );

  program
    .command("replay")
    .description("Replay gateway access logs through the detectors in event time and write the alerts")
    .argument(
      "<inputs...>",
      "log files to read in order, or - for stdin; if any file cannot be read, none is (exit 1)",
    )
    .addOption(formatOption())
    .option("-c, --config <file>", "YAML configuration file")
    .option("--alerts-out <file>", "where to write alerts as JSON lines (- for stdout)", "-")
    .option("--rejects-out <file>", "where to write rejected lines with their reason code")
    .option("--summary-out <file>", "where to write the run summary as JSON")
    .option("-q, --quiet", "do not print the summary to stderr")
    .action(async (inputs: string[], flags) => {
      const config = loadWithOverrides(flags.config, { format: flags.format });
      const jwtKeys = new JwtKeys(config.input.identity.jwt, (message) =>
        process.stderr.write(`${message}\n`),
      );
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
    });

  program
    .command("run")
    .description(
      "Run as a service: ingest from Kafka, files (followed) or stdin; act on alerts; serve the status API",
    )
    .argument(
      "[inputs...]",
      "log files to follow, or - for stdin (ignored with Kafka); with --no-follow, if any file cannot be read, none is (exit 1)",
    )
    .addOption(formatOption())
    .option("-c, --config <file>", "YAML configuration file")
    .option(
      "--kafka-brokers <list>",
      "consume from Kafka: comma-separated bootstrap brokers (sets kafka.brokers)",
    )
    .option("--topic <name>", "Kafka input topic (sets kafka.inputTopic)")
    .option("--no-follow", "read the files once and exit instead of following them")
    .option(
      "--from-beginning",
      "read what followed files already hold first (default: start at their end, like tail -F)",
    )
    .action(async (inputs: string[], flags) => {
      const config = loadWithOverrides(flags.config, {
        format: flags.format,
        kafkaBrokers: flags.kafkaBrokers,
        topic: flags.topic,
      });
      // Read once, a missing file is a mistake to report before starting anything; followed, it
      // is a log that may appear later.
      if (!flags.follow && !config.kafka) await assertReadable(inputs);
      const service = await startService(
        config,
        { inputs, follow: flags.follow, fromBeginning: flags.fromBeginning === true },
        (text) => process.stderr.write(text),
      );
      const shutdown = () => void service.stop();
      process.once("SIGTERM", shutdown);
      process.once("SIGINT", shutdown);
      // An input failing mid-way must still stop the service: the status API would keep it alive.
      try {
        await service.finished;
      } finally {
        await service.stop();
      }
    });

  program
    .command("simulate")
    .description("Generate realistic agent traffic with labelled attacks")
    .addOption(new Option("--preset <name>", "starting settings").choices(PRESET_NAMES).default("default"))
    .option("--settings <file>", "JSON settings applied over the preset")
    .option("--agents <n>", "number of agents", nonNegativeInt)
    .option("--hours <h>", "simulated hours", positiveNumber)
    .option("--seed <s>", "random seed", nonNegativeInt)
    .option("--rate-scale <x>", "multiply every benign agent's request rate", positiveNumber)
    .option("--start <iso>", "start of the simulated period (ISO 8601, UTC)")
    .addOption(new Option("--format <format>", "output log format").choices(SIM_FORMATS).default("json"))
    .option("--out <file>", "where to write the lines (- for stdout)", "-")
    .option("--labels <file>", "where to write the ground-truth labels JSON")
    .option("--stream", "emit in simulated real time")
    .option("--speed <x>", "simulated seconds per wall-clock second with --stream", positiveNumber)
    .action(async (flags) => {
      const result = await runSimulate(flags);
      process.stderr.write(
        `${result.events} events (${result.maliciousEvents} malicious), ${result.agents} agents (${result.attackedAgents} attacked) in ${result.seconds.toFixed(1)} s\n`,
      );
    });

  program
    .command("eval")
    .description("Measure detection quality on labelled traffic, next to two baselines")
    .option("--events <file>", "labelled traffic (omit to simulate in memory)")
    .option("--labels <file>", "ground truth from `simulate --labels` (required with --events)")
    .addOption(formatOption())
    .option("--alerts <file>", "score a recorded alerts file instead of running the engine")
    .option("-c, --config <file>", "YAML configuration file (decoder and engine options)")
    .addOption(new Option("--preset <name>", "simulation preset when simulating").choices(PRESET_NAMES))
    .option("--settings <file>", "simulation settings JSON when simulating")
    .option("--seed <n>", "simulation seed", nonNegativeInt)
    .option("--agents <n>", "simulated agents", nonNegativeInt)
    .option("--hours <h>", "simulated hours", positiveNumber)
    .option("--json-out <file>", "write the full report as JSON")
    .option("--markdown", "print the table as Markdown")
    .option("--explain <agentId>", "trace one agent's malicious requests and the alerts on it")
    .option("-q, --quiet", "do not print the table")
    .action(async (flags) => {
      await runEval(flags);
    });

  program
    .command("keys")
    .description("Manage status API keys")
    .command("create")
    .description("Print a new API key once, with the config entry holding only its SHA-256")
    .requiredOption("--scopes <list>", "comma-separated scopes: read, admin, gateway")
    .option("--name <name>", "name of the key holder, shown in logs")
    .action((flags) => {
      createKeyCommand(flags.scopes, { name: flags.name });
    });

  program
    .command("config")
    .description(
      "Validate a configuration and print the effective result (defaults filled in, secrets redacted)",
    )
    .option("-c, --config <file>", "YAML configuration file")
    .action((flags) => {
      const config = loadConfig(configSchema, flags.config);
      // JSON round trip: Secret values serialize as [redacted].
      process.stdout.write(stringifyYaml(JSON.parse(JSON.stringify(config))));
    });

  program
    .command("detectors")
    .description("List the detectors with their kind and description")
    .action(() => {
      for (const d of DETECTORS)
        process.stdout.write(`${d.name.padEnd(18)} ${d.kind.padEnd(14)} ${d.description}\n`);
    });

  return program;
}

/**
 * One line, code and message, for any failure: a stack trace is for developers, not for users.
 * A developer, or a user reporting a bug, sets AGENTWATCH_DEBUG to get it (with its causes).
 */
async function main(): Promise<void> {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (error) {
    const coded =
      error instanceof AgentwatchError
        ? error
        : new AgentwatchError("CLI_INTERNAL", error instanceof Error ? error.message : String(error));
    process.stderr.write(`agentwatch: ${coded.code}: ${coded.message}\n`);
    if (DEBUG) process.stderr.write(`${inspect(error)}\n`);
    process.exitCode = coded.code === "INVALID_CONFIG" ? 2 : 1;
  }
}

void main();
