/**
 * The gateway check resolves the caller from what the gateway forwards, with the log pipeline's
 * identity order and trusted proxies, and applies scoped decisions: the agent's own, a token it
 * presents, an address or network for callers known only by address. Also the shapes gateways
 * send (Envoy ext_authz path prefix, Traefik/Caddy X-Forwarded-*), gateway keys without a rate
 * limit, Cache-Control, and bad input that must be answered 204 or 400, never 500.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { identityOptionsSchema } from "../../src/normalize/identity.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { tokenDigest } from "../../src/profile/keys.js";
import { buildTestServer, makeDecision, NOW } from "./helpers.js";

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** The gateway sets X-Agent-Id itself (and strips the client's): a trusted identity header. */
const AGENT_HEADER_TRUSTED = identityOptionsSchema.parse({
  order: ["agent", "header:x-agent-id", "consumer", "jwt", "apikey", "ip"],
  trustedHeaders: ["x-agent-id"],
});

const server = buildTestServer({
  options: { check: { indexRefreshMs: 10, maxAgeSeconds: 2 } },
  deps: { input: { identity: AGENT_HEADER_TRUSTED, trustedProxies: ["10.0.0.0/8"] } },
});
const { app, keys, decisions } = server;
afterAll(() => app.close());
const settle = () => new Promise((resolve) => setTimeout(resolve, 30)); // past indexRefreshMs

function check(headers: Record<string, string | string[]>, url = "/v1/decisions/check", method = "GET") {
  return app.inject({
    method: method as "GET",
    url,
    headers: { "x-agentwatch-key": keys.gateway.key, ...headers },
  });
}

describe("gateway check: scoped decisions", () => {
  it("finds a JWT agent by its sub, as the log pipeline names it, next to the client's own Authorization", async () => {
    decisions.put(makeDecision("jwt-bot", { identity: { kind: "jwt", value: "jwt-bot" } }));
    const blocked = await check({ authorization: `Bearer ${jwt({ sub: "jwt-bot" })}` });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.headers["x-agentwatch-decision"]).toBe("block");
    expect((await check({ authorization: `Bearer ${jwt({ sub: "other-bot" })}` })).statusCode).toBe(204);
  });

  it("finds agents by header, consumer and hashed API key", async () => {
    decisions.put(makeDecision("hdr-bot"));
    decisions.put(makeDecision("alice"));
    expect((await check({ "x-agent-id": "hdr-bot" })).statusCode).toBe(403);
    expect((await check({ "x-forwarded-user": "alice" })).statusCode).toBe(403);
    expect((await check({ "x-consumer-username": "alice" })).statusCode).toBe(403);
    const { hashSecret } = await import("../../src/normalize/secret-hash.js");
    decisions.put(
      makeDecision(hashSecret("key-123"), { identity: { kind: "apikey", value: hashSecret("key-123") } }),
    );
    expect((await check({ "x-api-key": "key-123" })).statusCode).toBe(403);
    expect((await check({ "x-api-key": "key-456" })).statusCode).toBe(204);
  });

  it("refuses a decided token wherever it is used, whoever claims to hold it", async () => {
    const token = jwt({ sub: "tok-bot", jti: "jti-77" });
    // The token id as the log pipeline derives it from a logged Authorization header.
    const events: NormalizedEvent[] = [];
    const line = JSON.stringify({
      time_iso8601: "2026-11-23T12:00:00+00:00",
      remote_addr: "192.0.2.1",
      request: "GET /api/orders HTTP/1.1",
      status: 200,
      http_authorization: `Bearer ${token}`,
    });
    expect(createLineDecoder({ format: "nginx-json" })(line, events)).toBeUndefined();
    const tokenId = events[0]?.tokenId ?? "";
    expect(tokenId).not.toBe("");
    decisions.put(makeDecision("tok-bot", { type: "revoke", tokenHashes: [tokenDigest(tokenId)] }));
    await settle();
    expect(
      (await check({ authorization: `Bearer ${token}`, "x-agent-id": "innocent-name" })).statusCode,
    ).toBe(403);
    expect((await check({ "x-agent-id": "innocent-name" })).statusCode).toBe(204);
  });

  it("applies address and network decisions to callers known only by address, never to a credentialed agent there", async () => {
    decisions.put(makeDecision("198.51.100.7", { identity: { kind: "ip", value: "198.51.100.7" } }));
    decisions.put(makeDecision("net-203", { identity: { kind: "ip", value: "203.0.113.0/24" } }));
    await settle();
    expect((await check({ "x-forwarded-for": "198.51.100.7" })).statusCode).toBe(403);
    expect((await check({ "x-forwarded-for": "203.0.113.200" })).statusCode).toBe(403);
    expect((await check({ "x-forwarded-for": "203.0.114.1" })).statusCode).toBe(204);
    // Same NAT address, but a named agent: another party.
    expect((await check({ "x-forwarded-for": "198.51.100.7", "x-agent-id": "billing-bot" })).statusCode).toBe(
      204,
    );
  });

  it("walks X-Forwarded-For from the gateway's end: a spoofed left-most hop names nobody", async () => {
    // The client wrote 198.51.100.7 (a blocked address); the gateway appended its real address.
    expect((await check({ "x-forwarded-for": "198.51.100.7, 192.0.2.1" })).statusCode).toBe(204);
    // Behind a trusted proxy (10.0.0.0/8), the hop before it is the client.
    expect((await check({ "x-forwarded-for": "192.0.2.1, 198.51.100.7, 10.1.2.3" })).statusCode).toBe(403);
  });

  it("ignores shadow decisions", async () => {
    decisions.put(makeDecision("shadow-bot", { shadow: true }));
    expect((await check({ "x-agent-id": "shadow-bot" })).statusCode).toBe(204);
  });
});

describe("gateway check: what gateways send", () => {
  it("Envoy ext_authz: the client's method and path appended to the prefix, allowed headers only", async () => {
    decisions.put(makeDecision("envoy-bot"));
    // The shape Envoy's HTTP ext_authz sends with path_prefix /v1/decisions/check: the original
    // method and path (query included), Host, the allowed headers, headers_to_add, no body.
    for (const method of ["GET", "POST", "DELETE", "PUT", "PATCH"]) {
      const res = await check(
        { host: "api.example.com", "x-agent-id": "envoy-bot", "content-length": "0" },
        "/v1/decisions/check/api/orders/42?expand=1",
        method,
      );
      expect(res.statusCode, method).toBe(403);
    }
    const allowed = await check({ "x-agent-id": "calm" }, "/v1/decisions/check/api/orders", "POST");
    expect(allowed.statusCode).toBe(204);
  });

  it("Traefik ForwardAuth / Caddy forward_auth: X-Forwarded-Method/-Uri/-Host/-For", async () => {
    decisions.put(makeDecision("198.51.100.9", { identity: { kind: "ip", value: "198.51.100.9" } }));
    await settle();
    const res = await check({
      "x-forwarded-method": "GET",
      "x-forwarded-uri": "/api/orders?page=2",
      "x-forwarded-host": "api.example.com",
      "x-forwarded-proto": "https",
      "x-forwarded-for": "198.51.100.9",
    });
    expect(res.statusCode).toBe(403);
  });

  it("a gateway key is not rate limited by default; answers carry a short Cache-Control", async () => {
    const strict = buildTestServer({ options: { rateLimit: { perSecond: 20, burst: 40 } } });
    const send = (key: string) =>
      strict.app.inject({ url: "/v1/decisions/check?agent=fast", headers: { "x-agentwatch-key": key } });
    try {
      const answers = await Promise.all(Array.from({ length: 300 }, () => send(strict.keys.gateway.key)));
      expect(answers.filter((r) => r.statusCode !== 204).length).toBe(0);
      // Other keys keep the API's limit.
      const reads = await Promise.all(
        Array.from({ length: 60 }, () =>
          strict.app.inject({ url: "/v1/decisions", headers: { "x-api-key": strict.keys.read.key } }),
        ),
      );
      expect(reads.some((r) => r.statusCode === 429)).toBe(true);
    } finally {
      await strict.app.close();
    }
    expect((await check({ "x-agent-id": "fast" })).headers["cache-control"]).toBe("private, max-age=2");
  });

  it("throttle answers are never cacheable, and carry Retry-After", async () => {
    decisions.put(makeDecision("slow-bot", { type: "throttle", ratePerMinute: 60, expiresAt: NOW + 60_000 }));
    const first = await check({ "x-agent-id": "slow-bot" });
    const second = await check({ "x-agent-id": "slow-bot" });
    expect(first.statusCode).toBe(204);
    expect(first.headers["cache-control"]).toBe("no-store");
    expect(second.statusCode).toBe(429);
    expect(second.headers["cache-control"]).toBe("no-store");
    expect(second.headers["retry-after"]).toBe("1");
  });
});

describe("gateway check: bad input is answered, never a 500", () => {
  const cases: Array<[string, Record<string, string | string[]>]> = [
    ["no headers at all (unknown caller)", {}],
    ["duplicated identity headers", { "x-agent-id": ["a", "b"] }],
    ["an oversized agent header", { "x-agent-id": "x".repeat(8_000) }],
    ["control characters in a header", { "x-agent-id": "bot\u0001" }],
    ["a malformed JWT", { authorization: "Bearer not.a.jwt" }],
    ["a JWT whose payload is not JSON", { authorization: "Bearer eyJhbGciOiJub25lIn0.bm90IGpzb24.x" }],
    ["a JWT whose sub is not a string", { authorization: `Bearer ${jwt({ sub: { $ne: 1 } })}` }],
    ["a Basic Authorization", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
    ["an empty Authorization", { authorization: "" }],
    ["a scheme without credentials", { authorization: "Bearer" }],
    ["a garbled X-Forwarded-For", { "x-forwarded-for": "999.1.1.1, <script>, ::::" }],
    ["an oversized X-Forwarded-For", { "x-forwarded-for": Array(2_000).fill("10.1.1.1").join(", ") }],
    ["a garbled X-Agentwatch-Agent", { "x-agentwatch-agent": "\u0000" }],
  ];
  for (const [name, headers] of cases) {
    it(`${name}: 204`, async () => {
      const res = await check(headers);
      expect(res.statusCode).toBe(204);
    });
  }

  it("a direct caller's malformed ?agent= is a clear 400", async () => {
    const res = await check({}, "/v1/decisions/check?agent=");
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("INVALID_REQUEST");
  });

  it("a client's own X-Api-Key or Authorization does not stand in for the gateway key", async () => {
    const res = await app.inject({
      url: "/v1/decisions/check",
      headers: { authorization: `Bearer ${jwt({ sub: "x" })}`, "x-api-key": "client-key" },
    });
    expect(res.statusCode).toBe(401);
  });
});
