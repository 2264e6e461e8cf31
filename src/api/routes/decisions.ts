/**
 * Decisions for gateways: the active list plus a cursor, then only what changed since (cheap
 * polling), and a per-request check answering 204 allow / 429 throttled / 403 blocked that nginx
 * `auth_request` and similar hooks can call on every request.
 *
 * Which decisions are in force is the decision source's call (on the event clock). Throttle rates
 * are enforced here on the wall clock: they are rates of live requests.
 */
import type { Decision } from "../../actions/records.js";
import type { StatusApiDeps } from "../deps.js";
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

const iso = (ms: number) => new Date(ms).toISOString();

/** The store's record with event times as ISO 8601, like every time the API shows. */
export function decisionView(decision: Decision) {
  return {
    ...decision,
    since: iso(decision.since),
    updatedAt: iso(decision.updatedAt),
    expiresAt: iso(decision.expiresAt),
    ...(decision.recoveredAt === undefined ? {} : { recoveredAt: iso(decision.recoveredAt) }),
  };
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
          description:
            "Without since: the active decisions. With since: the changes (reset=true: `added` is the full set).",
          schema: decisionsSnapshotSchema.or(decisionsChangesSchema),
        },
      },
      handler: async ({ query }) => {
        const changes = await deps.decisions.changesSince(query.since);
        const added = changes.added.map(decisionView);
        return query.since === undefined
          ? { decisions: added, cursor: changes.cursor }
          : { ...changes, added };
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
        const agentId = query.agent ?? idSchema.safeParse(request.headers[AGENT_HEADER]).data;
        if (agentId === undefined) {
          throw new ApiError(
            400,
            "INVALID_REQUEST",
            `give the agent as ?agent= or the ${AGENT_HEADER} header`,
          );
        }
        const decision = await deps.decisions.get(agentId);
        // Shadow mode decides and reports but never enforces.
        if (!decision || decision.shadow) return reply.code(204).send();
        reply.header(DECISION_HEADER, decision.type);
        if (decision.type !== "throttle") return reply.code(403).send();
        const perSecond = Math.max(1, decision.ratePerMinute ?? 60) / 60;
        const take = throttles.take(agentId, perSecond, Math.max(1, Math.ceil(perSecond)), now());
        if (take.ok) return reply.code(204).send();
        return reply.code(429).header("retry-after", String(take.retryAfterSeconds)).send();
      },
    }),
  ];
}
