// Evaluation arithmetic on hand-made labels, events and alerts: recall, false positives,
// time to detect, the two baselines, alert-file attribution and the targets check.
import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/engine/types.js";
import { TokenBucketBaseline } from "../../src/eval/baselines/rate-limit.js";
import { SizeZScoreBaseline } from "../../src/eval/baselines/size-zscore.js";
import { alertsFileSystem, Evaluation, engineSystem, levelOfSeverity } from "../../src/eval/evaluate.js";
import { Scorer } from "../../src/eval/metrics.js";
import { buildReport, checkTargets, formatMarkdown, formatTable } from "../../src/eval/report.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import type { AgentLabel, LabelsFile } from "../../src/sim/labels.js";

const T0 = Date.UTC(2026, 0, 5, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function label(
  agentId: string,
  kind: AgentLabel["kind"],
  malicious: string[] = [],
  firstAt?: number,
): AgentLabel {
  const l: AgentLabel = {
    agentId,
    persona: "p",
    kind,
    lowTraffic: false,
    events: 0,
    maliciousRequestIds: malicious,
  };
  if (firstAt !== undefined) {
    l.firstMaliciousAt = iso(firstAt);
    l.compromisedAt = iso(firstAt);
  }
  return l;
}

function ev(
  agentId: string,
  requestId: string,
  timestamp: number,
  over: Partial<NormalizedEvent> = {},
): NormalizedEvent {
  return {
    timestamp,
    agentId,
    method: "GET",
    path: "/orders/1",
    status: 200,
    requestBytes: 0,
    responseBytes: 1000,
    latencyMs: 10,
    clientIp: "10.0.0.1",
    tokenId: "t",
    userId: "",
    userAgent: "ua",
    requestId,
    identitySource: "agent",
    authenticated: true,
    template: "/orders/{id}",
    queryKeys: [],
    objectId: "1",
    objectNumber: 1,
    ...over,
  };
}

describe("Scorer", () => {
  const labels = [
    label("benign-1", "benign"),
    label("benign-2", "benign"),
    label("enum", "enumeration-fast", ["e1", "e2", "e3", "e4"], T0 + 1000),
    label("early", "token-replay", ["k1", "k2"], T0 + 5000),
    label("missed", "aggregation", ["m1"], T0 + 2000),
    label("never-started", "recon-probing", []),
  ];

  it("computes recall, false positives and time to detect per level", () => {
    const s = new Scorer(labels);
    const feed = (agent: string, id: string, t: number, level?: "throttle" | "block") => {
      s.observe(agent, id);
      if (level) s.detect(agent, { level, cause: `${level}-rule` }, t);
    };
    feed("benign-1", "b1", T0);
    feed("early", "x0", T0 + 100, "throttle"); // before its attack: a false positive
    feed("enum", "n0", T0 + 500);
    feed("enum", "e1", T0 + 1000);
    feed("enum", "e2", T0 + 1010, "throttle"); // 2 malicious seen
    feed("enum", "e3", T0 + 1020);
    feed("enum", "e4", T0 + 1030, "block"); // 4 malicious seen
    feed("missed", "m1", T0 + 2000);
    feed("early", "k1", T0 + 5000, "block"); // detected at 1
    feed("benign-2", "b2", T0 + 6000, "block"); // benign blocked: FP at both levels

    const r = s.result();
    // Attacked agents that actually sent malicious requests: enum, early, missed.
    expect(r.throttle.attackedAgents).toBe(3);
    expect(r.throttle.detected).toBe(2);
    expect(r.throttle.recall).toBeCloseTo(2 / 3);
    expect(r.block.detected).toBe(2);
    expect(r.throttle.medianTimeToDetect).toBe(1.5); // enum 2, early 1
    expect(r.block.medianTimeToDetect).toBe(2.5); // enum 4, early 1
    expect(r.block.maxTimeToDetect).toBe(4);
    expect(r.throttle.benignAlerted).toBe(1);
    expect(r.throttle.alertedBeforeAttack).toBe(1);
    expect(r.throttle.falsePositiveAgents).toBe(2);
    expect(r.throttle.falsePositiveRate).toBeCloseTo(2 / 5); // never-started sent nothing: not counted
    expect(r.block.falsePositiveAgents).toBe(1); // only benign-2 was blocked falsely
    expect(r.falsePositivesByCase).toEqual({ regular: 1, attacked: 1 });
    expect(r.falsePositiveAgentIds.sort()).toEqual(["benign-2", "early"]);
    expect(r.missedAtBlock).toEqual([{ agentId: "missed", kind: "aggregation" }]);
    expect(r.byKind["enumeration-fast"]).toEqual({
      agents: 1,
      throttle: {
        detected: 1,
        recall: 1,
        medianTimeToDetect: 2,
        maxTimeToDetect: 2,
        causes: { "throttle-rule": 1 },
      },
      block: {
        detected: 1,
        recall: 1,
        medianTimeToDetect: 4,
        maxTimeToDetect: 4,
        causes: { "block-rule": 1 },
      },
    });
    expect(r.throttle.causes).toEqual({ "throttle-rule": 1, "block-rule": 1 });
    expect(r.falsePositiveCauses).toEqual({ "throttle-rule": 1, "block-rule": 1 });
    expect(r.byKind["recon-probing"]).toBeUndefined();
    // No agent of the group detected: no time to detect (not a median of nothing).
    expect(r.byKind.aggregation?.block.medianTimeToDetect).toBeNull();
  });

  it("ignores detections on agents that are not labelled", () => {
    const s = new Scorer(labels);
    s.detect("10.1.2.3", { level: "block", cause: "x" }, T0);
    expect(s.result().block.falsePositiveAgents).toBe(0);
  });
});

describe("rate-limit baseline (token bucket 300/min, burst 50)", () => {
  it("lets a burst of 50 through, throttles the 51st, and blocks after 50 refusals in a minute", () => {
    const b = new TokenBucketBaseline();
    const levels = Array.from({ length: 101 }, (_, i) => b.inspect(ev("a", `r${i}`, T0)));
    expect(levels.slice(0, 50).every((l) => l === undefined)).toBe(true);
    expect(levels[50]).toEqual({ level: "throttle", cause: "rate-limit" });
    expect(levels[99]?.level).toBe("throttle"); // 50th refusal completes the ring
    expect(levels[100]?.level).toBe("block"); // 51st refusal: 50 refusals within 60 s before it
  });

  it("refills at 5 tokens per second and keeps agents apart", () => {
    const b = new TokenBucketBaseline();
    for (let i = 0; i < 50; i++) b.inspect(ev("a", `r${i}`, T0));
    expect(b.inspect(ev("a", "x", T0))?.level).toBe("throttle");
    expect(b.inspect(ev("other", "y", T0))).toBeUndefined();
    // 2 s later: 10 tokens back.
    const after = Array.from({ length: 11 }, (_, i) => b.inspect(ev("a", `s${i}`, T0 + 2000)));
    expect(after.slice(0, 10).every((l) => l === undefined)).toBe(true);
    expect(after[10]?.level).toBe("throttle");
  });

  it("never fires on a steady 4 requests per second", () => {
    const b = new TokenBucketBaseline();
    for (let i = 0; i < 2000; i++) expect(b.inspect(ev("a", `r${i}`, T0 + i * 250))).toBeUndefined();
  });
});

describe("size z-score baseline", () => {
  const warm = (b: SizeZScoreBaseline) => {
    for (let i = 0; i < 30; i++) b.inspect(ev("a", `w${i}`, T0 + i, { responseBytes: 1000 + (i % 5) * 50 }));
  };

  it("stays quiet during warm-up, even on odd sizes", () => {
    const b = new SizeZScoreBaseline();
    b.inspect(ev("a", "w", T0, { responseBytes: 10 }));
    expect(
      b.inspect(ev("a", "big", T0 + 1, { responseBytes: 10_000_000, template: "/new" })),
    ).toBeUndefined();
  });

  it("throttles at z >= 3 and blocks at z >= 6 on response or request size", () => {
    const b = new SizeZScoreBaseline();
    warm(b);
    expect(b.inspect(ev("a", "n", T0 + 100, { responseBytes: 1100 }))).toBeUndefined();
    // sd of the warm-up is about 72 bytes: 1400 is z ~ 4, 5000 is far beyond 6.
    expect(b.inspect(ev("a", "t", T0 + 101, { responseBytes: 1400 }))?.level).toBe("throttle");
    expect(b.inspect(ev("a", "b", T0 + 102, { responseBytes: 5000 }))?.level).toBe("block");
    expect(b.inspect(ev("a", "q", T0 + 103, { requestBytes: 5_000_000 }))?.level).toBe("block");
  });

  it("flags a never-seen endpoint: throttle for reads, block for writes", () => {
    const b = new SizeZScoreBaseline();
    warm(b);
    expect(b.inspect(ev("a", "g", T0 + 100, { template: "/admin/users" }))?.level).toBe("throttle");
    expect(b.inspect(ev("a", "g2", T0 + 101, { template: "/admin/users" }))).toBeUndefined();
    expect(b.inspect(ev("a", "d", T0 + 102, { method: "DELETE", template: "/orders/{id}" }))?.level).toBe(
      "block",
    );
  });
});

describe("agentwatch as a system", () => {
  it("maps severities to levels", () => {
    expect(levelOfSeverity("low")).toBeUndefined();
    expect(levelOfSeverity("medium")).toBe("throttle");
    expect(levelOfSeverity("high")).toBe("block");
    expect(levelOfSeverity("critical")).toBe("block");
  });

  it("attributes alerts from a file by request id, or by time when they have none", () => {
    const sys = alertsFileSystem([
      { agentId: "a", severity: "medium", timestamp: iso(T0 + 10), requestId: "r2" },
      { agentId: "a", severity: "high", timestamp: iso(T0 + 10), requestId: "r2" },
      { agentId: "b", severity: "critical", timestamp: iso(T0 + 15) },
      { agentId: "b", severity: "low", timestamp: iso(T0 + 1), requestId: "q1" },
    ]);
    expect(sys.inspect(ev("a", "r1", T0))).toBeUndefined();
    expect(sys.inspect(ev("a", "r2", T0 + 10))?.level).toBe("block");
    expect(sys.inspect(ev("b", "q1", T0 + 1))).toBeUndefined();
    expect(sys.inspect(ev("b", "q2", T0 + 14))).toBeUndefined();
    expect(sys.inspect(ev("b", "q3", T0 + 20))?.level).toBe("block");
    expect(sys.inspect(ev("b", "q4", T0 + 30))).toBeUndefined();
  });
});

describe("Evaluation", () => {
  it("feeds every system every event and reports stream counts, the table and targets", () => {
    const labels: LabelsFile = {
      version: 1,
      settings: {},
      agents: [label("good", "benign"), label("bad", "destructive-injection", ["d1", "d2", "d3"], T0 + 100)],
    };
    const alertOn = new Set(["d2"]);
    const engine = {
      process: (e: NormalizedEvent) =>
        alertOn.has(e.requestId)
          ? ({ severity: "high", reasons: [{ detector: "destructive" }] } as unknown as Alert)
          : undefined,
    };
    const evaluation = new Evaluation(labels, [engineSystem(engine), new TokenBucketBaseline()]);
    evaluation.line();
    evaluation.reject("MALFORMED_JSON");
    for (const [i, id] of ["g1", "g2"].entries()) evaluation.event(ev("good", id, T0 + i));
    for (const [i, id] of ["d1", "d2", "d3"].entries()) {
      evaluation.event(ev("bad", id, T0 + 100 + i, { method: "DELETE" }));
    }
    const report = buildReport(evaluation.result());
    expect(report.stream).toMatchObject({
      events: 5,
      rejected: 1,
      agents: 2,
      attackedAgents: 1,
      maliciousMatched: 3,
    });
    const aw = report.systems[0]?.metrics;
    expect(aw?.block.detected).toBe(1);
    expect(aw?.block.medianTimeToDetect).toBe(2);
    expect(report.systems[1]?.metrics.throttle.detected).toBe(0);
    expect(report.targets?.map((t) => t.met)).toEqual([true, true, true, true]);
    const table = formatTable(report);
    expect(table).toMatch(/destructive-injection \(1\)\s+1\/1\s+1\/1\s+2\/2\s+0\/1\s+0\/1\s+-\/-/);
    expect(table).toContain("MET ");
    const md = formatMarkdown(report, "agentwatch eval --preset default");
    expect(md).toContain("`agentwatch eval --preset default`");
    expect(md).toContain("| destructive-injection (1) | 1/1 | 1/1 | 2/2 | 0/1 | 0/1 | -/- |");
  });

  it("misses targets when detection is late or noisy", () => {
    const s = new Scorer([
      label("bad", "destructive-injection", ["d1", "d2", "d3", "d4"], T0),
      label("good", "benign"),
    ]);
    for (const id of ["d1", "d2", "d3", "d4"]) s.observe("bad", id);
    s.observe("good", "g1");
    s.detect("bad", { level: "block", cause: "x" }, T0 + 10);
    s.detect("good", { level: "throttle", cause: "x" }, T0 + 10);
    const checks = checkTargets(s.result());
    expect(checks.map((c) => c.met)).toEqual([true, false, true, false]);
    expect(checks[3]?.value).toBe(4);
  });
});
