/**
 * Authentication, rate limiting and authorization of every non-public route, in that order:
 * 401 without a valid key (and 429 for an address that keeps failing), 429 + Retry-After past the
 * key's token bucket, 403 when the key holds none of the route's scopes. Keys are read from
 * `Authorization: Bearer` or `X-Api-Key` only — never from the URL, which ends up in logs.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { ApiKeyRateLimit, KeyVerifier } from "../keys/keys.js";
import { ApiError } from "./errors.js";
import { TokenBuckets } from "./token-bucket.js";

export interface AuthOptions {
  verify: KeyVerifier;
  rateLimit: ApiKeyRateLimit;
  /** Limit of keys holding only the `gateway` scope; undefined = none. */
  gatewayRateLimit: ApiKeyRateLimit | undefined;
  failedAuthPerSecond: number;
  now: () => number;
}

/**
 * The key: `X-Agentwatch-Key` first, which gateways use because the request they check carries
 * the client's own `Authorization` and `X-Api-Key` (identity evidence, not agentwatch keys).
 */
function presentedKey(request: FastifyRequest): string | undefined {
  const own = request.headers["x-agentwatch-key"];
  if (typeof own === "string") return own.trim();
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    return match?.[1];
  }
  const header = request.headers["x-api-key"];
  return typeof header === "string" ? header.trim() : undefined;
}

function tooMany(retryAfterSeconds: number): ApiError {
  return new ApiError(429, "RATE_LIMITED", undefined, { "retry-after": String(retryAfterSeconds) });
}

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const perKey = new TokenBuckets();
  const failures = new TokenBuckets();
  const failureBurst = Math.max(1, Math.ceil(options.failedAuthPerSecond * 2));

  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request, reply) => {
    const auth = request.routeOptions.config.auth;
    // Unmatched URLs carry no auth config and fall through to the 404 handler.
    if (auth === undefined || auth === "public") return;

    const key = presentedKey(request);
    const principal = key === undefined ? undefined : options.verify(key);
    if (!principal) {
      const take = failures.take(request.ip, options.failedAuthPerSecond, failureBurst, options.now());
      if (!take.ok) throw tooMany(take.retryAfterSeconds);
      throw new ApiError(401, "UNAUTHORIZED", undefined, { "www-authenticate": 'Bearer realm="agentwatch"' });
    }
    const gatewayOnly = principal.scopes.size === 1 && principal.scopes.has("gateway");
    const limit = principal.rateLimit ?? (gatewayOnly ? options.gatewayRateLimit : options.rateLimit);
    if (limit) {
      const take = perKey.take(principal.name, limit.perSecond, limit.burst, options.now());
      if (!take.ok) throw tooMany(take.retryAfterSeconds);
    }
    if (!auth.some((scope) => principal.scopes.has(scope))) {
      throw new ApiError(403, "FORBIDDEN", `needs one of: ${auth.join(", ")}`);
    }
    request.principal = principal;
    // Name the key's holder on this request's info lines (both loggers: "request completed" goes
    // through reply.log). A child logger costs microseconds, so hot routes logging at warn (the
    // gateway check) skip it; the error handler names the key itself.
    if ((request.log as Logger).isLevelEnabled("info")) {
      request.log = request.log.child({ keyName: principal.name });
      reply.log = request.log;
    }
  });
}
