/**
 * `npm run bench:cli`: how long the command line takes to start, measured as a user runs it
 * (a new `node dist/src/cli.js` process each time, wall clock from spawn to exit):
 *
 *   npm run bench:cli -- [--runs 20]
 *
 * `agentwatch --help` and `agentwatch replay` of a one-line file; each command loads only the
 * modules it uses (src/cli.ts), so neither loads Kafka, Fastify, OpenTelemetry or Redis. Also a
 * bare `node -e 0` as the floor this machine sets. Prints the median and the 90th percentile.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { quantileSorted } from "simple-statistics";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const cli = join(import.meta.dirname, "..", "src", "cli.js");
const dir = mkdtempSync(join(tmpdir(), "aw-cli-bench-"));
const line = join(dir, "one.jsonl");
writeFileSync(
  line,
  `${JSON.stringify({ timestamp: "2026-01-05T10:00:00Z", agentId: "bot", method: "GET", path: "/api/v1/x", status: 200, bytesSent: 10, latencyMs: 5, clientIp: "10.0.0.1" })}\n`,
);

function time(args: string[]): { median: number; p90: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}`);
    // The first run warms the file cache; it is not counted.
    if (i > 0) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: quantileSorted(samples, 0.5), p90: quantileSorted(samples, 0.9) };
}

const cases: Array<[string, string[]]> = [
  ["node -e 0 (floor)", ["-e", "0"]],
  ["agentwatch --help", [cli, "--help"]],
  ["agentwatch replay <one line>", [cli, "replay", line, "--alerts-out", "/dev/null", "--quiet"]],
];
for (const [name, args] of cases) {
  const { median, p90 } = time(args);
  process.stdout.write(
    `${name.padEnd(30)} median ${median.toFixed(0).padStart(4)} ms   p90 ${p90.toFixed(0).padStart(4)} ms\n`,
  );
}
rmSync(dir, { recursive: true, force: true });
