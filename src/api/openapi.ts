/**
 * The OpenAPI 3.1 document, generated from the route declarations and their zod schemas with
 * zod's own `z.toJSONSchema` (OpenAPI 3.1 uses JSON Schema 2020-12 as is). Served behind auth.
 */
import { z } from "zod";
import type { AnyRoute } from "./route.js";
import { errorBodySchema } from "./schemas.js";

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

function parameters(where: "path" | "query", schema: z.ZodType | undefined) {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchema(field, "input");
    return {
      name,
      in: where,
      required: where === "path" || !accepts(field, undefined),
      ...(description ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

function operation(route: AnyRoute) {
  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const content = spec.schema
      ? { [spec.contentType ?? "application/json"]: { schema: jsonSchema(spec.schema, "output") } }
      : spec.contentType
        ? { [spec.contentType]: { schema: { type: "string" } } }
        : Number(status) >= 400
          ? errorResponse(spec.description).content
          : undefined;
    const headers = spec.headers
      ? Object.fromEntries(
          Object.entries(spec.headers).map(([name, description]) => [
            name,
            { description, schema: { type: "string" } },
          ]),
        )
      : undefined;
    responses[status] = {
      description: spec.description,
      ...(content ? { content } : {}),
      ...(headers ? { headers } : {}),
    };
  }
  if (route.params || route.query || route.body)
    responses["400"] ??= errorResponse("Invalid parameter or body");
  if (route.auth !== "public") {
    responses["401"] ??= errorResponse("Missing or invalid API key");
    responses["403"] ??= errorResponse("The key lacks the required scope");
    responses["429"] ??= errorResponse("Rate limit exceeded; see Retry-After");
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.auth === "public" ? { security: [] } : { "x-scopes": route.auth }),
    parameters: [...parameters("path", route.params), ...parameters("query", route.query)],
    ...(route.body
      ? {
          requestBody: {
            required: !accepts(route.body, undefined),
            content: { "application/json": { schema: jsonSchema(route.body, "input") } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "agentwatch status API",
      version,
      description:
        "Agents, risk, alerts and enforcement decisions. Every route except /healthz and /readyz needs an " +
        "API key (Authorization: Bearer or X-Api-Key); `x-scopes` lists the scopes a route accepts.",
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" },
      },
      schemas: { Error: jsonSchema(errorBodySchema, "output") },
    },
    paths,
  };
}
