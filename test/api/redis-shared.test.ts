// Several instances over one Redis: each publishes the agents it holds, and any instance answers
// for any agent (directly and over the HTTP API). Also the shared alert log: one stream for all
// instances, deduplicated by alert id, with exclusive cursors.
import { afterAll, describe, expect, it } from "vitest";
import {
  createAgentDirectory,
  createAgentPublisher,
  createLocalAgentDirectory,
  createRedisAgentDirectory,
} from "../../src/api/agent-directory.js";
import { createRedisAlertLog } from "../../src/api/alert-log.js";
import type { AgentDirectory } from "../../src/api/deps.js";
import { statusApiOptionsSchema } from "../../src/api/options.js";
import { listenStatusServer } from "../../src/api/server.js";
import { createApiStores } from "../../src/api/stores.js";
import {
  bearer,
  buildTestServer,
  collectPages,
  FakeProfiles,
  makeAlert,
  makeSummary,
  NOW,
} from "./helpers.js";
import { connectTestRedis, deletePrefix, testPrefix } from "./redis-env.js";

const redis = await connectTestRedis();
const prefixes: string[] = [];
afterAll(async () => {
  if (!redis) return;
  for (const prefix of prefixes) await deletePrefix(redis, prefix);
  redis.disconnect();
});

function fleet(ttlSeconds = 60) {
  if (!redis) throw new Error("unreachable");
  const prefix = testPrefix();
  prefixes.push(prefix);
  const instanceA = new FakeProfiles()
    .add(makeSummary("a-hot", 0.9, "critical"))
    .add(makeSummary("a-cool", 0.2, "none", NOW - 7_200_000));
  const instanceB = new FakeProfiles()
    .add(makeSummary("b-warm", 0.6, "medium", NOW - 5000))
    .add(makeSummary("b-mild", 0.4, "low"));
  const options = { prefix, ttlSeconds };
  const shared = createRedisAgentDirectory(redis, options);
  return {
    prefix,
    instanceA,
    instanceB,
    publisherA: createAgentPublisher(instanceA, redis, options),
    publisherB: createAgentPublisher(instanceB, redis, options),
    directoryA: createAgentDirectory(createLocalAgentDirectory(instanceA), shared),
    directoryB: createAgentDirectory(
      createLocalAgentDirectory(instanceB),
      createRedisAgentDirectory(redis, options),
    ),
  };
}

async function walk(directory: AgentDirectory, limit: number, filters: { minRisk?: number } = {}) {
  const items = await collectPages((cursor) => directory.list({ limit, cursor, ...filters }));
  return items.map((item) => item.agentId);
}

describe.skipIf(!redis)("multi-instance agent lookup over Redis", () => {
  it("answers for an agent held by another instance, and lists all instances' agents by risk", async () => {
    const f = fleet();
    expect(await f.publisherA.publishChanged()).toBe(2);
    expect(await f.publisherB.publishChanged()).toBe(2);

    const fromB = await f.directoryA.get("b-warm");
    expect(fromB).toEqual(makeSummary("b-warm", 0.6, "medium", NOW - 5000));
    expect((await f.directoryB.get("a-hot"))?.tier).toBe("critical");
    expect(await f.directoryA.get("nobody")).toBeUndefined();

    const order = ["a-hot", "b-warm", "b-mild", "a-cool"];
    expect(await walk(f.directoryA, 500)).toEqual(order);
    expect(await walk(f.directoryB, 1)).toEqual(order);
    expect(await walk(f.directoryA, 1, { minRisk: 0.4 })).toEqual(["a-hot", "b-warm", "b-mild"]);
    const first = await f.directoryA.list({ limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const last = await f.directoryA.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(last).toMatchObject({ nextCursor: null, items: [{ agentId: "b-mild" }, { agentId: "a-cool" }] });
    const recent = await f.directoryA.list({ limit: 10, seenSinceMs: NOW - 60_000, tier: "medium" });
    expect(recent.items.map((a) => a.agentId)).toEqual(["b-warm"]);
  });

  it("serves another instance's agent through the HTTP API of this one", async () => {
    const f = fleet();
    await f.publisherA.publishChanged();
    await f.publisherB.publishChanged();
    const server = buildTestServer({ deps: { agents: f.directoryA } });
    const res = await server.app.inject({ url: "/v1/agents/b-mild", headers: bearer(server.keys.read.key) });
    expect(res.statusCode).toBe(200);
    expect(res.json().agent).toMatchObject({ agentId: "b-mild", risk: 0.4, tier: "low" });
    const list = await server.app.inject({
      url: "/v1/agents?limit=2",
      headers: bearer(server.keys.read.key),
    });
    expect(list.json().items.map((a: { agentId: string }) => a.agentId)).toEqual(["a-hot", "b-warm"]);
    await server.app.close();
  });

  it("re-publishes only agents with new events, and the listing follows their new risk", async () => {
    const f = fleet();
    await f.publisherA.publishChanged();
    await f.publisherB.publishChanged();
    // Agents at the previous round's newest event time are re-sent (an event in that same
    // millisecond may have arrived after the round); older ones are not.
    expect(await f.publisherB.publishChanged()).toBe(1);
    f.instanceB.add(makeSummary("b-mild", 0.95, "critical", NOW + 1000));
    expect(await f.publisherB.publishChanged()).toBe(1);
    expect(await f.publisherA.publishChanged()).toBe(1);
    expect(await walk(f.directoryA, 2)).toEqual(["b-mild", "a-hot", "b-warm", "a-cool"]);
  });

  it("forgets summaries nobody refreshes within the TTL", async () => {
    const f = fleet(1);
    await f.publisherB.publishChanged();
    expect(await walk(f.directoryA, 10)).toEqual(["b-warm", "b-mild"]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await f.directoryA.get("b-warm")).toBeUndefined();
    expect(await walk(f.directoryA, 10)).toEqual([]);
    expect(await redis?.zcard(`${f.prefix}agents:by-risk`)).toBe(0);
    // The next publishing round prunes the expiry index of agents nobody refreshed.
    await f.publisherA.publishChanged();
    expect(await redis?.zrange(`${f.prefix}agents:expiry`, 0, -1)).toEqual(["a-cool", "a-hot"]);
    expect(await walk(f.directoryB, 10)).toEqual(["a-hot", "a-cool"]);
  });

  it("pages ties in Redis's byte order, astral characters included", async () => {
    const f = fleet();
    const ids = ["tie-\u{1F600}", "tie-\uFF5E", "tie-~", "tie-a", "tie-\u00E9"];
    for (const id of ids) f.instanceA.add(makeSummary(id, 0.5, "medium"));
    await f.publisherA.publishChanged();
    const local = await walk(createLocalAgentDirectory(f.instanceA), 1, { minRisk: 0.5 });
    expect(local).toEqual(["a-hot", "tie-a", "tie-~", "tie-\u00E9", "tie-\uFF5E", "tie-\u{1F600}"]);
    expect(await walk(f.directoryB, 1, { minRisk: 0.5 })).toEqual(local);
    expect(await walk(f.directoryB, 2, { minRisk: 0.5 })).toEqual(local);
  });

  it("rejects a forged cursor with a 400, not a crash", async () => {
    const f = fleet();
    await expect(f.directoryA.list({ limit: 1, cursor: "bm90LWpzb24" })).rejects.toMatchObject({
      status: 400,
    });
  });
});

describe.skipIf(!redis)("shared alert log over Redis", () => {
  it("shows alerts from every instance once, newest first, with exclusive cursors and filters", async () => {
    if (!redis) return;
    const prefix = testPrefix();
    prefixes.push(prefix);
    const logA = createRedisAlertLog(redis, { prefix });
    const logB = createRedisAlertLog(redis, { prefix });
    const alerts = Array.from({ length: 12 }, (_, i) =>
      makeAlert(i % 3 === 0 ? "agent-x" : "agent-y", i % 2 ? "high" : "low", NOW + i * 1000),
    );
    for (const [i, alert] of alerts.entries()) await (i % 2 ? logA : logB).append(alert);
    // A replica re-processing the same events re-emits the same alert: logged once.
    await logA.append(alerts[4] as (typeof alerts)[number]);

    const paged = await collectPages((cursor) => logB.list({ limit: 5, cursor }));
    expect(paged.map((a) => a.id)).toEqual(alerts.map((a) => a.id).reverse());

    const forX = await logA.list({ agentId: "agent-x", limit: 2 });
    expect(forX.items.map((a) => a.id)).toEqual([alerts[9]?.id, alerts[6]?.id]);
    const restX = await logA.list({ agentId: "agent-x", limit: 10, cursor: forX.nextCursor ?? undefined });
    expect(restX.items.map((a) => a.id)).toEqual([alerts[3]?.id, alerts[0]?.id]);

    const high = await logB.list({ severities: ["high"], sinceMs: NOW + 6000, limit: 50 });
    expect(high.items.map((a) => a.id)).toEqual([alerts[11]?.id, alerts[9]?.id, alerts[7]?.id]);
    expect(high.nextCursor).toBeNull();
  });
});

describe.skipIf(!redis)("two API instances on real sockets over one Redis", () => {
  it("each answers for the agents and alerts of the other", async () => {
    if (!redis) return;
    const prefix = testPrefix();
    prefixes.push(prefix);
    const options = statusApiOptionsSchema.parse({ shared: { prefix } });
    const instances = [
      new FakeProfiles().add(makeSummary("held-by-a", 0.9, "critical")),
      new FakeProfiles().add(makeSummary("held-by-b", 0.6, "medium")),
    ].map((profiles) => {
      const stores = createApiStores(profiles, options, redis);
      return { stores, server: buildTestServer({ deps: { agents: stores.agents, alerts: stores.alerts } }) };
    });
    const [a, b] = instances as [(typeof instances)[number], (typeof instances)[number]];
    try {
      await Promise.all(instances.map(({ stores }) => stores.publisher?.publishChanged()));
      await b.stores.alerts.append(makeAlert("held-by-b", "medium"));
      const urls = await Promise.all(
        instances.map(({ server }) => listenStatusServer(server.app, { ...server.options, port: 0 })),
      );
      // Each test server has keys of its own.
      const fromA = await fetch(`${urls[0]}/v1/agents/held-by-b`, {
        headers: bearer(a.server.keys.read.key),
      });
      expect(fromA.status).toBe(200);
      const body = (await fromA.json()) as { agent: { tier: string }; recentAlerts: unknown[] };
      expect(body.agent.tier).toBe("medium");
      expect(body.recentAlerts).toHaveLength(1);
      const fromB = await fetch(`${urls[1]}/v1/agents?limit=10`, { headers: bearer(b.server.keys.read.key) });
      const listed = (await fromB.json()) as { items: Array<{ agentId: string }> };
      expect(listed.items.map((x) => x.agentId)).toEqual(["held-by-a", "held-by-b"]);
      const missing = await fetch(`${urls[0]}/v1/agents/nobody`, { headers: bearer(a.server.keys.read.key) });
      expect(missing.status).toBe(404);
    } finally {
      await Promise.all(instances.map(({ server }) => server.app.close()));
    }
  });
});

describe("createApiStores", () => {
  it("stays in process without Redis", async () => {
    const options = statusApiOptionsSchema.parse({ alertsKept: 100 });
    const stores = createApiStores(new FakeProfiles().add(makeSummary("solo", 0.5, "medium")), options);
    expect(stores.publisher).toBeUndefined();
    expect((await stores.agents.get("solo"))?.tier).toBe("medium");
    for (let i = 0; i < 150; i++) await stores.alerts.append(makeAlert("solo", "low"));
    expect((await stores.alerts.list({ limit: 500 })).items).toHaveLength(100);
  });

  it.skipIf(!redis)(
    "lets two instances see each other's agents and alerts through the publisher",
    async () => {
      if (!redis) return;
      const prefix = testPrefix();
      prefixes.push(prefix);
      const options = statusApiOptionsSchema.parse({ shared: { prefix, publishIntervalMs: 100 } });
      const a = createApiStores(new FakeProfiles().add(makeSummary("on-a", 0.7, "high")), options, redis);
      const b = createApiStores(new FakeProfiles().add(makeSummary("on-b", 0.3, "low")), options, redis);
      a.publisher?.start(options.shared.publishIntervalMs);
      b.publisher?.start(options.shared.publishIntervalMs);
      await b.alerts.append(makeAlert("on-b", "low"));
      const deadline = Date.now() + 5000;
      while (!(await a.agents.get("on-b")) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await Promise.all([a.publisher?.stop(), b.publisher?.stop()]);
      expect((await a.agents.get("on-b"))?.risk).toBe(0.3);
      expect((await b.agents.list({ limit: 10 })).items.map((x) => x.agentId)).toEqual(["on-a", "on-b"]);
      expect((await a.alerts.list({ agentId: "on-b", limit: 10 })).items).toHaveLength(1);
    },
  );
});
