/**
 * Decisions for gateways: the full list plus a cursor, then only what changed since (cheap
 * polling), and a per-request check answering 204 allow / 429 throttled / 403 blocked that nginx
 * `auth_request` and similar hooks can call on every request.
 */
import type { DecisionView, StatusApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { type AnyRoute, defineRoute } from "../route.js";
import {
  decisionCheckQuerySchema,
  decisionsChangesSchema,
  decisionsQuerySchema,
  decisionsSnapshotSchema,
  idSchema,
} from "../schemas.js";
import { TokenBuckets } from "../token-bucket.js";

/** Header a gateway can send the agent id in, avoiding URL escaping in proxy configs. */
const AGENT_HEADER = "x-agentwatch-agent";
/** Tells the gateway (and its logs) which decision applied. */
const DECISION_HEADER = "x-agentwatch-decision";

function enforced(decision: DecisionView | undefined, nowMs: number): DecisionView | undefined {
  if (!decision || decision.shadow) return undefined;
  // The store expires decisions itself; this guards against one that lags behind.
  return Date.parse(decision.expiresAt) > nowMs ? decision : undefined;
}

export function decisionRoutes(deps: StatusApiDeps, now: () => number): AnyRoute[] {
  // Throttle decisions are enforced here, per instance: with N instances behind a balancer each
  // grants its share, so the fleet-wide rate is at most N times the decided rate.
  const throttles = new TokenBuckets(100_000);
  return [
    defineRoute({
      method: "GET",
      url: "/v1/decisions",
      operationId: "listDecisions",
      summary: "Active decisions and a cursor; with ?since=<cursor>, only what was added and removed since.",
      auth: ["gateway", "read"],
      query: decisionsQuerySchema,
      responses: {
        200: {
          description: "Full snapshot (no since) or changes since the cursor",
          schema: decisionsSnapshotSchema.or(decisionsChangesSchema),
        },
        410: { description: "The cursor is unknown or too old: fetch the full list again" },
      },
      handler: async ({ query }) => {
        if (query.since === undefined) return deps.decisions.snapshot();
        const changes = await deps.decisions.changesSince(query.since);
        if (!changes) throw new ApiError(410, "CURSOR_EXPIRED");
        return changes;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/decisions/check",
      operationId: "checkAgent",
      summary: "Gateway hook: 204 allow, 429 throttled (with Retry-After), 403 blocked.",
      auth: ["gateway"],
      // Called once per proxied request: request lines only when something goes wrong.
      logLevel: "warn",
      query: decisionCheckQuerySchema,
      responses: {
        204: { description: "Allow" },
        403: { description: "Blocked (or token revoked)" },
        429: { description: "Throttled: over the decided rate", headers: { "Retry-After": "seconds" } },
      },
      handler: async ({ query }, { request, reply }) => {
        const fromHeader = request.headers[AGENT_HEADER];
        const agentId = query.agent ?? idSchema.safeParse(fromHeader).data;
        if (agentId === undefined) {
          throw new ApiError(
            400,
            "INVALID_REQUEST",
            `give the agent as ?agent= or the ${AGENT_HEADER} header`,
          );
        }
        const nowMs = now();
        const decision = enforced(await deps.decisions.get(agentId), nowMs);
        if (!decision) return reply.code(204).send();
        reply.header(DECISION_HEADER, decision.type);
        if (decision.type !== "throttle") return reply.code(403).send();
        const rate = decision.ratePerSecond ?? 1;
        const take = throttles.take(agentId, rate, Math.max(1, Math.ceil(rate)), nowMs);
        if (take.ok) return reply.code(204).send();
        return reply.code(429).header("retry-after", String(take.retryAfterSeconds)).send();
      },
    }),
  ];
}
