/**
 * How the status API fails: one error type carrying a code from `src/errors.ts` and an HTTP
 * status, and the Fastify error/404 handlers that turn anything thrown into
 * `{error: {code, message}}`. Nothing else reaches the client: no stack, no file path, no
 * framework error name, no echo of the offending input.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import type { Metrics } from "../observability/metrics.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    /** Safe, client-facing detail appended to the code's message. */
    readonly detail?: string,
    /** Extra response headers (Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ? `${ERROR_CODES[code].message}: ${detail}` : ERROR_CODES[code].message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * A zod failure as a 400 naming the first offending field, e.g. `query.limit: too big`. Paths
 * only hold names the schemas define; an unknown field is not named, since its name is input.
 */
export function invalidRequest(where: string, error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join(".");
  const message = issue?.code === "unrecognized_keys" ? "unknown field" : (issue?.message ?? "invalid");
  return new ApiError(400, "INVALID_REQUEST", `${path}: ${message}`);
}

/** Fastify's own client errors (bad JSON, wrong media type, body too large) by status. */
function fromFramework(error: FastifyError): ApiError {
  const status = error.statusCode ?? 500;
  if (status === 413) return new ApiError(413, "PAYLOAD_TOO_LARGE");
  if (status === 414) return new ApiError(414, "INVALID_REQUEST", "URL too long");
  if (status === 415) return new ApiError(415, "INVALID_REQUEST", "send application/json");
  if (status >= 400 && status < 500) return new ApiError(400, "INVALID_REQUEST", "malformed request");
  return new ApiError(500, "INTERNAL");
}

function send(reply: FastifyReply, metrics: Metrics, error: ApiError) {
  metrics.apiErrors.inc({ code: error.code });
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return reply.code(error.status).headers(error.headers).send(body);
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any hook runs (URL with
 * broken percent-encoding, parameter over `maxParamLength`) get the same body as the rest.
 */
export function frameworkErrorHandler(metrics: Metrics) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) =>
    send(reply, metrics, fromFramework(error));
}

export function installErrorHandlers(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = error instanceof ApiError ? error : fromFramework(error);
    if (apiError.status >= 500) {
      // The full error stays in the operator's log; the client gets the code only.
      request.log.error({ err: error, keyName: request.principal?.name }, "status API request failed");
    }
    return send(reply, metrics, apiError);
  });
  app.setNotFoundHandler((_request, reply) => send(reply, metrics, new ApiError(404, "NOT_FOUND")));
}
