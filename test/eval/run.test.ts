// `runEval` end to end on files: the committed example traffic through the real decoder and
// engine, a recorded alerts file instead of the engine, the JSON report, and the guard against
// streams whose format dropped the request ids the labels are keyed on.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEval } from "../../src/eval/run.js";
import { labelsFileSchema } from "../../src/sim/labels.js";
import { runSimulate } from "../../src/sim/simulate.js";

const EVENTS = "examples/traffic.jsonl";
const LABELS = "examples/labels.json";

describe("runEval on files", () => {
  it("reads the example traffic and its labels and scores all three systems", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aw-eval-"));
    const jsonOut = join(dir, "report.json");
    let printed = "";
    const report = await runEval({ events: EVENTS, labels: LABELS, jsonOut, print: (t) => (printed = t) });
    const labels = labelsFileSchema.parse(JSON.parse(await readFile(LABELS, "utf8")));
    const malicious = labels.agents.reduce((n, a) => n + a.maliciousRequestIds.length, 0);
    expect(report.stream).toMatchObject({
      rejected: 0,
      agents: labels.agents.length,
      maliciousEvents: malicious,
      maliciousMatched: malicious,
    });
    expect(report.stream.events).toBe(labels.agents.reduce((n, a) => n + a.events, 0));
    expect(report.systems.map((s) => s.name)).toEqual(["agentwatch", "rate-limit", "size-zscore"]);
    expect(report.targets).toHaveLength(4);
    expect(printed).toContain("enumeration-fast (1)");
    expect(JSON.parse(await readFile(jsonOut, "utf8"))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("explains one agent: its malicious requests and the alerts on it", async () => {
    const labels = labelsFileSchema.parse(JSON.parse(await readFile(LABELS, "utf8")));
    const agent = labels.agents.find((a) => a.kind === "destructive-injection");
    let printed = "";
    await runEval({ events: EVENTS, labels: LABELS, explain: agent?.agentId, print: (t) => (printed = t) });
    const trace = printed.slice(printed.indexOf(`${agent?.agentId}: destructive-injection`));
    expect(trace).toContain(`compromised ${agent?.compromisedAt}`);
    expect(trace.match(/ MAL /g)?.length).toBe(agent?.maliciousRequestIds.length);
  });

  it("scores a recorded alerts file instead of running the engine", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aw-eval-"));
    const labels = labelsFileSchema.parse(JSON.parse(await readFile(LABELS, "utf8")));
    const attacked = labels.agents.filter((a) => a.kind !== "benign");
    const benign = labels.agents.find((a) => a.kind === "benign" && a.events > 0);
    // Block every attacked agent on its second malicious request; falsely throttle one benign agent by time.
    const alerts = attacked.map((a) => ({
      agentId: a.agentId,
      severity: "high",
      timestamp: a.firstMaliciousAt,
      requestId: a.maliciousRequestIds[1],
      reasons: [{ detector: "hand-made" }],
    }));
    alerts.push({
      agentId: benign?.agentId as string,
      severity: "medium",
      timestamp: "2026-01-05T08:00:00.000Z",
      requestId: undefined,
      reasons: [{ detector: "noise" }],
    });
    const alertsPath = join(dir, "alerts.jsonl");
    await writeFile(alertsPath, `${alerts.map((a) => JSON.stringify(a)).join("\n")}\n`);
    const report = await runEval({ events: EVENTS, labels: LABELS, alerts: alertsPath, quiet: true });
    const aw = report.systems[0]?.metrics;
    expect(aw?.block.recall).toBe(1);
    expect(aw?.block.medianTimeToDetect).toBe(2);
    expect(aw?.block.causes).toEqual({ "hand-made": attacked.length });
    expect(aw?.throttle.falsePositiveAgents).toBe(1);
    expect(aw?.falsePositiveCauses).toEqual({ noise: 1 });
  });

  it("refuses a stream that carries none of the labelled request ids", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aw-eval-"));
    const out = join(dir, "nginx.log");
    const labels = join(dir, "labels.json");
    await runSimulate({ agents: 10, hours: 6, seed: 2, format: "nginx", out, labels });
    await expect(runEval({ events: out, labels, format: "nginx", quiet: true })).rejects.toThrow(
      /request ids/,
    );
  });
});
