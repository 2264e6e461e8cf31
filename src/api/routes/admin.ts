/**
 * State-changing routes (admin scope): lift an agent's decision, manage the allowlist, and send a
 * test alert through every sink. Each change is logged with the name of the key that made it (the
 * auth hook puts it on the request logger).
 */
import type { StatusApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { type AnyRoute, defineRoute } from "../route.js";
import {
  allowlistBodySchema,
  allowlistListSchema,
  allowlistResultSchema,
  idParamsSchema,
  sinkTestSchema,
  unblockBodySchema,
  unblockResultSchema,
} from "../schemas.js";

export function adminRoutes(deps: StatusApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "POST",
      url: "/v1/agents/:id/unblock",
      operationId: "unblockAgent",
      summary: "Lift the agent's active throttle/block decision.",
      auth: ["admin"],
      params: idParamsSchema,
      body: unblockBodySchema,
      responses: {
        200: { description: "Unblocked", schema: unblockResultSchema },
        404: { description: "The agent has no active decision" },
      },
      handler: async ({ params, body }, { request }) => {
        const lifted = await deps.decisions.unblock(params.id);
        if (!lifted) throw new ApiError(404, "NOT_FOUND", "the agent has no active decision");
        request.log.info({ agentId: params.id, reason: body?.reason }, "agent unblocked");
        return { agentId: params.id, unblocked: true as const };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/allowlist",
      operationId: "listAllowlist",
      summary: "Agent ids and networks never enforced against.",
      auth: ["read"],
      responses: { 200: { description: "The allowlist", schema: allowlistListSchema } },
      handler: async () => ({ items: await deps.decisions.allowlist.list() }),
    }),
    defineRoute({
      method: "POST",
      url: "/v1/allowlist",
      operationId: "addAllowlist",
      summary:
        "Allowlist an agent id (lifting its active decision) or a network as a CIDR (an address alone is an agent id).",
      auth: ["admin"],
      body: allowlistBodySchema,
      responses: {
        201: { description: "Added", schema: allowlistResultSchema },
        200: { description: "Already allowlisted", schema: allowlistResultSchema },
      },
      handler: async ({ body }, { request, reply }) => {
        const added = await deps.decisions.allowlist.add(body.entry).catch((error: unknown) => {
          // The store's own check, should it be stricter than the schema.
          throw error instanceof RangeError
            ? new ApiError(400, "INVALID_REQUEST", "body.entry: not usable")
            : error;
        });
        // Allowlisted agents are never enforced against, including a decision already in force.
        const unblocked = body.entry.includes("/") ? false : await deps.decisions.unblock(body.entry);
        request.log.info({ allowlistEntry: body.entry, added, unblocked }, "allowlist entry added");
        return reply.code(added ? 201 : 200).send({ entry: body.entry, unblocked });
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/allowlist/:id",
      operationId: "removeAllowlist",
      summary: "Remove an allowlist entry (URL-encode a CIDR's slash as %2F).",
      auth: ["admin"],
      params: idParamsSchema,
      responses: { 204: { description: "Removed" }, 404: { description: "No such entry" } },
      handler: async ({ params }, { request, reply }) => {
        if (!(await deps.decisions.allowlist.remove(params.id))) {
          throw new ApiError(404, "NOT_FOUND", "no such allowlist entry added through the API");
        }
        request.log.info({ allowlistEntry: params.id }, "allowlist entry removed");
        return reply.code(204).send();
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/test",
      operationId: "testSinks",
      summary: "Send a test alert through every configured sink and report each outcome.",
      auth: ["admin"],
      responses: { 200: { description: "Per-sink outcome", schema: sinkTestSchema } },
      handler: async (_input, { request }) => {
        const results = await deps.testSinks();
        request.log.info({ sinks: results.length }, "sink test run");
        return { ok: results.every((result) => result.ok), results };
      },
    }),
  ];
}
