// Prometheus metrics move when events flow: gateway log lines go through the real pipeline
// (decoder -> engine), alerts through the real action layer, and every metric family the issue
// names is read back from `GET /metrics` as Prometheus scrapes it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { actionsOptionsSchema, createActions } from "../../src/actions/index.js";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import type { Alert } from "../../src/engine/types.js";
import { createLogger } from "../../src/observability/logger.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { EventPipeline } from "../../src/pipeline/event-pipeline.js";
import { bearer, buildTestServer } from "../api/helpers.js";

/** Value of one sample in Prometheus text, e.g. `agentwatch_alerts_total{severity="high"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const START = Date.now() - 3_600_000;

function line(agentId: string, i: number, path: string, status: number): string {
  return JSON.stringify({
    timestamp: new Date(START + i * 1000).toISOString(),
    agentId,
    method: "GET",
    path,
    status,
    requestBytes: 0,
    responseBytes: 120,
    latencyMs: 3,
    clientIp: "203.0.113.7",
    tokenId: "",
    userId: "",
    userAgent: "agent/1.0",
    requestId: `r-${agentId}-${i}`,
  });
}

describe("GET /metrics", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aw-metrics-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("reports ingest, detection, alerts, deliveries, decisions, lag, latency and HTTP figures", async () => {
    const engine = createEngine(engineOptionsSchema.parse({}));
    const options = { delivery: { dataDir }, decisions: { sweepInterval: "50ms" } };
    const actions = createActions(actionsOptionsSchema.parse(options), {
      logger: createLogger({ level: "silent" }),
    });
    await actions.start();
    const raised: Alert[] = [];
    const pipeline = new EventPipeline(createLineDecoder({ format: "auto" }), engine, {
      onAlert: (alert) => raised.push(alert),
      onReject: () => {},
    });
    let lag = 500;
    const metrics = createMetrics({ processMetrics: false });
    metrics.bindSources({
      ingest: () => ({
        ingested: pipeline.counters.eventsApplied,
        rejectedByReason: pipeline.counters.rejectedByReason,
        refusedByDecision: pipeline.counters.refusedByDecision,
      }),
      engine: () => engine.stats(),
      actions: () => actions.stats(),
      consumerLag: () => [{ topic: "gateway-logs", partition: 0, lag }],
    });
    const s = buildTestServer({ deps: { metrics } });
    const scrape = async () => {
      const res = await s.app.inject({ url: "/metrics", headers: bearer(s.keys.read.key) });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.body;
    };
    try {
      const before = await scrape();
      expect(sample(before, "agentwatch_events_ingested_total")).toBe(0);
      expect(sample(before, "agentwatch_events_refused_by_decision_total")).toBe(0);
      expect(sample(before, "agentwatch_profiles_tracked")).toBe(0);

      // A benign agent, an enumerating one, garbage, and a line nobody can be identified from.
      const lines = [
        ...Array.from({ length: 40 }, (_, i) => line("reporting-bot", i, "/v1/reports/daily", 200)),
        ...Array.from({ length: 40 }, (_, i) => line("scraper", i, `/v1/customers/${1000 + i}`, 404)),
        "{not json",
        "\u0007garbage",
        JSON.stringify({ timestamp: Date.now(), method: "GET", path: "/", status: 200 }),
      ];
      const stop = metrics.processingLatency.startTimer({ stage: "detect" });
      for (const [i, text] of lines.entries()) pipeline.handleLine(text, i + 1, "test");
      stop();
      for (const alert of raised) await actions.submit(alert);
      const deadline = Date.now() + 5000;
      // The action layer counts active decisions on its sweep.
      while ((actions.stats().queued > 0 || actions.stats().decisionsActive === 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      lag = 0;
      await s.app.inject({ url: "/v1/agents" }); // a 401, counted by code

      const after = await scrape();
      expect(sample(after, "agentwatch_events_ingested_total")).toBe(80);
      const rejected = Object.entries(pipeline.counters.rejectedByReason);
      expect(rejected.reduce((sum, [, n]) => sum + (n ?? 0), 0)).toBe(3);
      for (const [reason, count] of rejected) {
        expect(sample(after, `agentwatch_events_rejected_total{reason="${reason}"}`)).toBe(count);
      }
      expect(sample(after, "agentwatch_profiles_tracked")).toBe(2);
      expect(sample(after, 'agentwatch_findings_total{detector="enumeration"}')).toBeGreaterThan(0);
      expect(raised.length).toBeGreaterThan(0);
      const bySeverity = engine.stats().alertsBySeverity;
      for (const [severity, count] of Object.entries(bySeverity)) {
        expect(sample(after, `agentwatch_alerts_total{severity="${severity}"}`)).toBe(count);
      }
      const deliveries = after.split("\n").filter((l) => l.startsWith("agentwatch_deliveries_total{"));
      expect(deliveries.length).toBeGreaterThan(0);
      expect(sample(after, "agentwatch_decisions_active")).toBe(actions.stats().decisionsActive);
      expect(actions.stats().decisionsActive).toBeGreaterThan(0);
      expect(sample(after, 'agentwatch_consumer_lag{topic="gateway-logs",partition="0"}')).toBe(0);
      expect(sample(after, 'agentwatch_processing_latency_seconds_count{stage="detect"}')).toBe(1);
      expect(
        sample(after, 'agentwatch_http_requests_total{method="GET",route="/metrics",status="200"}'),
      ).toBe(1);
      expect(sample(after, 'agentwatch_api_errors_total{code="UNAUTHORIZED"}')).toBe(1);
      expect(after).toContain("# TYPE agentwatch_events_ingested_total counter");
      expect(after).toContain("# TYPE agentwatch_http_request_duration_seconds histogram");
    } finally {
      await s.app.close();
      await actions.stop();
    }
  });

  it("exports Node process metrics unless told not to", async () => {
    expect(await createMetrics().render()).toContain("agentwatch_process_cpu_seconds_total");
    expect(await createMetrics({ processMetrics: false }).render()).not.toContain("process_cpu");
  });
});
