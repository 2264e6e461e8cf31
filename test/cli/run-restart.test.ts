/**
 * `agentwatch run` on a followed file, without Redis, killed with SIGKILL midway and started
 * again on the same data directory: the profiles come back from the snapshot and the decisions
 * from the journal, so the block-level detections over the whole file are those of a replay
 * without interruption (within one agent), and every decision active before the kill is active
 * after the restart.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = ["--import", "tsx", "src/cli.ts"];
const BLOCK_LEVEL = new Set(["high", "critical"]);

interface Running {
  child: ChildProcess;
  output: { stdout: string; all: string };
}

function startRun(args: string[]): Running {
  const output = { stdout: "", all: "" };
  const child = spawn(process.execPath, [...CLI, "run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => {
    output.stdout += d.toString();
    output.all += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => (output.all += d.toString()));
  return { child, output };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The generated admin key and the API address, once the service announced them. */
async function apiOf(run: Running): Promise<{ url: string; auth: { authorization: string } }> {
  const key = await until(
    "the API key",
    () => run.output.all.match(/generated an admin key[^\n]*\n\s+(\S+)/)?.[1],
  );
  const url = await until(
    "the API address",
    () => run.output.all.match(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1],
  );
  return { url, auth: { authorization: `Bearer ${key}` } };
}

async function ingested(api: { url: string; auth: { authorization: string } }): Promise<number> {
  const metrics = await (await fetch(`${api.url}/metrics`, { headers: api.auth })).text();
  return Number(metrics.match(/^agentwatch_events_ingested_total (\d+)/m)?.[1] ?? 0);
}

async function activeDecisions(api: { url: string; auth: { authorization: string } }): Promise<string[]> {
  const body = (await (await fetch(`${api.url}/v1/decisions`, { headers: api.auth })).json()) as {
    decisions: Array<{ agentId: string; incidentKey: string }>;
  };
  return body.decisions.map((d) => `${d.agentId} ${d.incidentKey}`).sort();
}

/** Agents with a block-level alert in the log sink's lines. */
function blockedAgents(stdout: string): Set<string> {
  const agents = new Set<string>();
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const record = JSON.parse(line) as { msg?: string; event?: string; agentId?: string; severity?: string };
    if (record.event === "alert" && BLOCK_LEVEL.has(String(record.severity)))
      agents.add(String(record.agentId));
  }
  return agents;
}

describe("agentwatch run killed with SIGKILL and restarted, no Redis", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-restart-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("keeps profiles and decisions: the same block-level detections, every active decision kept", async () => {
    const sim = join(dir, "sim.jsonl");
    execFileSync(
      process.execPath,
      [...CLI, "simulate", "--agents", "30", "--hours", "3", "--seed", "3", "--out", sim],
      {
        stdio: "ignore",
      },
    );
    const reference = join(dir, "reference.jsonl");
    execFileSync(process.execPath, [...CLI, "replay", sim, "--alerts-out", reference, "-q"]);
    const expected = new Set(
      readFileSync(reference, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { agentId: string; severity: string })
        .filter((a) => BLOCK_LEVEL.has(a.severity))
        .map((a) => a.agentId),
    );
    expect(expected.size).toBeGreaterThanOrEqual(2);

    const lines = readFileSync(sim, "utf8").trim().split("\n");
    const half = Math.floor(lines.length / 2);
    const followed = join(dir, "access.jsonl");
    writeFileSync(followed, `${lines.slice(0, half).join("\n")}\n`);
    const config = join(dir, "run.yaml");
    writeFileSync(
      config,
      [
        "api:",
        "  port: 0",
        "state:",
        "  snapshotInterval: 300ms",
        "actions:",
        "  delivery:",
        `    dataDir: ${join(dir, "data")}`,
      ].join("\n"),
    );

    const first = startRun(["-c", config, "--from-beginning", followed]);
    children.push(first.child);
    const firstApi = await apiOf(first);
    await until("the first half ingested", async () =>
      (await ingested(firstApi)) === half ? true : undefined,
    );
    const before = await until("decisions taken", async () => {
      const active = await activeDecisions(firstApi);
      return active.length > 0 ? active : undefined;
    });
    // A snapshot interval (and some) after the last line: then the kill.
    await new Promise((r) => setTimeout(r, 1_000));
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    const second = startRun(["-c", config, followed]);
    children.push(second.child);
    const secondApi = await apiOf(second);
    expect(second.output.all).toMatch(/profiles restored from snapshot/);
    const after = await activeDecisions(secondApi);
    for (const decision of before) expect(after).toContain(decision);

    appendFileSync(followed, `${lines.slice(half).join("\n")}\n`);
    await until("the second half ingested", async () =>
      (await ingested(secondApi)) === lines.length - half ? true : undefined,
    );
    // Alerts go through the durable queue to the log sink: give it a moment to drain.
    await new Promise((r) => setTimeout(r, 1_500));
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));

    const detected = new Set([...blockedAgents(first.output.stdout), ...blockedAgents(second.output.stdout)]);
    const missed = [...expected].filter((a) => !detected.has(a));
    const extra = [...detected].filter((a) => !expected.has(a));
    expect(missed.length + extra.length, JSON.stringify({ missed, extra })).toBeLessThanOrEqual(1);
  }, 120_000);
});
