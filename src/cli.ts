#!/usr/bin/env node
/**
 * The `agentwatch` command line. Each subcommand parses its flags, loads the configuration once
 * and hands over to the module that does the work; nothing here knows how events are processed.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig } from "./config/load.js";
import { type Config, configSchema } from "./config/schema.js";
import { createEngine } from "./engine/engine.js";
import { AgentwatchError } from "./errors.js";
import { createLineDecoder, FORMAT_NAMES, type FormatName } from "./parse/decoder.js";
import { replay } from "./replay/replay.js";

function loadWithFormat(configPath: string | undefined, format: FormatName | undefined): Config {
  const config = loadConfig(configSchema, configPath);
  return format ? { ...config, input: { ...config.input, format } } : config;
}

const formatOption = () =>
  new Option("-f, --format <format>", "log format of the input (default: the config's input.format, auto)").choices(
    FORMAT_NAMES,
  );

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive integer");
  return parsed;
}

function buildCli(): Command {
  const program = new Command("agentwatch")
    .description("Watch AI agents' API traffic, profile each agent, and stop the ones that go wrong.")
    .version("0.1.0")
    .showHelpAfterError();

  program
    .command("replay")
    .description("Replay gateway access logs through the detectors in event time and write the alerts")
    .argument("<inputs...>", "log files to read, or - for stdin")
    .addOption(formatOption())
    .option("-c, --config <file>", "YAML configuration file")
    .option("--alerts-out <file>", "where to write alerts as JSON lines (- for stdout)", "-")
    .option("--rejects-out <file>", "where to write rejected lines with their reason code")
    .option("--summary-out <file>", "where to write the run summary as JSON")
    .option("-q, --quiet", "do not print the summary to stderr")
    .action(async (inputs: string[], flags) => {
      const config = loadWithFormat(flags.config, flags.format);
      const summary = await replay(
        {
          inputs,
          alertsOut: flags.alertsOut,
          rejectsOut: flags.rejectsOut,
          summaryOut: flags.summaryOut,
          maxLineBytes: config.input.maxLineBytes,
        },
        createLineDecoder(config.input),
        createEngine(config.engine),
      );
      if (!flags.quiet) process.stderr.write(`${JSON.stringify(summary, null, 2)}\n`);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof AgentwatchError) {
      process.stderr.write(`agentwatch: ${error.code}: ${error.message}\n`);
      process.exitCode = error.code === "INVALID_CONFIG" ? 2 : 1;
      return;
    }
    throw error;
  }
}

void main();
