/**
 * Builds the status API server (not listening: the composition root calls `listen` and `close`).
 * Hooks run in this order on every request: telemetry (span, metrics) -> auth (401/429/403) ->
 * route handler with zod-parsed input -> error handler. Routes are declared as data in
 * `routes/*.ts`; the same list feeds the OpenAPI document.
 */
import { readFileSync } from "node:fs";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { AgentwatchError } from "../errors.js";
import { createKeyVerifier } from "../keys/keys.js";
import { installAuth } from "./auth.js";
import { consoleDir, serveConsole } from "./console-assets.js";
import type { StatusApiDeps } from "./deps.js";
import { frameworkErrorHandler, installErrorHandlers } from "./errors.js";
import { buildOpenApiDocument } from "./openapi.js";
import type { StatusApiOptions } from "./options.js";
import type { AnyRoute } from "./route.js";
import { registerRoutes } from "./route.js";
import { adminRoutes } from "./routes/admin.js";
import { agentRoutes } from "./routes/agents.js";
import { alertRoutes } from "./routes/alerts.js";
import { consoleRoutes } from "./routes/console.js";
import { type CheckOptions, decisionRoutes } from "./routes/decisions.js";
import { healthRoutes } from "./routes/health.js";
import { manageRoutes } from "./routes/manage.js";
import { metaRoutes } from "./routes/meta.js";
import { installTelemetry } from "./telemetry.js";

export { type StatusApiOptions, statusApiOptionsSchema } from "./options.js";

/**
 * @param options parsed `statusApiOptionsSchema`, with `keys` already resolved (main passes them
 *   through `resolveApiKeys` so the embedded default gets a generated key, never an open API).
 */
export function buildStatusServer(
  deps: StatusApiDeps,
  options: StatusApiOptions,
  meta: { version?: string } = {},
): FastifyInstance {
  if (options.keys.length === 0) {
    throw new AgentwatchError(
      "INVALID_CONFIG",
      "api.keys is empty; resolve keys with resolveApiKeys() first",
    );
  }
  const now = deps.now ?? Date.now;
  const app = Fastify({
    // `path`, not `url`: the shared redaction list hides every `url` field (sink URLs are secrets).
    loggerInstance: deps.logger.child(
      { component: "api" },
      {
        serializers: {
          req: (req: FastifyRequest) => ({ method: req.method, path: req.url, remoteAddress: req.ip }),
        },
      },
    ),
    ...(options.tls
      ? { https: { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } }
      : {}),
    bodyLimit: options.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs,
    // Agent ids are up to 256 characters, percent-encoded up to three times that.
    routerOptions: { maxParamLength: 1024 },
    trustProxy: options.trustedProxies.length > 0 ? options.trustedProxies : false,
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler(deps.metrics),
  }) as unknown as FastifyInstance; // the https variant has its own type; callers need the common one
  if (!options.tls && !isLoopback(options.host)) {
    app.log.warn(
      { host: options.host },
      "status API exposed beyond loopback without TLS: API keys cross the network in clear text",
    );
  }
  // JSON only: a text/plain body is a 415, not a string handed to a handler.
  app.removeContentTypeParser("text/plain");

  installTelemetry(app, deps.metrics);
  installAuth(app, {
    verify: createKeyVerifier(options.keys),
    rateLimit: options.rateLimit,
    gatewayRateLimit: options.gatewayRateLimit,
    failedAuthPerSecond: options.failedAuthPerSecond,
    now,
  });
  installErrorHandlers(app, deps.metrics);

  // The keys this server verifies are the ones `GET /v1/keys` lists.
  registerRoutes(
    app,
    statusRoutes({ ...deps, apiKeys: options.keys }, now, meta.version ?? "0.0.0", options.check),
  );
  serveConsole(app, consoleDir());
  return app;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Every route of the API, declared as data; the OpenAPI document is generated from the same list. */
export function statusRoutes(
  deps: StatusApiDeps,
  now: () => number,
  version: string,
  check: CheckOptions = { maxAgeSeconds: 1, indexRefreshMs: 250 },
): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...healthRoutes(deps),
    ...agentRoutes(deps),
    ...alertRoutes(deps),
    ...decisionRoutes(deps, now, check),
    ...adminRoutes(deps),
    ...manageRoutes(deps),
    ...consoleRoutes(deps),
  ];
  // The document describes the meta routes too, so it is built once every route exists.
  let openApi: unknown;
  routes.push(...metaRoutes(deps, () => openApi));
  openApi = buildOpenApiDocument(routes, version);
  return routes;
}

/** Listens where the options say (loopback by default); resolves to the bound URL. */
export function listenStatusServer(app: FastifyInstance, options: StatusApiOptions): Promise<string> {
  return app.listen({ host: options.host, port: options.port });
}
