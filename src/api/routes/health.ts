/**
 * Liveness and readiness probes: the only routes that need no key, and they reveal nothing but
 * booleans (orchestrators call them without credentials).
 */
import type { StatusApiDeps } from "../deps.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { healthSchema, readinessSchema } from "../schemas.js";

export function healthRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/healthz",
      operationId: "health",
      summary: "Liveness: the process answers.",
      auth: "public",
      logLevel: "warn",
      responses: { 200: { description: "Alive", schema: healthSchema } },
      handler: () => ({ status: "ok" as const }),
    }),
    defineRoute({
      method: "GET",
      url: "/readyz",
      operationId: "ready",
      summary: "Readiness: sources connected and state restored.",
      auth: "public",
      logLevel: "warn",
      responses: {
        200: { description: "Ready", schema: readinessSchema },
        503: { description: "Not ready yet (or any more)", schema: readinessSchema },
      },
      handler: (_input, { reply }) => {
        const readiness = deps.readiness();
        return reply.code(readiness.ready ? 200 : 503).send(readiness);
      },
    }),
  ];
}
