// Prometheus metrics move when events flow: lines go through the real line decoder, accepted
// events through a counting core, and every metric family the issue names is read back from
// `GET /metrics` as Prometheus scrapes it.
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { bearer, buildTestServer } from "../api/helpers.js";

/** Value of one sample in Prometheus text, e.g. `agentwatch_alerts_total{severity="high"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function line(agentId: string, i: number): string {
  return JSON.stringify({
    timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
    agentId,
    method: "GET",
    path: `/customers/${1000 + i}`,
    status: 404,
    requestBytes: 0,
    responseBytes: 120,
    latencyMs: 3,
    clientIp: "203.0.113.7",
    tokenId: "",
    userId: "",
    userAgent: "agent/1.0",
    requestId: `r-${i}`,
  });
}

describe("GET /metrics", () => {
  it("reports ingest, core, actions, lag, latency and HTTP figures that follow the traffic", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const ingest = { ingested: 0, rejectedByReason: {} as Record<string, number> };
    const agents = new Set<string>();
    const engine = { findingsByDetector: { enumeration: 0 }, alertsBySeverity: { low: 0, high: 0 } };
    const actions = {
      deliveries: { slack: { delivered: 0, failed: 0 } },
      decisionsActive: 0,
      queued: 0,
      deadLettered: 0,
    };
    let lag = 500;
    metrics.bindSources({
      ingest: () => ingest,
      engine: () => ({ agents: agents.size, ...engine }),
      actions: () => actions,
      consumerLag: () => [{ topic: "gateway-logs", partition: 0, lag }],
    });
    const s = buildTestServer({ deps: { metrics } });
    const scrape = async () => {
      const res = await s.app.inject({ url: "/metrics", headers: bearer(s.keys.read.key) });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.body;
    };

    const before = await scrape();
    expect(sample(before, "agentwatch_events_ingested_total")).toBe(0);
    expect(sample(before, "agentwatch_profiles_tracked")).toBe(0);

    // Traffic: valid lines for two agents, garbage, and a line nobody can be identified from.
    const decode = createLineDecoder({ format: "auto" });
    const out: NormalizedEvent[] = [];
    const lines = [
      ...Array.from({ length: 30 }, (_, i) => line(i % 2 ? "crawler-1" : "billing-bot", i)),
      "{not json",
      "\u0007garbage",
      JSON.stringify({ timestamp: Date.now(), method: "GET", path: "/", status: 200 }),
    ];
    const started = process.hrtime.bigint();
    for (const text of lines) {
      out.length = 0;
      const rejection = decode(text, out);
      if (rejection) {
        ingest.rejectedByReason[rejection.code] = (ingest.rejectedByReason[rejection.code] ?? 0) + 1;
        continue;
      }
      for (const event of out) {
        ingest.ingested += 1;
        agents.add(event.agentId);
        if (event.status === 404) engine.findingsByDetector.enumeration += 1;
      }
    }
    metrics.processingLatency.observe({ stage: "detect" }, Number(process.hrtime.bigint() - started) / 1e9);
    engine.alertsBySeverity.high = 1;
    actions.deliveries.slack.delivered = 1;
    actions.decisionsActive = 1;
    lag = 0;
    await s.app.inject({ url: "/v1/agents" }); // a 401, counted by code

    const after = await scrape();
    expect(sample(after, "agentwatch_events_ingested_total")).toBe(30);
    const rejected = Object.values(ingest.rejectedByReason).reduce((a, b) => a + b, 0);
    expect(rejected).toBe(3);
    for (const [reason, count] of Object.entries(ingest.rejectedByReason)) {
      expect(sample(after, `agentwatch_events_rejected_total{reason="${reason}"}`)).toBe(count);
    }
    expect(sample(after, "agentwatch_profiles_tracked")).toBe(2);
    expect(sample(after, 'agentwatch_findings_total{detector="enumeration"}')).toBe(30);
    expect(sample(after, 'agentwatch_alerts_total{severity="high"}')).toBe(1);
    expect(sample(after, 'agentwatch_deliveries_total{sink="slack",outcome="delivered"}')).toBe(1);
    expect(sample(after, "agentwatch_decisions_active")).toBe(1);
    expect(sample(after, 'agentwatch_consumer_lag{topic="gateway-logs",partition="0"}')).toBe(0);
    expect(sample(after, 'agentwatch_processing_latency_seconds_count{stage="detect"}')).toBe(1);
    expect(sample(after, 'agentwatch_http_requests_total{method="GET",route="/metrics",status="200"}')).toBe(
      1,
    );
    expect(sample(after, 'agentwatch_api_errors_total{code="UNAUTHORIZED"}')).toBe(1);
    expect(after).toContain("# TYPE agentwatch_events_ingested_total counter");
    expect(after).toContain("# TYPE agentwatch_http_request_duration_seconds histogram");
    await s.app.close();
  });

  it("exports Node process metrics unless told not to", async () => {
    expect(await createMetrics().render()).toContain("agentwatch_process_cpu_seconds_total");
    expect(await createMetrics({ processMetrics: false }).render()).not.toContain("process_cpu");
  });
});
