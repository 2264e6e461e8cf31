// Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans (HTTP requests continuing the caller's
// W3C trace, batch work, failed deliveries) reach an OTLP/HTTP receiver running here; without it,
// withSpan is a plain call.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { AgentwatchError } from "../../src/errors.js";
import { initTracing, withSpan } from "../../src/observability/tracing.js";
import { bearer, buildTestServer } from "../api/helpers.js";

interface OtlpSpan {
  name: string;
  traceId: string;
  parentSpanId?: string;
  status?: { code?: number; message?: string };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe("without an OTLP endpoint", () => {
  it("installs nothing and runs the wrapped work as is", async () => {
    const tracing = initTracing({ env: {} });
    expect(tracing.enabled).toBe(false);
    expect(withSpan("detect", {}, () => 42)).toBe(42);
    await expect(withSpan("deliver", {}, async () => "sent")).resolves.toBe("sent");
    expect(() =>
      withSpan("x", {}, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    await tracing.shutdown();
  });
});

describe("with an OTLP endpoint", () => {
  const received: OtlpSpan[] = [];
  const paths: string[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      paths.push(req.url ?? "");
      const payload = JSON.parse(body);
      for (const resourceSpans of payload.resourceSpans ?? []) {
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) received.push(...scopeSpans.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  afterAll(() => new Promise((resolve) => receiver.close(resolve)));

  it("exports HTTP, batch and delivery spans over OTLP/HTTP", async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;
    const tracing = initTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/` } });
    expect(tracing.enabled).toBe(true);

    const s = buildTestServer({
      deps: {
        // A dependency that traces its own work: its span must nest under the request's.
        testSinks: () => withSpan("deliver.test", { "agentwatch.sink": "slack" }, async () => []),
      },
    });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await s.app.inject({
      url: "/v1/agents/agent-high",
      headers: { ...bearer(s.keys.read.key), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.statusCode).toBe(200);
    await s.app.inject({ url: "/v1/agents" });
    await s.app.inject({ method: "POST", url: "/v1/test", headers: bearer(s.keys.admin.key) });

    withSpan("detect.batch", { "agentwatch.events": 500 }, () => {
      withSpan("risk.score", {}, () => undefined);
    });
    await expect(
      withSpan("deliver", { "agentwatch.sink": "slack" }, async () => {
        throw new AgentwatchError(
          "SINK_UNAVAILABLE",
          "POST https://hooks.slack.example/T0/B0/secret answered 503",
        );
      }),
    ).rejects.toThrow("sink is unreachable");
    await s.app.close();
    await tracing.shutdown();

    expect(paths).toContain("/v1/traces");
    const byName = new Map(received.map((span) => [span.name, span]));
    const http = byName.get("GET /v1/agents/:id");
    expect(http?.traceId).toBe(traceId);
    expect(http?.parentSpanId).toBe("00f067aa0ba902b7");
    const status = http?.attributes.find((a) => a.key === "http.response.status_code")?.value;
    expect(status).toEqual({ intValue: 200 });
    const denied = byName.get("GET /v1/agents");
    expect(denied?.attributes.find((a) => a.key === "http.response.status_code")?.value).toEqual({
      intValue: 401,
    });

    const post = byName.get("POST /v1/test");
    const nested = byName.get("deliver.test");
    expect(nested?.traceId).toBe(post?.traceId);
    expect(nested?.parentSpanId).toBe((post as OtlpSpan & { spanId: string }).spanId);

    const batch = byName.get("detect.batch");
    expect(byName.get("risk.score")?.traceId).toBe(batch?.traceId);
    expect(byName.get("deliver")?.status).toMatchObject({ code: 2, message: "SINK_UNAVAILABLE" });
    expect(JSON.stringify(received)).not.toContain("hooks.slack.example");
  });
});
