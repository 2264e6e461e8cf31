/**
 * The API commands (`decisions`, `agents`, `agent`, `alerts`, `allowlist`, `keys list`) against a
 * real `agentwatch run` serving its status API on an ephemeral port: tables for people, JSON with
 * `-o json`, no colour codes when stdout is no terminal, and one coded line for a refused key, a
 * key without the scope, an unknown agent and a server that is not there.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../src/keys/keys.js";
import { canonicalLine } from "../helpers/jsonl.js";
import { writeRunConfig } from "../helpers/run-config.js";

const dir = mkdtempSync(join(tmpdir(), "aw-remote-"));
const admin = issueApiKey("ops", ["read", "admin"]);
const reader = issueApiKey("dashboard", ["read"]);
const scraper = issueApiKey("prometheus", ["metrics"]);
let child: ChildProcess;
let url = "";

/** An injection attack from one agent, ordinary traffic from another: one alerted agent. */
function lines(): string {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString();
  const attack = [
    "/api/v1/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--",
    "/api/v1/files?name=..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/v1/search?q=ignore%20all%20previous%20instructions",
  ];
  return `${[
    canonicalLine({ timestamp: at(0), agentId: "reporting-bot", path: "/api/v1/reports/daily" }),
    ...attack.map((path, i) => canonicalLine({ timestamp: at(i + 1), agentId: "hijacked-agent", path })),
  ].join("\n")}\n`;
}

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", ...args],
      { env: { ...process.env, AGENTWATCH_URL: url, AGENTWATCH_API_KEY: admin.key, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  const log = join(dir, "access.jsonl");
  writeFileSync(log, lines());
  const keys = [admin, reader, scraper].flatMap(({ entry }) => [
    `    - name: ${entry.name}`,
    `      sha256: ${entry.sha256}`,
    `      scopes: [${entry.scopes.join(", ")}]`,
  ]);
  const config = writeRunConfig(dir, "remote", true, ["input:", "  format: json"]);
  // The API section of writeRunConfig, with keys added under it.
  writeFileSync(
    config,
    `${(await import("node:fs")).readFileSync(config, "utf8").replace("api:\n", `api:\n  keys:\n${keys.join("\n")}\n`)}\n`,
  );
  child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli.ts", "run", "--from-beginning", "-c", config, log],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agentwatch run did not start:\n${output}`)), 30_000);
    const check = (data: Buffer) => {
      output += data.toString();
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
  });
  // Until the attacked agent is listed: the file is read after the API is up.
  for (let i = 0; i < 100; i++) {
    const answer = await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${admin.key}` } });
    const { items } = (await answer.json()) as { items: Array<{ agentId: string }> };
    if (items.length === 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("API commands against agentwatch run", () => {
  it("agents: an aligned table, riskiest first, without colour codes off a terminal; --tier filters", async () => {
    const all = await cli(["agents"]);
    expect(all.code).toBe(0);
    const rows = all.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^AGENT\s+RISK\s+TIER\s+LAST SEEN$/);
    expect(rows[1]).toMatch(/^hijacked-agent\s+0\.\d\d\s+(low|medium|high|critical)\s+2026-01-05 10:00Z$/);
    expect(rows[2]).toMatch(/^reporting-bot\s+0\.00\s+none\s+2026-01-05 10:00Z$/);
    // Aligned: every row's second column starts at the same offset.
    expect(new Set(rows.map((row) => /^\S+(?: \S+)*\s{2,}/.exec(row)?.[0].length))).toEqual(new Set([16]));
    expect(all.stdout).not.toContain("\u001b[");

    const none = await cli(["agents", "--tier", "none", "-o", "json"]);
    expect(JSON.parse(none.stdout).items.map((a: { agentId: string }) => a.agentId)).toEqual([
      "reporting-bot",
    ]);
  }, 30_000);

  it("agent <id>: the readable profile, decision and recent alerts; an unknown id is NOT_FOUND", async () => {
    const shown = await cli(["agent", "hijacked-agent"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^hijacked-agent\n {2}risk {7}0\.\d\d \(\w+\)\n/);
    expect(shown.stdout).toContain("Profile\n");
    expect(shown.stdout).toMatch(
      /Recent alerts\nTIME\s+SEVERITY\s+AGENT\s+RISK\s+ACTION\s+REASON\n2026-01-05T10:00:0\d\.\d{3}Z/,
    );
    const missing = await cli(["agent", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("agentwatch: NOT_FOUND: no such resource: no such agent\n");
  }, 30_000);

  it("alerts: filtered by severity and since, as a table or JSON", async () => {
    const json = await cli(["alerts", "--since", "2026-01-05T09:00:00Z", "-o", "json"]);
    const { items } = JSON.parse(json.stdout) as { items: Array<{ agentId: string; severity: string }> };
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((a) => a.agentId === "hijacked-agent")).toBe(true);
    // Event time: nothing in the hour before now happened in January 2026's log.
    const recent = await cli(["alerts", "--since", "1h"]);
    expect(recent.stdout).toBe("No alerts.\n");
    const other = (["low", "medium", "high", "critical"] as const).find((s) => s !== items[0]?.severity);
    const filtered = await cli(["alerts", "--severity", other as string, "-o", "json"]);
    expect(JSON.parse(filtered.stdout).items.every((a: { severity: string }) => a.severity === other)).toBe(
      true,
    );
    const bad = await cli(["alerts", "--severity", "urgent"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agentwatch: INVALID_ARGUMENT: .*--severity/);
  }, 30_000);

  it("decisions add, list and delete", async () => {
    const added = await cli([
      "decisions",
      "add",
      "partner-bot",
      "--type",
      "throttle",
      "--duration",
      "4h",
      "--reason",
      "SEC-12",
      "--rate",
      "30",
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Decision added: throttle partner-bot until \d{4}-/);
    const listed = await cli(["decisions", "list"]);
    expect(listed.stdout).toMatch(/^AGENT\s+DECISION\s+EXPIRES\s+MODE\s+REASON\n/);
    expect(listed.stdout).toMatch(/partner-bot\s+throttle 30\/min\s+\S.*manual: SEC-12/);
    const json = JSON.parse((await cli(["decisions", "list", "-o", "json"])).stdout) as {
      decisions: Array<{ agentId: string; type: string; ratePerMinute: number }>;
    };
    expect(json.decisions.find((d) => d.agentId === "partner-bot")).toMatchObject({
      type: "throttle",
      ratePerMinute: 30,
    });
    // The gateway check enforces it like any decision.
    const check = await fetch(`${url}/v1/decisions/check?agent=partner-bot`, {
      headers: { "x-api-key": admin.key },
    });
    expect(check.status).toBe(403); // an admin key is no gateway key: the check stays closed to it

    expect((await cli(["decisions", "delete", "partner-bot"])).stdout).toBe(
      "Decision on partner-bot lifted.\n",
    );
    const again = await cli(["decisions", "delete", "partner-bot"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^agentwatch: NOT_FOUND: .*no active decision\n$/);
    const badDuration = await cli(["decisions", "add", "x", "--duration", "forever", "--reason", "r"]);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toMatch(/^agentwatch: INVALID_ARGUMENT: .*--duration/);
  }, 60_000);

  it("allowlist add, list and delete", async () => {
    expect((await cli(["allowlist", "add", "10.20.0.0/16"])).stdout).toBe("Allowlisted 10.20.0.0/16.\n");
    const listed = await cli(["allowlist", "list"]);
    expect(listed.stdout).toMatch(/^ENTRY\s+SOURCE\n10\.20\.0\.0\/16\s+api\n$/);
    expect((await cli(["allowlist", "delete", "10.20.0.0/16"])).code).toBe(0);
    expect((await cli(["allowlist", "list"])).stdout).toBe("The allowlist is empty.\n");
  }, 30_000);

  it("keys list: names and scopes, never hashes", async () => {
    const listed = await cli(["keys", "list"]);
    expect(listed.stdout).toBe(
      "NAME        SCOPES\nops         read,admin\ndashboard   read\nprometheus  metrics\n",
    );
    expect(listed.stdout).not.toContain(admin.entry.sha256.slice(0, 16));
  }, 30_000);

  it("refusals and an absent server are one line with a code", async () => {
    const refused = await cli(["agents"], { AGENTWATCH_API_KEY: "aw_not-a-key" });
    expect([refused.code, refused.stderr]).toEqual([
      1,
      `agentwatch: UNAUTHORIZED: missing or invalid API key: answered by ${url} (HTTP 401)\n`,
    ]);
    const forbidden = await cli(["keys", "list", "--key", reader.key]);
    expect(forbidden.stderr).toBe(
      "agentwatch: FORBIDDEN: the API key lacks the scope this route requires: needs one of: admin\n",
    );
    const noKey = await cli(["agents"], { AGENTWATCH_API_KEY: "" });
    expect(noKey.stderr).toMatch(/^agentwatch: UNAUTHORIZED: .*pass --key or set AGENTWATCH_API_KEY\n$/);
    const down = await cli(["agents", "--url", "http://127.0.0.1:9"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^agentwatch: API_UNREACHABLE: [^\n]*127\.0\.0\.1:9[^\n]*\n$/);
  }, 30_000);

  it("a metrics-scoped key scrapes /metrics and reads nothing else", async () => {
    const auth = { authorization: `Bearer ${scraper.key}` };
    expect((await fetch(`${url}/metrics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${url}/v1/agents`, { headers: auth })).status).toBe(403);
  });
});
