// The read routes the web console uses (over inject): the key's own scopes and the tier
// thresholds, agents with identity kind, decision and risk history in one call, and the recent
// deliveries; plus how `/ui` is served: redirect, cache policy, CSP, unknown files, unbuilt console.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../scripts/build-ui.js";
import { CONSOLE_CSP, serveConsole } from "../../src/api/console-assets.js";
import { installErrorHandlers } from "../../src/api/errors.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { bearer, buildTestServer, makeAlert, makeDecision, makeSummary, NOW } from "./helpers.js";

describe("console read routes", () => {
  const deliveries = {
    deliveries: [
      {
        at: "2026-11-23T12:00:01.000Z",
        sink: "slack",
        kind: "alert" as const,
        recordId: "alert:1",
        agentId: "agent-high",
        outcome: "delivered" as const,
      },
    ],
    deadLetters: [],
  };
  const server = buildTestServer({
    deps: { riskTiers: { low: 0.2, medium: 0.4, high: 0.6, critical: 0.8 }, deliveries: () => deliveries },
  });
  const { app, keys } = server;
  afterAll(() => app.close());

  it("tells a key its name, scopes and the tier thresholds", async () => {
    const res = await app.inject({ url: "/v1/session", headers: bearer(keys.gateway.key) });
    expect(res.json()).toEqual({
      key: "nginx",
      scopes: ["gateway"],
      tiers: { low: 0.2, medium: 0.4, high: 0.6, critical: 0.8 },
    });
  });

  it("lists agents with identity kind (the decision's scope, else the latest alert), decision and risk history", async () => {
    server.profiles.add({
      ...makeSummary("agent-high", 0.82, "high"),
      profile: {
        risk: {
          history: Array.from({ length: 60 }, (_, i) => ({
            timestamp: new Date(NOW - (60 - i) * 60_000).toISOString(),
            score: i / 60,
          })),
        },
      },
    });
    await server.alerts.append({ ...makeAlert("agent-high", "medium", NOW - 120_000), identitySource: "ip" });
    await server.alerts.append({ ...makeAlert("agent-high", "high", NOW - 60_000), identitySource: "jwt" });
    server.decisions.put(makeDecision("agent-low", { identity: { kind: "consumer", value: "agent-low" } }));
    server.decisions.put(makeDecision("agent-high", { type: "throttle" }));
    const res = await app.inject({ url: "/v1/overview/agents?limit=2", headers: bearer(keys.read.key) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((a: { agentId: string }) => a.agentId)).toEqual(["agent-high", "agent-low"]);
    const calm = await app.inject({ url: "/v1/overview/agents?tier=none", headers: bearer(keys.read.key) });
    expect(calm.json().items[0]).toMatchObject({ agentId: "agent-calm", identityKind: null, decision: null });
    const [high, low] = body.items;
    expect(high).toMatchObject({ tier: "high", identityKind: "jwt", decision: "throttle" });
    // The last 48 points, oldest first.
    expect(high.history).toHaveLength(48);
    expect(high.history[47]).toEqual([new Date(NOW - 60_000).toISOString(), 59 / 60]);
    expect(low).toMatchObject({ identityKind: "consumer", decision: "block", history: [] });
    expect(body.nextCursor).toEqual(expect.any(String));
  });

  it("refuses more than 100 agents a page, naming the field", async () => {
    const res = await app.inject({ url: "/v1/overview/agents?limit=101", headers: bearer(keys.read.key) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/query\.limit: /);
  });

  it("shows the recent deliveries the action layer reports, and empty lists without one", async () => {
    const res = await app.inject({ url: "/v1/deliveries", headers: bearer(keys.read.key) });
    expect(res.json()).toEqual(deliveries);
    const bare = buildTestServer();
    const empty = await bare.app.inject({ url: "/v1/deliveries", headers: bearer(bare.keys.read.key) });
    expect(empty.json()).toEqual({ deliveries: [], deadLetters: [] });
    await bare.app.close();
  });
});

describe("console static files", () => {
  const built = mkdtempSync(join(tmpdir(), "aw-ui-"));
  const app = Fastify();
  const unbuilt = Fastify();
  let names: string[] = [];
  beforeAll(async () => {
    names = await buildConsole(built);
    for (const server of [app, unbuilt])
      installErrorHandlers(server, createMetrics({ processMetrics: false }));
    serveConsole(app, built);
    serveConsole(unbuilt, undefined);
  });
  afterAll(async () => {
    await app.close();
    await unbuilt.close();
  });

  it("redirects /ui to /ui/ and serves index.html no-cache with a strict CSP", async () => {
    const redirect = await app.inject({ url: "/ui" });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe("/ui/");
    const index = await app.inject({ url: "/ui/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*|https?:/);
    expect(index.headers["x-frame-options"]).toBe("DENY");
    for (const name of names) expect(index.body).toContain(`assets/${name}`);
  });

  it("serves hashed assets immutable with their types, and 404 for anything else", async () => {
    for (const name of names) {
      const res = await app.inject({ url: `/ui/assets/${name}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(res.headers["content-type"]).toMatch(name.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect(name).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
    }
    const missing = await app.inject({ url: "/ui/assets/..%2Findex.html" });
    expect(missing.statusCode).toBe(404);
    expect((await app.inject({ url: "/ui/assets/main-NOPE.js" })).statusCode).toBe(404);
  });

  it("says how to build the console when it is not built", async () => {
    const res = await unbuilt.inject({ url: "/ui/" });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain("npm run build:ui");
  });
});
