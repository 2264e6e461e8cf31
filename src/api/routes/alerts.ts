/**
 * Recent alerts, newest first, filtered by severity, agent and event time.
 */
import type { StatusApiDeps } from "../deps.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { alertListQuerySchema, alertListSchema } from "../schemas.js";

export function alertRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/v1/alerts",
      operationId: "listAlerts",
      summary: "Recent alerts, newest first; filter by severity, agent and since.",
      auth: ["read"],
      query: alertListQuerySchema,
      responses: { 200: { description: "One page of alerts", schema: alertListSchema } },
      handler: ({ query }) =>
        deps.alerts.list({
          limit: query.limit,
          severities: query.severity,
          agentId: query.agent,
          sinceMs: query.since,
          cursor: query.cursor,
        }),
    }),
  ];
}
