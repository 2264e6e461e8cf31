/**
 * Read routes the web console (`/ui`) needs beyond the rest of the API, usable by any client:
 * who the presented key is (so the console shows admin buttons only to admin keys), agents with
 * their recent risk history and identity kind in one call (a sparkline per row without one request
 * per agent, which the per-key rate limit would refuse), and the last deliveries and dead letters.
 */
import { z } from "zod";
import type { StatusApiDeps } from "../deps.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { agentBriefSchema, agentListQuerySchema, alertSchema, MAX_PAGE_SIZE } from "../schemas.js";

/** Points of risk history per agent in the overview (the sparkline's resolution). */
const HISTORY_POINTS = 48;
/** Agents per overview page at most: each costs a profile summary. */
const MAX_OVERVIEW = 100;
/** Alerts scanned to learn each agent's identity kind (the kind travels on alerts). */
const ALERTS_SCANNED = MAX_PAGE_SIZE;

/** `engine.risk.tiers` defaults, for deps that do not say. */
const DEFAULT_TIERS = { low: 0.3, medium: 0.5, high: 0.7, critical: 0.9 };

const sessionSchema = z.object({
  key: z.string(),
  scopes: z.array(z.enum(["read", "admin", "gateway"])),
  /** Risk at which each tier starts. */
  tiers: z.object({ low: z.number(), medium: z.number(), high: z.number(), critical: z.number() }),
});

const overviewItemSchema = agentBriefSchema.extend({
  /** How the agent was identified (its decision's scope, else its latest alert); null when neither exists. */
  identityKind: alertSchema.shape.identitySource.nullable(),
  /** Type of the decision in force, if any. */
  decision: z.enum(["throttle", "block", "revoke"]).nullable(),
  /** Risk over time, oldest first: [ISO time, score]. */
  history: z.array(z.tuple([z.string(), z.number()])),
});
const overviewSchema = z.object({ items: z.array(overviewItemSchema), nextCursor: z.string().nullable() });

const overviewQuerySchema = agentListQuerySchema.extend({
  limit: z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_OVERVIEW))
    .default(MAX_OVERVIEW)
    .describe(`Page size, 1 to ${MAX_OVERVIEW} (default ${MAX_OVERVIEW})`),
});

const deliverySchema = z.object({
  at: z.string(),
  sink: z.string(),
  kind: z.enum(["alert", "recovered", "ended", "test"]),
  recordId: z.string(),
  agentId: z.string(),
  outcome: z.enum(["delivered", "skipped", "duplicate", "dead-lettered"]),
});
const deadLetterSchema = z.object({
  at: z.string(),
  sink: z.string(),
  sinkType: z.string(),
  recordId: z.string(),
  agentId: z.string(),
  code: z.string(),
  reason: z.string(),
  attempts: z.number(),
  status: z.number().optional(),
});
const deliveriesSchema = z.object({
  deliveries: z.array(deliverySchema),
  deadLetters: z.array(deadLetterSchema),
});

interface RiskHistory {
  risk?: { history?: Array<{ timestamp: string; score: number }> };
}

export function consoleRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/v1/session",
      operationId: "session",
      summary: "The presented key's name and scopes (what a client may offer its user).",
      auth: ["read", "admin", "gateway"],
      responses: { 200: { description: "The key", schema: sessionSchema } },
      handler: (_input, { principal }) => ({
        key: principal?.name ?? "",
        scopes: [...(principal?.scopes ?? [])].sort(),
        tiers: deps.riskTiers ?? DEFAULT_TIERS,
      }),
    }),
    defineRoute({
      method: "GET",
      url: "/v1/overview/agents",
      operationId: "agentsOverview",
      summary:
        "Agents by risk like /v1/agents, each with its identity kind, decision and recent risk history.",
      auth: ["read"],
      query: overviewQuerySchema,
      responses: { 200: { description: "One page of agents", schema: overviewSchema } },
      handler: async ({ query }) => {
        const [page, alerts, decisions] = await Promise.all([
          deps.agents.list({
            limit: query.limit,
            tier: query.tier,
            minRisk: query.minRisk,
            seenSinceMs: query.seenSince,
            cursor: query.cursor,
          }),
          deps.alerts.list({ limit: ALERTS_SCANNED }),
          deps.decisions.changesSince(undefined),
        ]);
        const kinds = new Map<string, (typeof alerts.items)[number]["identitySource"]>();
        // Newest first: the first alert seen per agent is its latest.
        for (const alert of alerts.items)
          if (!kinds.has(alert.agentId)) kinds.set(alert.agentId, alert.identitySource);
        const decided = new Map(decisions.added.map((d) => [d.agentId, d]));
        const items = await Promise.all(
          page.items.map(async ({ lastSeenMs, ...brief }) => {
            const detail = await deps.agents.get(brief.agentId);
            const history = ((detail?.profile as RiskHistory | undefined)?.risk?.history ?? [])
              .slice(-HISTORY_POINTS)
              .map((point) => [point.timestamp, point.score] as [string, number]);
            return {
              ...brief,
              lastSeen: new Date(lastSeenMs).toISOString(),
              identityKind: decided.get(brief.agentId)?.identity?.kind ?? kinds.get(brief.agentId) ?? null,
              decision: decided.get(brief.agentId)?.type ?? null,
              history,
            };
          }),
        );
        return { items, nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/deliveries",
      operationId: "recentDeliveries",
      summary: "The last deliveries to sinks and the last dead letters, newest first.",
      auth: ["read"],
      responses: { 200: { description: "Recent deliveries", schema: deliveriesSchema } },
      handler: () => deps.deliveries?.() ?? { deliveries: [], deadLetters: [] },
    }),
  ];
}
