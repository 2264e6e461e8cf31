#!/usr/bin/env node
/**
 * The `agentwatch` command line. Each subcommand declares its flags here and loads the module
 * that does its work only when it runs (`await import`): `--help`, `replay` or `decisions list`
 * never load Kafka, Fastify, OpenTelemetry or Redis. Nothing here knows how events are processed.
 */
import { inspect } from "node:util";
import { Command, CommanderError, Option } from "commander";
import { nonNegativeInt, positiveNumber } from "./cli/args.js";
import { registerRemoteCommands } from "./cli/remote-commands.js";
import { installCrashHandlers } from "./crash.js";
import { AgentwatchError } from "./errors.js";
import { FORMAT_NAMES } from "./parse/format-names.js";
import { SIM_FORMATS } from "./sim/formats.js";
import { VERSION } from "./version.js";

/**
 * Read once and removed: every other AGENTWATCH_* variable overrides a config field, and a
 * `debug` field does not exist, so config loading (here, in eval, in Kafka workers) must not see it.
 */
const DEBUG = Boolean(process.env.AGENTWATCH_DEBUG);
delete process.env.AGENTWATCH_DEBUG;

/** Installed before anything runs: a crash anywhere becomes one coded line and a clean stop. */
const crash = installCrashHandlers({ write: (text) => process.stderr.write(text), debug: DEBUG });

const formatOption = () =>
  new Option(
    "-f, --format <format>",
    "log format of the input (default: the config's input.format, auto)",
  ).choices(FORMAT_NAMES);

/** Simulation presets are checked when the command runs: listing them would load the simulator. */
const presetOption = (description: string) =>
  new Option("--preset <name>", `${description} (default, health, fintech, sparse, ...)`);

function buildCli(): Command {
  const program = new Command("agentwatch")
    .description("Watch AI agents' API traffic, profile each agent, and stop the ones that go wrong.")
    .version(VERSION)
    // Commander's own messages are replaced by one coded line (see main); settings given before
    // `.command()` are inherited by every subcommand.
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
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
    .addOption(
      new Option("--report <style>", "summary on stderr: human report, JSON, or auto (human on a terminal)")
        .choices(["auto", "human", "json"])
        .default("auto"),
    )
    .action(async (inputs: string[], flags) => {
      const { runReplayCommand } = await import("./cli/replay-command.js");
      await runReplayCommand(inputs, flags);
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
      const { runServiceCommand } = await import("./cli/run-command.js");
      await runServiceCommand(inputs, flags, crash);
    });

  program
    .command("simulate")
    .description("Generate realistic agent traffic with labelled attacks")
    .addOption(presetOption("starting settings").default("default"))
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
      const [{ runSimulate }, { assertPreset }] = await Promise.all([
        import("./sim/simulate.js"),
        import("./sim/settings.js"),
      ]);
      assertPreset(flags.preset);
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
    .addOption(presetOption("simulation preset when simulating"))
    .option("--settings <file>", "simulation settings JSON when simulating")
    .option("--seed <n>", "simulation seed", nonNegativeInt)
    .option("--agents <n>", "simulated agents", nonNegativeInt)
    .option("--hours <h>", "simulated hours", positiveNumber)
    .option("--json-out <file>", "write the full report as JSON")
    .option("--markdown", "print the table as Markdown")
    .option("--explain <agentId>", "trace one agent's malicious requests and the alerts on it")
    .option("-q, --quiet", "do not print the table")
    .action(async (flags) => {
      const [{ runEval }, { assertPreset }] = await Promise.all([
        import("./eval/run.js"),
        import("./sim/settings.js"),
      ]);
      if (flags.preset !== undefined) assertPreset(flags.preset);
      await runEval(flags);
    });

  const keys = program.command("keys").description("Manage status API keys");
  keys
    .command("create")
    .description("Print a new API key once, with the config entry holding only its SHA-256")
    .requiredOption("--scopes <list>", "comma-separated scopes: read, admin, gateway, metrics")
    .option("--name <name>", "name of the key holder, shown in logs")
    .action(async (flags) => {
      const { createKeyCommand } = await import("./keys/keys.js");
      createKeyCommand(flags.scopes, { name: flags.name });
    });
  registerRemoteCommands(program, keys);

  program
    .command("config")
    .description(
      "Validate a configuration and print the effective result (defaults filled in, secrets redacted)",
    )
    .option("-c, --config <file>", "YAML configuration file")
    .action(async (flags) => {
      const { printEffectiveConfig } = await import("./cli/config-command.js");
      printEffectiveConfig(flags.config);
    });

  const rulesCommand = program.command("rules").description("Work with declarative detection rules");
  rulesCommand
    .command("test")
    .description(
      "Run rules over a log and print hits per rule and agent; with --expect, exit 1 on any difference",
    )
    .argument("<rules>", "a rule file, or a directory of rule files")
    .argument("<log>", "gateway access log to run them over")
    .option("--expect <file>", "expected hits (YAML: hits: {<rule>: {<agent>: <count>}})")
    .option("--update", "write the hits of this run to the --expect file instead of comparing")
    .addOption(formatOption())
    .option("-c, --config <file>", "YAML configuration file (input format, identity, profile bounds)")
    .action(async (rulePath: string, log: string, flags) => {
      const { runRulesTestCommand } = await import("./cli/rules-command.js");
      await runRulesTestCommand(rulePath, log, flags);
    });

  program
    .command("detectors")
    .description("List the detectors with their kind and description")
    .action(async () => {
      const { DETECTORS } = await import("../detectors/index.js");
      for (const d of DETECTORS)
        process.stdout.write(`${d.name.padEnd(18)} ${d.kind.padEnd(14)} ${d.description}\n`);
    });

  return program;
}

/** Exit status: 2 for a usage or configuration mistake (as sysexits' EX_USAGE/EX_CONFIG), 1 otherwise. */
const USAGE_CODES = new Set(["INVALID_CONFIG", "INVALID_ARGUMENT"]);

/** Commander's refusals (unknown option, bad value, missing argument) as INVALID_ARGUMENT. */
function fromCommander(error: CommanderError): AgentwatchError {
  return new AgentwatchError(
    "INVALID_ARGUMENT",
    `${error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ")} (see --help)`,
  );
}

/**
 * One line, code and message, for any failure: a stack trace is for developers, not for users.
 * A developer, or a user reporting a bug, sets AGENTWATCH_DEBUG to get it (with its causes).
 */
async function main(): Promise<void> {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (error) {
    // --help, --version and a bare `agentwatch` end commander's parse with an exception too,
    // after printing what they print.
    if (error instanceof CommanderError && (error.exitCode === 0 || error.code === "commander.help")) {
      process.exitCode = error.exitCode;
      return;
    }
    const coded =
      error instanceof AgentwatchError
        ? error
        : error instanceof CommanderError
          ? fromCommander(error)
          : new AgentwatchError("CLI_INTERNAL", error instanceof Error ? error.message : String(error));
    process.stderr.write(`agentwatch: ${coded.code}: ${coded.message}\n`);
    if (DEBUG) process.stderr.write(`${inspect(error)}\n`);
    process.exitCode = USAGE_CODES.has(coded.code) ? 2 : 1;
    // Whatever could be stopped was stopped; a handle nobody can close (stdin being read) must not
    // keep a failed command alive. Unref'd: a process that can end by itself ends at once.
    setTimeout(() => process.exit(), 1_000).unref();
  }
}

void main();
