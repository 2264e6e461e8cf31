/**
 * `agentwatch rules test`: runs rule files over a log, prints hits per rule and agent, and with
 * `--expect` sets exit code 1 on any difference (or writes the expectations with `--update`).
 */
import { AgentwatchError } from "../errors.js";
import type { FormatName } from "../parse/format-names.js";
import { formatReport, runRulesTest, writeExpectations } from "../rules/test-run.js";
import { loadWithOverrides } from "./load.js";

export interface RulesTestFlags {
  expect?: string;
  update?: boolean;
  format?: FormatName;
  config?: string;
}

export async function runRulesTestCommand(
  rulePath: string,
  log: string,
  flags: RulesTestFlags,
): Promise<void> {
  if (flags.update && !flags.expect)
    throw new AgentwatchError("INVALID_ARGUMENT", "--update needs --expect <file>");
  const config = loadWithOverrides(flags.config, { format: flags.format });
  const result = await runRulesTest(rulePath, log, config, flags.update ? undefined : flags.expect);
  process.stdout.write(formatReport(result));
  if (flags.update && flags.expect) writeExpectations(flags.expect, result.hits);
  else if (result.differences.length > 0) process.exitCode = 1;
}
