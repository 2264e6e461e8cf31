// What each status API route answers: listings, filters and cursors, an agent's page, the
// decisions feed and its cursor, the gateway check (204/429/403), admin changes, the sink test,
// readiness and the OpenAPI document. Responses are checked against their declared schemas.
import { describe, expect, it } from "vitest";
import {
  agentDetailSchema,
  agentListSchema,
  alertListSchema,
  decisionsChangesSchema,
  decisionsSnapshotSchema,
} from "../../src/api/schemas.js";
import {
  bearer,
  buildTestServer,
  collectPages,
  makeAlert,
  makeDecision,
  makeSummary,
  NOW,
  TestDecisions,
} from "./helpers.js";

describe("GET /v1/agents", () => {
  it("lists by risk with filters and a cursor that walks every agent once", async () => {
    const s = buildTestServer();
    for (let i = 0; i < 7; i++) s.profiles.add(makeSummary(`tie-${i}`, 0.5, "medium"));
    const get = async (query: string) => {
      const res = await s.app.inject({ url: `/v1/agents?${query}`, headers: bearer(s.keys.read.key) });
      expect(res.statusCode).toBe(200);
      return agentListSchema.parse(res.json());
    };
    const all = await get("limit=500");
    expect(all.items.map((a) => a.agentId)).toEqual([
      "agent-high",
      ...Array.from({ length: 7 }, (_, i) => `tie-${i}`),
      "agent-low",
      "agent-calm",
    ]);
    expect(all.items[0]?.lastSeen).toBe(new Date(NOW).toISOString());
    expect(all.nextCursor).toBeNull();

    const walked = await collectPages((cursor) => get(`limit=3${cursor ? `&cursor=${cursor}` : ""}`));
    expect(walked.map((a) => a.agentId)).toEqual(all.items.map((a) => a.agentId));

    expect((await get("tier=low")).items.map((a) => a.agentId)).toEqual(["agent-low"]);
    expect((await get("minRisk=0.6")).items.map((a) => a.agentId)).toEqual(["agent-high"]);
    const since = new Date(NOW - 3_600_000).toISOString();
    expect((await get(`seenSince=${since}&minRisk=0.3`)).items).toHaveLength(8);
    await s.app.close();
  });
});

describe("GET /v1/agents/:id", () => {
  it("shows the readable profile, the active decision and recent alerts", async () => {
    const s = buildTestServer();
    s.decisions.put(makeDecision("agent-high", { type: "throttle", ratePerMinute: 30 }));
    await s.alerts.append(makeAlert("agent-high", "medium", NOW - 5000));
    await s.alerts.append(makeAlert("agent-high", "high", NOW - 1000));
    await s.alerts.append(makeAlert("agent-low", "low"));
    const res = await s.app.inject({ url: "/v1/agents/agent-high", headers: bearer(s.keys.read.key) });
    expect(res.statusCode).toBe(200);
    const body = agentDetailSchema.parse(res.json());
    expect(body.agent).toEqual({
      agentId: "agent-high",
      risk: 0.82,
      tier: "high",
      lastSeen: new Date(NOW).toISOString(),
    });
    expect(body.profile).toEqual(makeSummary("agent-high", 0.82, "high").profile);
    expect(body.decision).toMatchObject({ type: "throttle", ratePerMinute: 30 });
    expect(body.decision?.expiresAt).toBe(new Date(NOW + 3_600_000).toISOString());
    expect(body.recentAlerts.map((a) => a.severity)).toEqual(["high", "medium"]);
    expect(body.recentAlerts[0]?.reasons[0]?.detail).toContain("distinct ids");
    await s.app.close();
  });

  it("accepts percent-encoded ids that contain slashes and spaces", async () => {
    const s = buildTestServer();
    s.profiles.add(makeSummary("team a/bot 1", 0.4, "low"));
    const res = await s.app.inject({
      url: `/v1/agents/${encodeURIComponent("team a/bot 1")}`,
      headers: bearer(s.keys.read.key),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().agent.agentId).toBe("team a/bot 1");
    await s.app.close();
  });
});

describe("GET /v1/alerts", () => {
  it("filters by severity, agent and since, newest first, with non-overlapping pages", async () => {
    const s = buildTestServer();
    const severities = ["low", "medium", "high", "critical"] as const;
    for (let i = 0; i < 20; i++) {
      await s.alerts.append(
        makeAlert(i % 2 ? "agent-a" : "agent-b", severities[i % 4] ?? "low", NOW - (20 - i) * 1000),
      );
    }
    const get = async (query: string) => {
      const res = await s.app.inject({ url: `/v1/alerts?${query}`, headers: bearer(s.keys.read.key) });
      expect(res.statusCode).toBe(200);
      return alertListSchema.parse(res.json());
    };
    const newest = await get("limit=1");
    expect(newest.items[0]?.timestamp).toBe(new Date(NOW - 1000).toISOString());

    const severe = await get("severity=high,critical&limit=500");
    expect(severe.items).toHaveLength(10);
    expect(severe.items.every((a) => a.severity === "high" || a.severity === "critical")).toBe(true);

    expect((await get("agent=agent-a&limit=500")).items).toHaveLength(10);
    expect((await get(`since=${NOW - 5000}`)).items).toHaveLength(5);

    const paged = await collectPages((cursor) =>
      get(`agent=agent-b&limit=3${cursor ? `&cursor=${cursor}` : ""}`),
    );
    const ids = paged.map((a) => a.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    await s.app.close();
  });
});

describe("GET /v1/decisions", () => {
  it("gives the active set and a cursor, then only what changed since", async () => {
    const s = buildTestServer();
    const gw = bearer(s.keys.gateway.key);
    s.decisions.put(makeDecision("a1"));
    const first = decisionsSnapshotSchema.parse(
      (await s.app.inject({ url: "/v1/decisions", headers: gw })).json(),
    );
    expect(first.decisions.map((d) => d.agentId)).toEqual(["a1"]);

    const unchanged = decisionsChangesSchema.parse(
      (await s.app.inject({ url: `/v1/decisions?since=${first.cursor}`, headers: gw })).json(),
    );
    expect(unchanged).toEqual({ added: [], removed: [], cursor: first.cursor, reset: false });

    s.decisions.put(makeDecision("a2", { type: "throttle", ratePerMinute: 60 }));
    await s.decisions.unblock("a1");
    const changes = decisionsChangesSchema.parse(
      (await s.app.inject({ url: `/v1/decisions?since=${first.cursor}`, headers: gw })).json(),
    );
    expect(changes.added.map((d) => [d.agentId, d.type])).toEqual([["a2", "throttle"]]);
    expect(changes.removed).toEqual(["a1"]);
    expect(changes.reset).toBe(false);
    expect(changes.cursor).not.toBe(first.cursor);

    const next = (await s.app.inject({ url: `/v1/decisions?since=${changes.cursor}`, headers: gw })).json();
    expect(next.added).toEqual([]);
    await s.app.close();
  });

  it("resets a gateway whose cursor fell off the change feed", async () => {
    const small = new TestDecisions(2);
    const t = buildTestServer({ deps: { decisions: small } });
    small.put(makeDecision("x1"));
    const cursor = (await small.changesSince(undefined)).cursor;
    for (const id of ["x2", "x3", "x4"]) small.put(makeDecision(id));
    const res = (
      await t.app.inject({ url: `/v1/decisions?since=${cursor}`, headers: bearer(t.keys.gateway.key) })
    ).json();
    expect(res.reset).toBe(true);
    expect(res.added.map((d: { agentId: string }) => d.agentId).sort()).toEqual(["x1", "x2", "x3", "x4"]);
    await t.app.close();
  });
});

describe("GET /v1/decisions/check", () => {
  it("answers 204 allow, 403 blocked, 429 throttled with Retry-After", async () => {
    const s = buildTestServer();
    const check = (agent: string, viaHeader = false) =>
      s.app.inject({
        url: viaHeader ? "/v1/decisions/check" : `/v1/decisions/check?agent=${encodeURIComponent(agent)}`,
        headers: { ...bearer(s.keys.gateway.key), ...(viaHeader ? { "x-agentwatch-agent": agent } : {}) },
      });
    s.decisions.put(makeDecision("blocked"));
    s.decisions.put(makeDecision("revoked", { type: "revoke" }));
    s.decisions.put(makeDecision("shadowed", { shadow: true }));
    s.decisions.put(makeDecision("slow", { type: "throttle", ratePerMinute: 120 }));

    expect((await check("nobody")).statusCode).toBe(204);
    const blocked = await check("blocked");
    expect(blocked.statusCode).toBe(403);
    expect(blocked.headers["x-agentwatch-decision"]).toBe("block");
    expect(blocked.body).toBe("");
    expect((await check("revoked", true)).statusCode).toBe(403);
    expect((await check("shadowed")).statusCode).toBe(204);

    // 120/min = 2/s with a burst of 2.
    expect((await check("slow")).statusCode).toBe(204);
    expect((await check("slow", true)).statusCode).toBe(204);
    const throttled = await check("slow");
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("1");
    s.clock.now += 500;
    expect((await check("slow")).statusCode).toBe(204);
    expect((await check("slow")).statusCode).toBe(429);
    await s.app.close();
  });
});

describe("admin routes", () => {
  it("unblocks an agent once, and its checks pass afterwards", async () => {
    const s = buildTestServer();
    s.decisions.put(makeDecision("agent-high"));
    const unblock = () =>
      s.app.inject({
        method: "POST",
        url: "/v1/agents/agent-high/unblock",
        headers: bearer(s.keys.admin.key),
        payload: { reason: "false positive, ticket SEC-12" },
      });
    const first = await unblock();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ agentId: "agent-high", unblocked: true });
    expect((await unblock()).statusCode).toBe(404);
    const check = await s.app.inject({
      url: "/v1/decisions/check?agent=agent-high",
      headers: bearer(s.keys.gateway.key),
    });
    expect(check.statusCode).toBe(204);
    const audit = s.logs.map((line) => JSON.parse(line)).find((line) => line.msg === "agent unblocked");
    expect(audit).toMatchObject({
      keyName: "operator",
      agentId: "agent-high",
      reason: "false positive, ticket SEC-12",
    });
    await s.app.close();
  });

  it("reports each sink's test outcome", async () => {
    const s = buildTestServer();
    const res = await s.app.inject({ method: "POST", url: "/v1/test", headers: bearer(s.keys.admin.key) });
    expect(res.json()).toEqual({
      ok: false,
      results: [
        { sink: "slack", ok: true, detail: "200 ok" },
        { sink: "pagerduty", ok: false, detail: "SINK_REJECTED: 400" },
      ],
    });
    await s.app.close();
  });
});

describe("health and documentation", () => {
  it("answers 503 on /readyz until ready", async () => {
    const s = buildTestServer({
      deps: { readiness: () => ({ ready: false, checks: { kafka: false, state: true } }) },
    });
    const res = await s.app.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, checks: { kafka: false, state: true } });
    await s.app.close();
  });

  it("serves an OpenAPI 3.1 document with security, parameters and schemas", async () => {
    const s = buildTestServer();
    const doc = (await s.app.inject({ url: "/openapi.json", headers: bearer(s.keys.read.key) })).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
    const list = doc.paths["/v1/agents"].get;
    expect(list["x-scopes"]).toEqual(["read"]);
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual([
      "tier",
      "minRisk",
      "seenSince",
      "cursor",
      "limit",
    ]);
    expect(list.parameters.find((p: { name: string }) => p.name === "limit").description).toMatch(/1 to 500/);
    expect(list.responses["200"].content["application/json"].schema.properties.items.type).toBe("array");
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(["400", "401", "403", "429"]));
    const agent = doc.paths["/v1/agents/{id}"].get;
    expect(agent.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect(doc.paths["/v1/allowlist"].post.requestBody.required).toBe(true);
    await s.app.close();
  });
});
