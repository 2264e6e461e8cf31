// `agentwatch replay --format auto` end to end on the gateway fixtures (test/fixtures/gateway-logs):
// each file is read in its own format with only its known bad lines rejected, alerts carry the
// request id of the event that raised them, the summary reports throughput and alerts by severity,
// and `input.identity.order` from a --config file changes which agent a request belongs to.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { readJsonl } from "../helpers/jsonl.js";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];
const FIXTURES = "test/fixtures/gateway-logs";
const SEVERITIES = ["low", "medium", "high", "critical"] as const;

interface Expected {
  /** The format(s) auto detection must find in the file. */
  formats: string;
  lines: number;
  events: number;
  /** Rejected lines, by line number: the fixtures' deliberately odd lines, nothing else. */
  rejects: Record<number, string>;
}

/** Every fixture file; lines differ from events where CRI partial lines join or a Kong batch splits. */
const EXPECTED: Record<string, Expected> = {
  "aws-apigw-http.constructed.jsonl": { formats: "aws-apigw", lines: 3, events: 3, rejects: {} },
  "aws-apigw-rest.constructed.jsonl": { formats: "aws-apigw", lines: 3, events: 3, rejects: {} },
  "canonical.constructed.jsonl": { formats: "json", lines: 3, events: 3, rejects: {} },
  "envoy-json-headers.constructed.log": { formats: "envoy-json, CRI P+F", lines: 4, events: 3, rejects: {} },
  "envoy-json.cri.log": { formats: "envoy-json and envoy, CRI", lines: 10, events: 10, rejects: {} },
  // Line 2 logs neither a client address nor any credential: nothing to identify it by.
  "envoy-text.docs.log": { formats: "envoy", lines: 2, events: 1, rejects: { 2: "MISSING_IDENTITY" } },
  "istio-text.constructed.log": { formats: "envoy (Istio)", lines: 2, events: 2, rejects: {} },
  "kong-file-log.jsonl": { formats: "kong", lines: 1, events: 1, rejects: {} },
  "kong.constructed.jsonl": { formats: "kong, a batch", lines: 3, events: 4, rejects: {} },
  // Line 9 is an nginx error-log line.
  "nginx-combined.crowdsec.log": { formats: "nginx", lines: 9, events: 8, rejects: { 9: "UNKNOWN_FORMAT" } },
  "nginx-combined.filebeat.log": { formats: "nginx", lines: 7, events: 7, rejects: {} },
  "nginx-json.constructed.jsonl": { formats: "nginx-json", lines: 4, events: 4, rejects: {} },
  "traefik-headers.constructed.log": { formats: "traefik", lines: 3, events: 3, rejects: {} },
  // Line 6 is a plugin's debug line.
  "traefik.json.log": { formats: "traefik", lines: 7, events: 6, rejects: { 6: "UNKNOWN_FORMAT" } },
};

interface Summary {
  linesRead: number;
  eventsRead: number;
  rejected: { total: number; byReason: Record<string, number> };
  alerts: { total: number; bySeverity: Record<string, number> };
  durationMs: number;
  eventsPerSecond: number;
}

interface AlertRecord {
  agentId: string;
  identitySource: string;
  severity: string;
  timestamp: string;
  requestId?: string;
  request: { method: string; template: string; status: number; clientIp: string };
}

interface Outcome {
  summary: Summary;
  alerts: AlertRecord[];
  rejects: Array<{ source: string; line: number; code: string }>;
}

const dir = mkdtempSync(join(tmpdir(), "aw-replay-formats-"));
let runs = 0;

/** Runs `agentwatch replay --format auto` on `inputs` with `extra` flags: its summary, alerts and rejects. */
async function replay(inputs: string[], extra: string[] = []): Promise<Outcome> {
  const n = ++runs;
  const out = (name: string) => join(dir, `${n}-${name}`);
  await run(process.execPath, [
    ...CLI,
    "replay",
    ...inputs,
    "--format",
    "auto",
    ...extra,
    "--alerts-out",
    out("alerts.jsonl"),
    "--rejects-out",
    out("rejects.jsonl"),
    "--summary-out",
    out("summary.json"),
    "--quiet",
  ]);
  return {
    summary: JSON.parse(readFileSync(out("summary.json"), "utf8")) as Summary,
    alerts: readJsonl<AlertRecord>(out("alerts.jsonl")),
    rejects: readJsonl(out("rejects.jsonl")),
  };
}

const fixtureText = (file: string) => readFileSync(join(FIXTURES, file), "utf8");

/**
 * The fixture cut into one input file per record (a CRI `P` line stays with the lines completing
 * it), named after the record's first line number. The real fixtures gather lines logged months
 * or years apart, which a decoder reading them as one stream rejects as out of step in event
 * time; each record on its own checks what this file is about, the reading of each format.
 */
function recordInputs(file: string): { path: string; line: number }[] {
  const folder = join(dir, file);
  mkdirSync(folder, { recursive: true });
  const records: { path: string; line: number; text: string }[] = [];
  let open = false;
  fixtureText(file)
    .split("\n")
    .forEach((line, i) => {
      if (line === "") return;
      const last = records.at(-1);
      if (open && last) last.text += `${line}\n`;
      else records.push({ path: join(folder, `${i + 1}.log`), line: i + 1, text: `${line}\n` });
      open = / std(out|err) P /.test(line);
    });
  for (const r of records) writeFileSync(r.path, r.text);
  return records.map(({ path, line }) => ({ path, line }));
}

/** The fixture's events decoded in-process with the CLI's defaults (auto, default identity order). */
function decodeFixture(file: string): NormalizedEvent[] {
  const events: NormalizedEvent[] = [];
  const lines = fixtureText(file).split("\n");
  lines.forEach((line, i) => {
    // A fresh decoder per record, as the replay below reads them; a CRI P line stays with its F.
    if (line !== "" && !/ std(out|err) P /.test(lines[i - 1] ?? "")) {
      const decode = createLineDecoder({ format: "auto" });
      decode(line, events);
      if (/ std(out|err) P /.test(line)) decode(lines[i + 1] ?? "", events);
    }
  });
  return events;
}

describe("agentwatch replay --format auto on the gateway fixtures", () => {
  const files = Object.keys(EXPECTED);
  const outcomes = new Map<string, Outcome & { lineOf: Map<string, number> }>();

  beforeAll(async () => {
    // Two at a time: each run is a process of its own.
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const inputs = recordInputs(file);
        const outcome = await replay(inputs.map((r) => r.path));
        outcomes.set(file, { ...outcome, lineOf: new Map(inputs.map((r) => [r.path, r.line])) });
      }
    };
    await Promise.all([worker(), worker()]);
  });

  it("knows every fixture file", () => {
    const present = readdirSync(FIXTURES).filter((f) => f !== "SOURCES.md");
    expect([...files].sort()).toEqual(present.sort());
  });

  it.each(files)("reads %s with only its known bad lines rejected", (file) => {
    const expected = EXPECTED[file] as Expected;
    const { summary, rejects, lineOf } = outcomes.get(file) as Outcome & { lineOf: Map<string, number> };
    expect(summary.linesRead).toBe(expected.lines);
    expect(summary.eventsRead).toBe(expected.events);
    expect(summary.rejected.total).toBe(Object.keys(expected.rejects).length);
    for (const r of rejects) expect(r.line, `${r.source}: a record file's first line`).toBe(1);
    expect(Object.fromEntries(rejects.map((r) => [lineOf.get(r.source), r.code]))).toEqual(expected.rejects);
  });

  it("puts the request id of the triggering event on each alert, and none when it had none", () => {
    let withId = 0;
    let withoutId = 0;
    for (const file of files) {
      const events = decodeFixture(file);
      for (const alert of (outcomes.get(file) as Outcome).alerts) {
        const trigger = events.filter(
          (e) =>
            e.agentId === alert.agentId &&
            e.timestamp === Date.parse(alert.timestamp) &&
            e.template === alert.request.template &&
            e.status === alert.request.status,
        );
        // Identical lines (the CrowdSec fixture repeats one) may both fit; their request id must agree.
        const ids = new Set(trigger.map((e) => e.requestId ?? ""));
        expect(ids.size, `${file}: the event behind ${JSON.stringify(alert)}`).toBe(1);
        const requestId = trigger[0]?.requestId ?? "";
        if (requestId !== "") {
          expect(alert.requestId, file).toBe(requestId);
          withId++;
        } else {
          expect(alert, file).not.toHaveProperty("requestId");
          withoutId++;
        }
      }
    }
    // Both cases occur: the AWS and Envoy alerts have ids, the Traefik /admin one has none.
    expect(withId).toBeGreaterThanOrEqual(3);
    expect(withoutId).toBeGreaterThanOrEqual(1);
  });

  it("summarizes throughput and alerts by severity, matching the alerts written", () => {
    let alerted = 0;
    for (const file of files) {
      const { summary, alerts } = outcomes.get(file) as Outcome;
      expect(typeof summary.eventsPerSecond, file).toBe("number");
      expect(Number.isFinite(summary.eventsPerSecond), file).toBe(true);
      expect(summary.eventsPerSecond, file).toBeGreaterThan(0);
      expect(Object.keys(summary.alerts.bySeverity).sort(), file).toEqual([...SEVERITIES].sort());
      for (const severity of SEVERITIES) {
        expect(summary.alerts.bySeverity[severity], `${file} ${severity}`).toBe(
          alerts.filter((a) => a.severity === severity).length,
        );
      }
      expect(summary.alerts.total, file).toBe(alerts.length);
      alerted += alerts.length;
    }
    expect(alerted).toBeGreaterThan(0);
  });

  describe("with input.identity.order from --config", () => {
    const withOrder = (order: string[]) => {
      const path = join(dir, `order-${order.join("_").replace(/[^a-z_-]/gi, "")}.yaml`);
      // The fixtures' gateway sets x-agent-id itself, so a config may trust it.
      writeFileSync(
        path,
        `input:\n  identity:\n    order: ${JSON.stringify(order)}\n    trustedHeaders: ["x-agent-id"]\n`,
      );
      return ["--config", path];
    };
    // Constructed fixtures, logged in step: each is replayed as one input.
    const traefik = join(FIXTURES, "traefik-headers.constructed.log");
    const aws = join(FIXTURES, "aws-apigw-rest.constructed.jsonl");
    const identities = (o: Outcome) => o.alerts.map((a) => [a.agentId, a.identitySource, a.timestamp]);

    it("names the Traefik basic-auth user by default, the client address with order [ip]", async () => {
      const byDefault = (outcomes.get("traefik-headers.constructed.log") as Outcome).alerts;
      expect(byDefault.map((a) => [a.agentId, a.identitySource])).toEqual([["backup", "consumer"]]);
      expect(identities(await replay([traefik], withOrder(["ip"])))).toEqual([
        ["192.0.2.11", "ip", byDefault[0]?.timestamp],
      ]);
    });

    it("names the AWS authorizer principal by default, the API key id with order [apikey, ip]", async () => {
      const byDefault = (outcomes.get("aws-apigw-rest.constructed.jsonl") as Outcome).alerts;
      expect(byDefault.map((a) => [a.agentId, a.identitySource])).toEqual([["inventory-agent", "consumer"]]);
      expect(identities(await replay([aws], withOrder(["apikey", "ip"])))).toEqual([
        ["k3y1d0000abc", "apikey", byDefault[0]?.timestamp],
      ]);
    });

    it("rejects the requests no listed candidate identifies (an order without ip)", async () => {
      const { summary, rejects } = await replay([traefik], withOrder(["header:x-agent-id"]));
      expect(summary.eventsRead).toBe(1);
      expect(summary.rejected.byReason).toEqual({ MISSING_IDENTITY: 2 });
      expect(rejects.map((r) => [r.line, r.code])).toEqual([
        [2, "MISSING_IDENTITY"],
        [3, "MISSING_IDENTITY"],
      ]);
    });
  });
});
