// `agentwatch run` as a user starts it: follows a log file from its end (like `tail -F`), serves
// the status API on loopback with a generated key printed once, sees lines appended after start,
// shows the attacked agent with its alert, and exits 0 on SIGTERM. Also: stdin end to end, and
// several followed files each keeping their own half-finished CRI lines, also across rotation.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalLine } from "../helpers/jsonl.js";
import { writeRunConfig } from "../helpers/run-config.js";

/** The test lines are canonical JSON events. */
const JSON_INPUT = ["input:", "  format: json"];

/** Request `i` (a second apart) of `agentId` to `path`, with a token id the output must never show. */
function event(i: number, path: string, agentId: string): string {
  return canonicalLine({
    timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 1000).toISOString(),
    agentId,
    path,
    tokenId: "tok-run",
    requestId: `run-${i}`,
  });
}

/** Resolves with the first match of `pattern` in the child's combined output. */
function waitFor(child: ChildProcess, pattern: RegExp, output: { text: string }): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}\n${output.text}`)),
      20_000,
    );
    const check = () => {
      const match = output.text.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    check();
  });
}

const ATTACK = [
  "/api/v1/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--",
  "/api/v1/files?name=..%2F..%2F..%2Fetc%2Fpasswd",
  "/api/v1/search?q=ignore%20all%20previous%20instructions",
];

/** The child's stdout as pino records (one JSON object a line). */
function logRecords(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("agentwatch run", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-run-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  /** Starts `agentwatch run` from source with `args`; both streams collected into `output`. */
  function startRun(args: string[], stdin: "ignore" | "pipe" = "ignore") {
    const output = { text: "", stdout: "" };
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", ...args], {
      stdio: [stdin, "pipe", "pipe"],
    });
    children.push(child);
    child.stdout?.on("data", (d: Buffer) => {
      output.text += d.toString();
      output.stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => (output.text += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    return { child, output, exited };
  }

  it("follows a file from its end, answers on the status API with the generated key and stops cleanly", async () => {
    const log = join(dir, "access.jsonl");
    // Already in the file at start: not read again (a restart must not re-alert on old lines).
    writeFileSync(log, `${event(0, "/api/v1/reports/daily", "old-bot")}\n`);
    const { child, output, exited } = startRun([log, "-c", writeRunConfig(dir, "follow", true, JSON_INPUT)]);
    const [, key] = await waitFor(child, /generated an admin key[^\n]*\n\s+(\S+)/, output);
    const [, url] = await waitFor(child, /"address":"(http:\/\/127\.0\.0\.1:\d+)"/, output);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/agents`)).status).toBe(401);

    // Appended after start: a benign agent, then an injection attack from a second one.
    appendFileSync(
      log,
      `${[event(0, "/api/v1/reports/daily", "reporting-bot"), ...ATTACK.map((p, i) => event(i + 1, p, "hijacked-agent"))].join("\n")}\n`,
    );

    const auth = { authorization: `Bearer ${key}` };
    let agents: Array<{ agentId: string; risk: number }> = [];
    for (let attempt = 0; attempt < 50 && agents.length < 2; attempt++) {
      await new Promise((r) => setTimeout(r, 200));
      agents = (
        (await (await fetch(`${url}/v1/agents`, { headers: auth })).json()) as { items: typeof agents }
      ).items;
    }
    expect(agents.map((a) => a.agentId)).toEqual(["hijacked-agent", "reporting-bot"]);
    expect(agents[0]?.risk).toBeGreaterThan(0.3);

    const alerts = (await (
      await fetch(`${url}/v1/alerts?agent=hijacked-agent`, { headers: auth })
    ).json()) as {
      items: Array<{ reasons: Array<{ detector: string }> }>;
    };
    expect(alerts.items.length).toBeGreaterThan(0);
    expect(alerts.items[0]?.reasons.map((r) => r.detector)).toContain("injection");
    const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/agentwatch_profiles_tracked 2/);
    const batches = metrics.match(/agentwatch_processing_latency_seconds_count\{stage="detect"\} (\d+)/);
    expect(Number(batches?.[1])).toBeGreaterThan(0);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(readFileSync(log, "utf8")).not.toContain(key as string);
    expect(output.text).not.toContain("tok-run");
  });

  it("reads stdin to its end, delivers the alerts and exits 0", async () => {
    const { child, output, exited } = startRun(
      ["-", "-c", writeRunConfig(dir, "stdin", false, JSON_INPUT)],
      "pipe",
    );
    const lines = [
      event(0, "/api/v1/reports/daily", "reporting-bot"),
      ...ATTACK.map((p, i) => event(i + 1, p, "hijacked-agent")),
    ];
    child.stdin?.end(`${lines.join("\n")}\n`);

    expect(await exited).toBe(0);
    const records = logRecords(output.stdout);
    expect(records.find((r) => r.msg === "input finished")).toMatchObject({ input: "-", linesRead: 4 });
    expect(records.find((r) => r.msg === "ingest finished")).toMatchObject({ eventsApplied: 4, rejected: 0 });
    // The log sink is the default one: the alert went through the action layer before exit.
    const alerts = records.filter((r) => r.msg === "alert");
    expect(new Set(alerts.map((a) => a.agentId))).toEqual(new Set(["hijacked-agent"]));
    const reasons = alerts[0]?.reasons as Array<{ detector: string }>;
    expect(reasons.map((r) => r.detector)).toContain("injection");
    expect(records.find((r) => r.msg === "actions stopped")).toMatchObject({ queued: 0 });
  });

  it("keeps half-finished CRI lines per followed file and across rotation, with --from-beginning", async () => {
    const T = "2026-01-05T10:00:00.000000000Z";
    // Each file holds a full line and the first half of a long one the runtime split (`P`).
    const files = ["a", "b"].map((name, n) => {
      const path = join(dir, `container-${name}.log`);
      const long = event(10 + n, "/api/v1/reports/weekly", `long-${name}`);
      const half = long.length >> 1;
      writeFileSync(
        path,
        `${T} stdout F ${event(n, "/api/v1/reports/daily", `bot-${name}`)}\n${T} stdout P ${long.slice(0, half)}\n`,
      );
      return { path, rest: long.slice(half) };
    });
    const { child, output, exited } = startRun([
      ...files.map((f) => f.path),
      "--from-beginning",
      "-c",
      writeRunConfig(dir, "cri", true, JSON_INPUT),
    ]);
    const [, key] = await waitFor(child, /generated an admin key[^\n]*\n\s+(\S+)/, output);
    const [, url] = await waitFor(child, /"address":"(http:\/\/127\.0\.0\.1:\d+)"/, output);

    /** Polls /metrics until ingested plus rejected lines reach `count`; returns both. */
    const counts = async (count: number) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const text = await (
          await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })
        ).text();
        const ingested = Number(text.match(/^agentwatch_events_ingested_total (\d+)/m)?.[1] ?? 0);
        const rejected = [...text.matchAll(/^agentwatch_events_rejected_total\{[^}]*\} (\d+)/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        if (ingested + rejected >= count) return { ingested, rejected };
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${count} lines\n${output.text}`);
    };
    // Both full lines decode: neither is glued to the other file's pending fragment.
    expect(await counts(2)).toEqual({ ingested: 2, rejected: 0 });
    // The second halves, in the other order: each joins the fragment of its own file.
    for (const file of [...files].reverse()) appendFileSync(file.path, `${T} stdout F ${file.rest}\n`);
    expect(await counts(4)).toEqual({ ingested: 4, rejected: 0 });
    // The first file is rotated between the two halves of a line: they are still joined.
    const rotatedLong = event(20, "/api/v1/reports/monthly", "long-rotated");
    const half = rotatedLong.length >> 1;
    const first = files[0]?.path as string;
    appendFileSync(first, `${T} stdout P ${rotatedLong.slice(0, half)}\n`);
    renameSync(first, `${first}.1`);
    writeFileSync(first, `${T} stdout F ${rotatedLong.slice(half)}\n`);
    expect(await counts(5)).toEqual({ ingested: 5, rejected: 0 });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const records = logRecords(output.stdout);
    const finished = records.filter((r) => r.msg === "input finished");
    expect(finished.map((r) => [r.input, r.linesRead]).sort()).toEqual([
      [first, 5],
      [files[1]?.path, 3],
    ]);
    expect(records.find((r) => r.msg === "ingest finished")).toMatchObject({ eventsApplied: 5, rejected: 0 });
  });
});
