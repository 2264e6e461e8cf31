/**
 * What an operator does by hand from the command line (`agentwatch decisions add|delete`,
 * `agentwatch keys list`), admin scope: put a decision in force, lift one, and list the keys
 * that may call this API (names and scopes, never their hashes).
 */
import type { StatusApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { decisionAddBodySchema, decisionSchema, idParamsSchema, keyListSchema } from "../schemas.js";
import { decisionView } from "./decisions.js";

export function manageRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "POST",
      url: "/v1/decisions",
      operationId: "addDecision",
      summary: "Put an operator's decision in force against an agent, from now for `duration`.",
      auth: ["admin"],
      body: decisionAddBodySchema,
      responses: { 201: { description: "In force", schema: decisionSchema } },
      handler: async ({ body }, { request, reply }) => {
        const decision = await deps.decisions.add({
          agentId: body.agentId,
          type: body.type,
          durationMs: body.duration,
          reason: body.reason,
          ...(body.ratePerMinute === undefined ? {} : { ratePerMinute: body.ratePerMinute }),
        });
        request.log.info(
          { agentId: body.agentId, decision: body.type, durationMs: body.duration, reason: body.reason },
          "decision added by hand",
        );
        return reply.code(201).send(decisionView(decision));
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/decisions/:id",
      operationId: "deleteDecision",
      summary: "Lift the agent's decision (as `POST /v1/agents/{id}/unblock`).",
      auth: ["admin"],
      params: idParamsSchema,
      responses: { 204: { description: "Lifted" }, 404: { description: "The agent has no active decision" } },
      handler: async ({ params }, { request, reply }) => {
        if (!(await deps.decisions.unblock(params.id)))
          throw new ApiError(404, "NOT_FOUND", "the agent has no active decision");
        request.log.info({ agentId: params.id }, "decision deleted by hand");
        return reply.code(204).send();
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/keys",
      operationId: "listKeys",
      summary: "The API keys this instance accepts: names and scopes, never hashes.",
      auth: ["admin"],
      responses: { 200: { description: "The keys", schema: keyListSchema } },
      handler: () => ({
        items: (deps.apiKeys ?? []).map((key) => ({ name: key.name, scopes: [...key.scopes] })),
      }),
    }),
  ];
}
