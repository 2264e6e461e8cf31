/**
 * Configuration of the status API (the `api` section of the config file). Validated once at
 * startup; `.strict()` so a misspelt field stops startup instead of being ignored.
 */
import { z } from "zod";
import { duration } from "../config/duration.js";
import { apiKeyEntrySchema, apiKeyRateLimitSchema } from "../keys/keys.js";

export const statusApiOptionsSchema = z
  .object({
    /** Serve the status API at all. */
    enabled: z.boolean().default(true),
    /**
     * Address to listen on. Loopback by default: expose it deliberately (and with TLS) or behind
     * a proxy.
     */
    host: z.string().min(1).default("127.0.0.1"),
    /** TCP port; 0 picks a free one (tests). */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Serve HTTPS with this certificate and key (PEM files). Plain HTTP when absent. */
    tls: z
      .object({
        /** Path to the PEM certificate (chain). */
        certFile: z.string().min(1),
        /** Path to the PEM private key. */
        keyFile: z.string().min(1),
      })
      .strict()
      .optional(),
    /**
     * API keys, as SHA-256 hashes with a name and scopes (`agentwatch keys create`). When empty,
     * an admin key is generated at start and printed once.
     */
    keys: z.array(apiKeyEntrySchema).default([]),
    /** Per-key token bucket, unless the key sets its own `rateLimit` or holds only the `gateway` scope. */
    rateLimit: apiKeyRateLimitSchema.default({ perSecond: 20, burst: 40 }),
    /**
     * Token bucket of keys that hold only the `gateway` scope (unless the key sets its own): a
     * gateway checks once per proxied request, so by default there is none. Refused checks would
     * be the gateway's errors, not decisions.
     */
    gatewayRateLimit: apiKeyRateLimitSchema.optional(),
    /** The per-request gateway check. */
    check: z
      .object({
        /**
         * `Cache-Control: private, max-age` of allow and block answers, seconds, so an nginx
         * `proxy_cache` can absorb bursts (a decision then reaches the gateway up to this much
         * later); 0 sends `no-store`. Throttle answers are never cacheable.
         */
        maxAgeSeconds: z.number().int().min(0).max(60).default(1),
        /** How often the check pulls decision changes for its token and address index, ms. */
        indexRefreshMs: duration("ms", { min: "10ms", max: "1m" }).default(250),
      })
      .strict()
      .prefault({}),
    /**
     * Requests per second one client address may spend on failed authentication before it gets
     * 429, so key guessing and 401 floods stay cheap.
     */
    failedAuthPerSecond: z.number().positive().max(10_000).default(5),
    /** Largest accepted request body, bytes. */
    bodyLimitBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
    /** Time allowed to receive a whole request, ms (slow-client protection). */
    requestTimeoutMs: duration("ms", { min: "100ms", max: "10m" }).default(10_000),
    /**
     * Trust `X-Forwarded-For` from these proxies (addresses/CIDRs) for the client address used in
     * logs and failed-auth limits. Empty: use the socket address.
     */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /** Alerts kept for `GET /v1/alerts` (in memory, or in the shared Redis stream). */
    alertsKept: z.number().int().min(100).max(10_000_000).default(10_000),
    /**
     * Several instances in one consumer group (used when Redis is configured): each publishes the
     * agents it holds so that any instance answers for any agent.
     */
    shared: z
      .object({
        /** Redis key prefix shared by the instances of one deployment. */
        prefix: z.string().min(1).max(64).default("agentwatch:api:"),
        /** How often an instance publishes the agents that saw events since its last round. */
        publishIntervalMs: duration("ms", { min: "100ms", max: "10m" }).default(5_000),
        /** How long a published agent stays visible without being refreshed. */
        ttlSeconds: z
          .number()
          .int()
          .min(1)
          .max(30 * 86_400)
          .default(3_600),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type StatusApiOptions = z.output<typeof statusApiOptionsSchema>;
