// `agentwatch run` as a user starts it: follows a log file, serves the status API on loopback with
// a generated key printed once, sees lines appended after start, shows the attacked agent with its
// alert, and exits 0 on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

function event(i: number, path: string, agentId: string): string {
  return JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 1000).toISOString(),
    agentId,
    method: "GET",
    path,
    status: 200,
    requestBytes: 0,
    responseBytes: 800,
    latencyMs: 10,
    clientIp: "10.0.0.7",
    tokenId: "tok-run",
    userId: "u",
    userAgent: "sdk/1",
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

describe("agentwatch run", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-run-"));
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill("SIGKILL"));

  it("follows a file, answers on the status API with the generated key and stops cleanly", async () => {
    const log = join(dir, "access.jsonl");
    writeFileSync(log, `${event(0, "/api/v1/reports/daily", "reporting-bot")}\n`);
    const config = join(dir, "agentwatch.yaml");
    writeFileSync(
      config,
      [
        "input:",
        "  format: json",
        "api:",
        "  port: 0",
        "actions:",
        "  delivery:",
        `    dataDir: ${join(dir, "data")}`,
      ].join("\n"),
    );
    const output = { text: "" };
    child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", log, "-c", config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => (output.text += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output.text += d.toString()));

    const [, key] = await waitFor(child, /generated an admin key[^\n]*\n\s+(\S+)/, output);
    const [, url] = await waitFor(child, /"address":"(http:\/\/127\.0\.0\.1:\d+)"/, output);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/agents`)).status).toBe(401);

    // Appended after start: an injection attack from a second agent.
    const attack = [
      "/api/v1/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--",
      "/api/v1/files?name=..%2F..%2F..%2Fetc%2Fpasswd",
      "/api/v1/search?q=ignore%20all%20previous%20instructions",
    ];
    appendFileSync(log, `${attack.map((p, i) => event(i + 1, p, "hijacked-agent")).join("\n")}\n`);

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

    const exited = new Promise<number | null>((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(readFileSync(log, "utf8")).not.toContain(key as string);
    expect(output.text).not.toContain("tok-run");
  });
});
