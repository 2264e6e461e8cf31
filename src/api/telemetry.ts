/**
 * Per-request telemetry and response hygiene of the status API: a server span per request
 * (continuing the caller's W3C trace), request count and duration by route template, and headers
 * that keep answers out of caches and browsers' content sniffing.
 */
import { type Span, SpanStatusCode } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../observability/metrics.js";
import { startServerSpan } from "../observability/tracing.js";

declare module "fastify" {
  interface FastifyRequest {
    span?: Span;
  }
}

/** Label for requests that matched no route, so scanners cannot blow up label cardinality. */
const UNMATCHED = "unmatched";

export function installTelemetry(app: FastifyInstance, metrics: Metrics): void {
  app.decorateRequest("span", undefined);
  app.addHook("onRequest", async (request) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    request.span = startServerSpan(`${request.method} ${route}`, request.headers, {
      "http.request.method": request.method,
      "http.route": route,
    });
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    // API answers are not cached unless the route chose a policy (the gateway check, the
    // console's static files).
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    reply.header("x-content-type-options", "nosniff");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const status = reply.statusCode;
    metrics.httpRequests.inc({ method: request.method, route, status });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    const span = request.span;
    if (span) {
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  });
}
