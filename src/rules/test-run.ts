/**
 * `agentwatch rules test <rule-or-dir> <log> [--expect expected.yaml]`: runs only the given rules
 * over a log, in event time with per-agent counters exactly as the engine runs them, and reports
 * hits per rule and agent. With expectations it compares and fails on any difference (a rule that
 * hit where none was expected, or a count that differs), as `cscli hubtest` does, so rule authors
 * can keep their rules tested in CI. `--update` writes the expectations from the run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { rules as rulesDetector } from "../../detectors/rules.js";
import type { Config } from "../config/schema.js";
import type { Finding } from "../engine/types.js";
import { AgentwatchError } from "../errors.js";
import { LineSplitter } from "../ingest/line-splitter.js";
import { assertReadable } from "../ingest/readable-inputs.js";
import { drain, openInput } from "../ingest/sources.js";
import { createLineDecoder } from "../parse/decoder.js";
import { EventPipeline, emptyCounters } from "../pipeline/event-pipeline.js";
import { ProfileStore } from "../profile/store.js";
import { loadRules } from "./load.js";

/** Hits per rule id, then per agent id. */
export type RuleHits = Record<string, Record<string, number>>;

export interface RulesTestResult {
  hits: RuleHits;
  rules: number;
  events: number;
  rejected: number;
  /** Differences from the expectations, one line each; empty when they match or none were given. */
  differences: string[];
}

/**
 * Expectations: `hits: { <rule id>: { <agent id>: <count> } }`. Every hit must be listed; a rule
 * or agent not listed is expected not to hit.
 */
const expectationsSchema = z
  .object({ hits: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())).default({}) })
  .strict();

function readExpectations(file: string): RuleHits {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8")) ?? {};
  } catch (error) {
    throw new AgentwatchError("INVALID_CONFIG", `expectations ${file}: ${(error as Error).message}`);
  }
  const parsed = expectationsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw new AgentwatchError("INVALID_CONFIG", `expectations ${file}:\n${issues.join("\n")}`);
  }
  return parsed.data.hits;
}

/** Lines describing how `actual` differs from `expected`, sorted for stable output. */
export function compareHits(expected: RuleHits, actual: RuleHits): string[] {
  const out: string[] = [];
  const ids = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const id of [...ids].sort()) {
    const want = expected[id] ?? {};
    const got = actual[id] ?? {};
    for (const agent of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      const w = want[agent] ?? 0;
      const g = got[agent] ?? 0;
      if (w !== g) out.push(`${id} ${agent}: expected ${w} hit${w === 1 ? "" : "s"}, got ${g}`);
    }
  }
  return out;
}

export async function runRulesTest(
  rulePath: string,
  log: string,
  config: Config,
  expectFile: string | undefined,
): Promise<RulesTestResult> {
  await assertReadable([log]);
  // First on its own: a broken rule file is reported as the configuration error it is.
  const ruleCount = loadRules([rulePath]).length;
  const detector = rulesDetector.create(
    rulesDetector.options.parse({ shippedPacks: false, paths: [rulePath] }),
  );
  const store = new ProfileStore(config.engine.profiles, { detectorNames: ["rules"], tierOf: () => "none" });
  const hits: RuleHits = {};
  const findings: Finding[] = [];
  const engine = {
    process(event: Parameters<typeof detector.inspect>[0]) {
      const profile = store.acquire(event.agentId, event.timestamp);
      profile.prepare(event);
      findings.length = 0;
      detector.inspect(event, profile, findings);
      detector.absorb?.(event, profile);
      profile.absorb(event);
      for (const f of findings) {
        const id = f.rule ?? "?";
        const byAgent = hits[id] ?? {};
        hits[id] = byAgent;
        byAgent[event.agentId] = (byAgent[event.agentId] ?? 0) + 1;
      }
      return undefined;
    },
  };
  const counters = emptyCounters();
  const pipeline = new EventPipeline(
    createLineDecoder(config.input),
    engine,
    { onAlert() {}, onReject() {} },
    counters,
  );
  const splitter = new LineSplitter(
    config.input.maxLineLength,
    (line, n) => pipeline.handleLine(line, n, log),
    (n, code, raw) => pipeline.rejectLine(n, code, raw, log),
  );
  await drain(openInput(log), splitter);
  pipeline.end(log);
  const differences = expectFile === undefined ? [] : compareHits(readExpectations(expectFile), hits);
  return { hits, rules: ruleCount, events: counters.eventsApplied, rejected: counters.rejected, differences };
}

/** The hits as `expected.yaml` content. */
export function expectationsText(hits: RuleHits): string {
  const sorted: RuleHits = {};
  for (const id of Object.keys(hits).sort()) {
    const byAgent = hits[id] as Record<string, number>;
    sorted[id] = Object.fromEntries(
      Object.keys(byAgent)
        .sort()
        .map((a) => [a, byAgent[a] as number]),
    );
  }
  return stringifyYaml({ hits: sorted });
}

/** Writes the hits to `file` as expectations (for `--update`). */
export function writeExpectations(file: string, hits: RuleHits): void {
  writeFileSync(file, expectationsText(hits));
}

/** The report printed on stdout: one line per rule and agent, then a summary. */
export function formatReport(result: RulesTestResult): string {
  const lines: string[] = [];
  for (const id of Object.keys(result.hits).sort()) {
    const byAgent = result.hits[id] as Record<string, number>;
    for (const agent of Object.keys(byAgent).sort()) lines.push(`${id}  ${agent}  ${byAgent[agent]}`);
  }
  const hitRules = Object.keys(result.hits).length;
  lines.push(
    `${result.events} events (${result.rejected} lines rejected), ${result.rules} rules, ${hitRules} with hits`,
  );
  for (const d of result.differences) lines.push(`DIFF ${d}`);
  return `${lines.join("\n")}\n`;
}
