/**
 * A route is declared once, as data: method, URL, the scopes it needs, zod schemas for params,
 * query, body and responses, and a handler that receives already-parsed input. The same
 * declarations register the Fastify routes and generate the OpenAPI document.
 */
import { context, trace } from "@opentelemetry/api";
import type { FastifyInstance, FastifyReply, FastifyRequest, LogLevel } from "fastify";
import type { z } from "zod";
import type { ApiPrincipal, ApiScope } from "../keys/keys.js";
import { invalidRequest } from "./errors.js";

/** `public`: no key needed (health probes only). */
export type RouteAuth = readonly ApiScope[] | "public";

export interface RouteContext {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The verified key; undefined only on public routes. */
  principal: ApiPrincipal | undefined;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: "GET" | "POST" | "DELETE";
  /** Further methods the same handler answers (not in the OpenAPI document). */
  alsoMethods?: readonly string[];
  /** Fastify syntax: `/v1/agents/:id`. */
  url: string;
  operationId: string;
  summary: string;
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Level of this route's request log lines; hot gateway routes use `warn`. */
  logLevel?: LogLevel;
  handler(input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }, ctx: RouteContext): unknown;
}

export type AnyRoute = RouteDef<z.ZodType, z.ZodType, z.ZodType>;

/** Identity function that lets TypeScript infer the handler's input types from the schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(def: RouteDef<P, Q, B>): RouteDef<P, Q, B> {
  return def;
}

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal?: ApiPrincipal;
  }
}

function parsePart(where: string, schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(where, parsed.error);
  return parsed.data;
}

export function registerRoutes(app: FastifyInstance, routes: readonly AnyRoute[]): void {
  for (const route of routes) {
    app.route({
      method: route.alsoMethods ? [route.method, ...route.alsoMethods] : route.method,
      url: route.url,
      config: { auth: route.auth },
      ...(route.logLevel ? { logLevel: route.logLevel } : {}),
      handler: async (request, reply) => {
        const input = {
          params: parsePart("params", route.params, request.params),
          query: parsePart("query", route.query, request.query),
          // An empty body arrives as undefined; schemas that need one say so.
          body: parsePart("body", route.body, request.body),
        };
        const ctx = { request, reply, principal: request.principal };
        // Run inside the request's span so spans the dependencies open nest under it.
        const span = request.span;
        if (!span) return route.handler(input, ctx);
        return context.with(trace.setSpan(context.active(), span), () => route.handler(input, ctx));
      },
    });
  }
}
