/**
 * `agentwatch replay` over several inputs, as a user runs it: each file's partial CRI lines stay
 * its own and one left unfinished is a reject; the summary counts every agent seen; a missing
 * input or an unwritable output stops the replay with one line, no stack trace; and the result
 * does not depend on the machine's clock.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { canonicalLine, readJsonl } from "../helpers/jsonl.js";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];

interface Failure {
  code: number;
  stderr: string;
}

function event(agentId: string, second: number): string {
  return canonicalLine({
    timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, second)).toISOString(),
    agentId,
    requestId: `req-${agentId}-${second}`,
  });
}

const cri = (tag: "P" | "F", payload: string) => `2026-01-05T10:00:00.000000000Z stdout ${tag} ${payload}`;

describe("agentwatch replay over several inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-replay-inputs-"));

  it("keeps each file's partial CRI lines to itself and rejects one left unfinished", async () => {
    const f1 = join(dir, "f1.log");
    const f2 = join(dir, "f2.log");
    const unfinished = cri("P", event("agent-1", 1).slice(0, 40));
    writeFileSync(f1, `${cri("F", event("agent-1", 0))}\n${unfinished}\n`);
    writeFileSync(f2, `${cri("F", event("agent-2", 2))}\n`);
    const rejectsPath = join(dir, "cri-rejects.jsonl");
    const summaryPath = join(dir, "cri-summary.json");
    await run(process.execPath, [
      ...CLI,
      "replay",
      f1,
      f2,
      "--alerts-out",
      join(dir, "cri-alerts.jsonl"),
      "--rejects-out",
      rejectsPath,
      "--summary-out",
      summaryPath,
      "--quiet",
    ]);
    expect(readJsonl(rejectsPath)).toEqual([
      {
        source: f1,
        line: 2,
        code: "TRUNCATED_CRI_LINE",
        message: expect.stringContaining("1 partial fragment(s)"),
        raw: unfinished,
      },
    ]);
    const summary = JSON.parse(readFileSync(summaryPath, "utf8"));
    expect(summary).toMatchObject({
      linesRead: 3,
      eventsRead: 2,
      rejected: { total: 1, byReason: { TRUNCATED_CRI_LINE: 1 } },
      agents: 2,
    });
  });

  it("counts every distinct agent, not only the profiles still held after eviction", async () => {
    const input = join(dir, "many-agents.jsonl");
    writeFileSync(input, `${Array.from({ length: 20 }, (_, i) => event(`agent-${i}`, i)).join("\n")}\n`);
    const config = join(dir, "small.yaml");
    writeFileSync(config, "engine:\n  profiles:\n    maxAgents: 5\n");
    const summaryPath = join(dir, "agents-summary.json");
    await run(process.execPath, [
      ...CLI,
      "replay",
      input,
      "-c",
      config,
      "--alerts-out",
      join(dir, "agents-alerts.jsonl"),
      "--summary-out",
      summaryPath,
      "--quiet",
    ]);
    const summary = JSON.parse(readFileSync(summaryPath, "utf8"));
    expect(summary).toMatchObject({ eventsRead: 20, agents: 20, agentsTracked: 5 });
  });

  it("stops before reading anything when an input cannot be read, with one line naming it", async () => {
    const good = join(dir, "good.jsonl");
    writeFileSync(good, `${event("agent-ok", 0)}\n`);
    const missing = join(dir, "missing.jsonl");
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const alerts = join(dir, "never-alerts.jsonl");
    const failure = (await run(process.execPath, [
      ...CLI,
      "replay",
      good,
      missing,
      folder,
      "--alerts-out",
      alerts,
    ]).catch((error: Failure) => error)) as Failure;
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(
      `agentwatch: INPUT_UNREADABLE: input file is missing or cannot be read: ${missing} (no such file), ${folder} (is a directory)\n`,
    );
    expect(existsSync(alerts)).toBe(false);
  });

  it("reports an output it cannot write as one line, without a stack trace", async () => {
    const good = join(dir, "good-out.jsonl");
    writeFileSync(good, `${event("agent-ok", 0)}\n`);
    const failure = (await run(process.execPath, [
      ...CLI,
      "replay",
      good,
      "--alerts-out",
      join(dir, "no-such-dir", "alerts.jsonl"),
    ]).catch((error: Failure) => error)) as Failure;
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^agentwatch: OUTPUT_UNWRITABLE: .*no-such-dir.*ENOENT.*\n$/);
    expect(failure.stderr.split("\n")).toHaveLength(2);
  });

  it("gives the same alerts and summary whatever the machine's clock says", async () => {
    // The sample traffic is dated January 2026; this clock says 2001, long before it.
    const clock = join(dir, "clock-2001.mjs");
    writeFileSync(clock, `Date.now = () => ${Date.UTC(2001, 0, 1)};\n`);
    const replayWith = async (preload: string[], name: string) => {
      const alerts = join(dir, `${name}-alerts.jsonl`);
      const summary = join(dir, `${name}-summary.json`);
      await run(process.execPath, [
        ...preload,
        ...CLI,
        "replay",
        "examples/traffic.jsonl",
        "--alerts-out",
        alerts,
        "--summary-out",
        summary,
        "--quiet",
      ]);
      const { durationMs: _d, eventsPerSecond: _e, ...counts } = JSON.parse(readFileSync(summary, "utf8"));
      return { alerts: readFileSync(alerts, "utf8"), counts };
    };
    const real = await replayWith([], "real-clock");
    const skewed = await replayWith(["--import", clock], "clock-2001");
    expect(real.alerts.length).toBeGreaterThan(0);
    expect(skewed).toEqual(real);
    expect(skewed.counts.rejected.total).toBe(0);
  });
});

describe("replay to a pipe that closes early", () => {
  it("stops quietly, exit 0, when the reader of stdout goes away (| head)", async () => {
    const { spawn } = await import("node:child_process");
    const dir = mkdtempSync(join(tmpdir(), "aw-epipe-"));
    const input = join(dir, "many.jsonl");
    // Injection strings raise an alert per agent: plenty of stdout for the reader to abandon.
    const lines = Array.from({ length: 3000 }, (_, i) =>
      event(`agent-${i}`, i % 60).replace("/api/v1/customers/42", "/api/v1/customers/42?q=1'%20OR%20'1'='1"),
    );
    writeFileSync(input, `${lines.join("\n")}\n`);
    const child = spawn(process.execPath, [...CLI, "replay", input, "--alerts-out", "-"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    // Read one chunk, then close our end, as `head -1` would.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    // The summary still goes to stderr; no error does.
    expect(stderr).toContain('"linesRead": 3000');
    expect(stderr).not.toMatch(/EPIPE|OUTPUT_UNWRITABLE|agentwatch: /);
    expect(code).toBe(0);
  }, 30_000);
});
