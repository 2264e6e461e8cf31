// Authorization matrix: every route of the status API with no key, a wrong key, a key lacking the
// scope and the right key; plus the failed-auth and per-key rate limits.
import { afterAll, describe, expect, it } from "vitest";
import { statusRoutes } from "../../src/api/server.js";
import { generateApiKey, issueApiKey } from "../../src/keys/keys.js";
import { bearer, buildTestServer, makeDecision, makeKeys } from "./helpers.js";

interface Case {
  method: "GET" | "POST" | "DELETE";
  url: string;
  /** Scope that grants access, and one that does not (none: every scope may call it). */
  scope: "read" | "admin" | "gateway";
  lacking: "read" | "admin" | "gateway" | undefined;
  body?: unknown;
  ok: number;
}

const CASES: Case[] = [
  { method: "GET", url: "/metrics", scope: "read", lacking: "gateway", ok: 200 },
  { method: "GET", url: "/openapi.json", scope: "read", lacking: "admin", ok: 200 },
  { method: "GET", url: "/v1/agents", scope: "read", lacking: "gateway", ok: 200 },
  { method: "GET", url: "/v1/agents/agent-high", scope: "read", lacking: "admin", ok: 200 },
  { method: "GET", url: "/v1/alerts", scope: "read", lacking: "gateway", ok: 200 },
  { method: "GET", url: "/v1/allowlist", scope: "read", lacking: "gateway", ok: 200 },
  { method: "GET", url: "/v1/decisions", scope: "gateway", lacking: "admin", ok: 200 },
  { method: "GET", url: "/v1/decisions/check?agent=agent-calm", scope: "gateway", lacking: "read", ok: 204 },
  { method: "GET", url: "/v1/decisions/check/api/orders", scope: "gateway", lacking: "read", ok: 204 },
  { method: "POST", url: "/v1/agents/agent-high/unblock", scope: "admin", lacking: "read", ok: 200 },
  {
    method: "POST",
    url: "/v1/allowlist",
    scope: "admin",
    lacking: "read",
    body: { entry: "10.0.0.0/8" },
    ok: 201,
  },
  { method: "DELETE", url: "/v1/allowlist/agent-x", scope: "admin", lacking: "gateway", ok: 204 },
  { method: "POST", url: "/v1/test", scope: "admin", lacking: "read", ok: 200 },
  { method: "GET", url: "/v1/session", scope: "gateway", lacking: undefined, ok: 200 },
  { method: "GET", url: "/v1/overview/agents", scope: "read", lacking: "admin", ok: 200 },
  { method: "GET", url: "/v1/deliveries", scope: "read", lacking: "gateway", ok: 200 },
  {
    method: "POST",
    url: "/v1/decisions",
    scope: "admin",
    lacking: "read",
    body: { agentId: "agent-manual", type: "block", duration: "4h", reason: "SEC-12" },
    ok: 201,
  },
  { method: "DELETE", url: "/v1/decisions/agent-high", scope: "admin", lacking: "gateway", ok: 204 },
  { method: "GET", url: "/v1/keys", scope: "admin", lacking: "read", ok: 200 },
];

describe("status API authorization matrix", () => {
  const server = buildTestServer({ options: { failedAuthPerSecond: 10_000 } });
  const { app, keys } = server;
  const keyFor = { read: keys.read.key, admin: keys.admin.key, gateway: keys.gateway.key };
  const routes = statusRoutes(server.deps, Date.now, "test");
  afterAll(() => app.close());

  const send = (c: Case, headers: Record<string, string>) =>
    app.inject({ method: c.method, url: c.url, headers, ...(c.body ? { payload: c.body } : {}) });

  it("covers every route the OpenAPI document declares", async () => {
    const doc = (
      await app.inject({ method: "GET", url: "/openapi.json", headers: bearer(keys.read.key) })
    ).json();
    const declared = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const tested = CASES.map(
      (c) =>
        `${c.method} ${c.url
          .split("?")[0]
          ?.replace("/agent-high", "/{id}")
          .replace("/allowlist/agent-x", "/allowlist/{id}")
          .replace("/decisions/agent-high", "/decisions/{id}")
          .replace("/check/api/orders", "/check/*")}`,
    );
    expect([...declared].sort()).toEqual([...tested, "GET /healthz", "GET /readyz"].sort());
  });

  for (const c of CASES) {
    describe(`${c.method} ${c.url}`, () => {
      it("401 without a key", async () => {
        const res = await send(c, {});
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({
          error: { code: "UNAUTHORIZED", message: "missing or invalid API key" },
        });
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
      });
      it("401 with a wrong key, as bearer or X-Api-Key", async () => {
        expect((await send(c, bearer(generateApiKey()))).statusCode).toBe(401);
        expect((await send(c, { "x-api-key": generateApiKey() })).statusCode).toBe(401);
        expect((await send(c, { authorization: `Basic ${keyFor[c.scope]}` })).statusCode).toBe(401);
      });
      const lacking = c.lacking;
      if (lacking)
        it("403 with a key lacking the scope", async () => {
          const res = await send(c, bearer(keyFor[lacking]));
          expect(res.statusCode).toBe(403);
          expect(res.json().error.code).toBe("FORBIDDEN");
        });
      it(`${c.ok} with the right key`, async () => {
        server.decisions.put(makeDecision("agent-high"));
        await server.decisions.allowlist.add("agent-x");
        const res = await send(c, { "x-api-key": keyFor[c.scope] });
        expect(res.statusCode).toBe(c.ok);
        // The body matches the schema the route declares (and the OpenAPI document publishes).
        const path = c.url.split("?")[0] as string;
        const route = routes.find(
          (r) =>
            r.method === c.method &&
            new RegExp(`^${r.url.replace(/:\w+/g, "[^/]+").replace("*", ".*")}$`).test(path),
        );
        const declared = route?.responses[c.ok];
        expect(declared, "declared response").toBeDefined();
        if (declared?.schema) declared.schema.parse(res.json());
        else if (!declared?.contentType && c.ok !== 200) expect(res.body).toBe("");
      });
    });
  }

  it("serves health probes without a key", async () => {
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });

  it("guards HEAD like GET", async () => {
    expect((await app.inject({ method: "HEAD", url: "/v1/agents" })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: "HEAD", url: "/v1/agents", headers: bearer(keys.gateway.key) })).statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: "HEAD", url: "/v1/agents", headers: bearer(keys.read.key) })).statusCode,
    ).toBe(200);
  });

  it("never takes a key from the query string", async () => {
    const res = await app.inject({ method: "GET", url: `/v1/agents?api_key=${keys.read.key}` });
    expect(res.statusCode).toBe(401);
  });

  it("accepts a key holding several scopes for each of them", async () => {
    const multi = issueApiKey("multi", ["read", "gateway"]);
    const local = buildTestServer({ keys: { ...keys, entries: [...keys.entries, multi.entry] } });
    expect((await local.app.inject({ url: "/v1/agents", headers: bearer(multi.key) })).statusCode).toBe(200);
    expect(
      (await local.app.inject({ url: "/v1/decisions/check?agent=x", headers: bearer(multi.key) })).statusCode,
    ).toBe(204);
    expect(
      (await local.app.inject({ method: "POST", url: "/v1/test", headers: bearer(multi.key) })).statusCode,
    ).toBe(403);
    await local.app.close();
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After past a key's token bucket, and refills with time", async () => {
    const server = buildTestServer({ options: { rateLimit: { perSecond: 2, burst: 3 } } });
    const get = () => server.app.inject({ url: "/v1/agents", headers: bearer(server.keys.read.key) });
    for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(200);
    const limited = await get();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBe("1");
    expect(limited.json().error.code).toBe("RATE_LIMITED");
    // Another key has its own bucket.
    expect(
      (await server.app.inject({ url: "/v1/decisions", headers: bearer(server.keys.gateway.key) }))
        .statusCode,
    ).toBe(200);
    server.clock.now += 500;
    expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(429);
    await server.app.close();
  });

  it("honours a key's own rate limit over the server-wide one", async () => {
    const keys = makeKeys();
    const fast = issueApiKey("gw", ["gateway"]);
    fast.entry.rateLimit = { perSecond: 1000, burst: 100 };
    const server = buildTestServer({
      keys: { ...keys, entries: [...keys.entries, fast.entry] },
      options: { rateLimit: { perSecond: 1, burst: 1 } },
    });
    for (let i = 0; i < 50; i++) {
      const res = await server.app.inject({ url: "/v1/decisions/check?agent=a", headers: bearer(fast.key) });
      expect(res.statusCode).toBe(204);
    }
    await server.app.close();
  });

  it("answers 429 to an address that keeps failing authentication", async () => {
    const server = buildTestServer({ options: { failedAuthPerSecond: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await server.app.inject({ url: "/v1/agents", headers: bearer(generateApiKey()) })).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // A valid key from the same address still works: the limit only costs failures.
    expect(
      (await server.app.inject({ url: "/v1/agents", headers: bearer(server.keys.read.key) })).statusCode,
    ).toBe(200);
    await server.app.close();
  });
});
