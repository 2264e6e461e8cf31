/**
 * Agents: the risk-ordered listing and one agent's readable profile with its active decision and
 * recent alerts. Both answer for every agent, whichever instance holds its profile (the
 * AgentDirectory behind them takes care of that).
 */
import type { AgentBrief, StatusApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { agentDetailSchema, agentListQuerySchema, agentListSchema, idParamsSchema } from "../schemas.js";
import { decisionView } from "./decisions.js";

/** Alerts shown with an agent's profile. */
const RECENT_ALERTS = 10;

/** Event times travel as epoch ms inside agentwatch and as ISO 8601 in the API. */
function withIsoTime<T extends AgentBrief>({ lastSeenMs, ...rest }: T) {
  return { ...rest, lastSeen: new Date(lastSeenMs).toISOString() };
}

export function agentRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/v1/agents",
      operationId: "listAgents",
      summary: "Agents by risk, highest first; filter by tier, minimum risk and last-seen time.",
      auth: ["read"],
      query: agentListQuerySchema,
      responses: { 200: { description: "One page of agents", schema: agentListSchema } },
      handler: async ({ query }) => {
        const page = await deps.agents.list({
          limit: query.limit,
          tier: query.tier,
          minRisk: query.minRisk,
          seenSinceMs: query.seenSince,
          cursor: query.cursor,
        });
        return { items: page.items.map(withIsoTime), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/agents/:id",
      operationId: "getAgent",
      summary: "One agent's profile in readable form, its active decision and recent alerts.",
      auth: ["read"],
      params: idParamsSchema,
      responses: {
        200: { description: "The agent", schema: agentDetailSchema },
        404: { description: "No such agent is tracked" },
      },
      handler: async ({ params }) => {
        const agent = await deps.agents.get(params.id);
        if (!agent) throw new ApiError(404, "NOT_FOUND", "no such agent");
        const [decision, alerts] = await Promise.all([
          deps.decisions.get(params.id),
          deps.alerts.list({ agentId: params.id, limit: RECENT_ALERTS }),
        ]);
        const { profile, ...brief } = agent;
        return {
          agent: withIsoTime(brief),
          profile,
          decision: decision ? decisionView(decision) : null,
          recentAlerts: alerts.items,
        };
      },
    }),
  ];
}
