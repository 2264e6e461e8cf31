/**
 * Decisions for gateways: the active list plus a cursor, then only what changed since (cheap
 * polling), and a per-request check answering 204 allow / 429 throttled / 403 blocked that nginx
 * `auth_request` and similar hooks can call on every request.
 *
 * Which decisions are in force is the decision source's call (on the event clock). Throttle rates
 * are enforced here on the wall clock: they are rates of live requests.
 */

import { BlockList } from "node:net";
import type { FastifyReply } from "fastify";
import { DECISION_RANK, type Decision } from "../../actions/records.js";
import { inNetworks, parseNetwork } from "../../normalize/client-address.js";
import { identityOptionsSchema } from "../../normalize/identity.js";
import { type Caller, type CallerOptions, CallerResolver } from "../caller.js";
import { DecisionIndex } from "../decision-index.js";
import type { StatusApiDeps } from "../deps.js";
import { type AnyRoute, defineRoute } from "../route.js";
import {
  decisionCheckQuerySchema,
  decisionsChangesSchema,
  decisionsQuerySchema,
  decisionsSnapshotSchema,
  idSchema,
} from "../schemas.js";
import { TokenBuckets } from "../token-bucket.js";

const CHECK_PATH = "/v1/decisions/check";
const OTHER_METHODS = ["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Header a gateway can send the agent id in, avoiding URL escaping in proxy configs. */
const AGENT_HEADER = "x-agentwatch-agent";

/** The check's settings (`api.check`). */
export interface CheckOptions {
  /** `Cache-Control: max-age` of allow and block answers, so `proxy_cache` can absorb bursts; 0 = no-store. */
  maxAgeSeconds: number;
  /** How stale the check's token/address index may be, ms. */
  indexRefreshMs: number;
}

/** Without the run's `input` options: the default identity order, no trusted proxy. */
const DEFAULT_CALLER_OPTIONS: CallerOptions = {
  identity: identityOptionsSchema.parse({}),
  trustedProxies: [],
};

/** An explicit agent id header: used when well-formed, ignored (not a 400) when garbled. */
function explicitAgent(header: string | string[] | undefined): string | undefined {
  return idSchema.safeParse(header).data;
}

/** Whether `decision` covers `caller`: its agent, a token it presents, or its address/network. */
function applies(decision: Decision, caller: Caller, anonymous: boolean): boolean {
  if (decision.agentId === caller.agentId) return true;
  if (caller.tokenHash !== undefined && decision.tokenHashes?.includes(caller.tokenHash)) return true;
  const identity = decision.identity;
  if (!anonymous || identity?.kind !== "ip" || caller.clientIp === "") return false;
  if (identity.value === caller.clientIp) return true;
  const network = identity.value.includes("/") ? parseNetwork(identity.value) : undefined;
  if (!network) return false;
  const list = new BlockList();
  list.addSubnet(network.address, network.prefix, network.family);
  return inNetworks(list, caller.clientIp);
}
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

export function decisionRoutes(deps: StatusApiDeps, now: () => number, check: CheckOptions): AnyRoute[] {
  // Throttle decisions are enforced here, per instance: with N instances behind a balancer each
  // grants its share, so the fleet-wide rate is at most N times the decided rate.
  const throttles = new TokenBuckets(100_000);
  const callers = new CallerResolver(deps.input ?? DEFAULT_CALLER_OPTIONS);
  const index = new DecisionIndex(deps.decisions, check.indexRefreshMs);
  const cacheControl = check.maxAgeSeconds > 0 ? `private, max-age=${check.maxAgeSeconds}` : "no-store";
  const allow = (reply: FastifyReply) => cacheable(reply, 204);
  const cacheable = (reply: FastifyReply, code: number) =>
    reply.code(code).header("cache-control", cacheControl).send();

  /**
   * The strongest enforced decision that applies to the caller: its own (same identity as the
   * log pipeline gives), one on a token it presents, or (for a caller known only by its address)
   * one on its address or network. A credentialed agent behind the same NAT is another party.
   */
  async function applicableDecision(caller: Caller): Promise<Decision | undefined> {
    await index.fresh();
    const candidates = new Set<string>();
    if (caller.agentId !== undefined) candidates.add(caller.agentId);
    const anonymous = caller.identitySource === undefined || caller.identitySource === "ip";
    index.candidates(caller.tokenHash, anonymous ? caller.clientIp : "", candidates);
    let strongest: Decision | undefined;
    for (const agentId of candidates) {
      const decision = await deps.decisions.get(agentId);
      // Shadow mode decides and reports but never enforces.
      if (!decision || decision.shadow || !applies(decision, caller, anonymous)) continue;
      if (!strongest || DECISION_RANK[decision.type] > DECISION_RANK[strongest.type]) strongest = decision;
    }
    return strongest;
  }

  const checkRoutes = [CHECK_PATH, `${CHECK_PATH}/*`];
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
    ...checkRoutes.map((url) =>
      defineRoute({
        method: "GET",
        // Envoy ext_authz keeps the client's method: the path-prefix form answers every method.
        ...(url.endsWith("*") ? { alsoMethods: OTHER_METHODS } : {}),
        url,
        operationId: url.endsWith("*") ? "checkForwardedPath" : "checkAgent",
        summary: url.endsWith("*")
          ? "Gateway hook with the request path appended (Envoy ext_authz path_prefix): as /v1/decisions/check."
          : "Gateway hook: 204 allow, 429 throttled (with Retry-After), 403 blocked.",
        auth: ["gateway"],
        // Called once per proxied request: request lines only when something goes wrong.
        logLevel: "warn",
        query: url.endsWith("*") ? undefined : decisionCheckQuerySchema,
        responses: {
          204: { description: "Allow (no decision applies, or the caller is unknown)" },
          403: { description: "Blocked (or token revoked)" },
          429: { description: "Throttled: over the decided rate", headers: { "Retry-After": "seconds" } },
        },
        handler: async ({ query }, { request, reply }) => {
          const explicit = query?.agent ?? explicitAgent(request.headers[AGENT_HEADER]);
          const suffix = url.endsWith("*") ? request.url.slice(CHECK_PATH.length) : "";
          const caller = callers.resolve(request.headers, explicit, suffix);
          const decision = await applicableDecision(caller);
          if (!decision) return allow(reply);
          reply.header(DECISION_HEADER, decision.type);
          if (decision.type !== "throttle") return cacheable(reply, 403);
          const perSecond = Math.max(1, decision.ratePerMinute ?? 60) / 60;
          const take = throttles.take(decision.agentId, perSecond, Math.max(1, Math.ceil(perSecond)), now());
          if (take.ok) return reply.code(204).header("cache-control", "no-store").send();
          return reply
            .code(429)
            .header("cache-control", "no-store")
            .header("retry-after", String(take.retryAfterSeconds))
            .send();
        },
      }),
    ),
  ];
}
