/**
 * About the service itself: Prometheus metrics and the OpenAPI document, both behind a key
 * (metrics reveal traffic volumes and agent counts; Prometheus sends bearer tokens). A `metrics`
 * key can scrape and do nothing else, so Prometheus never holds a key that reads agents.
 */
import type { StatusApiDeps } from "../deps.js";
import { type AnyRoute, defineRoute } from "../route.js";

export function metaRoutes(deps: StatusApiDeps, openApi: () => unknown): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (text exposition format).",
      auth: ["read", "metrics"],
      logLevel: "warn",
      responses: { 200: { description: "Metrics", contentType: deps.metrics.contentType } },
      handler: async (_input, { reply }) =>
        reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
    }),
    defineRoute({
      method: "GET",
      url: "/openapi.json",
      operationId: "openapi",
      summary: "This API's OpenAPI 3.1 document.",
      auth: ["read"],
      responses: { 200: { description: "OpenAPI document" } },
      handler: () => openApi(),
    }),
  ];
}
