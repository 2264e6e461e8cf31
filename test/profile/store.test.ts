/** The profile store: bounds and expiry, Float32 relative times, the readable summary and snapshots. */
import { describe, expect, it } from "vitest";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import type { Alert } from "../../src/engine/types.js";
import { AgentwatchError } from "../../src/errors.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { tokenDigest } from "../../src/profile/keys.js";
import { O_LAST_TIME, O_SIZE, T_ERR_TIME, T_STRIDE } from "../../src/profile/layout.js";
import { profileStoreOptionsSchema } from "../../src/profile/options.js";
import { ProfileStore } from "../../src/profile/store.js";
import { benignStream, ev, HOUR, MINUTE, SECOND, T0 } from "../helpers/events.js";

const storeWith = (options: Record<string, unknown>) =>
  new ProfileStore(profileStoreOptionsSchema.parse(options), { detectorNames: [], tierOf: () => "none" });

function feed(store: ProfileStore, events: NormalizedEvent[]): void {
  for (const e of events) {
    const p = store.acquire(e.agentId, e.timestamp);
    p.prepare(e);
    p.absorb(e);
  }
}

describe("profile store bounds", () => {
  it("keeps at most maxAgents, dropping the least recently active", () => {
    const store = storeWith({ maxAgents: 3 });
    feed(store, [
      ev({ agentId: "a", timestamp: T0 }),
      ev({ agentId: "b", timestamp: T0 + MINUTE }),
      ev({ agentId: "c", timestamp: T0 + 2 * MINUTE }),
      ev({ agentId: "a", timestamp: T0 + 5 * MINUTE }),
      ev({ agentId: "d", timestamp: T0 + 6 * MINUTE }),
    ]);
    expect(store.size).toBe(3);
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")).toBeDefined();
    expect(store.evictions).toBe(1);
  });

  it("expires idle agents in event time, explicitly and lazily", () => {
    const store = storeWith({ idleExpiryMinutes: 60 });
    feed(store, [ev({ agentId: "a", timestamp: T0 }), ev({ agentId: "b", timestamp: T0 + 30 * MINUTE })]);
    expect(store.evictIdle(T0 + 80 * MINUTE)).toBe(1);
    expect([...store.entries()].map(([id]) => id)).toEqual(["b"]);
    // Lazily: a long stream of another agent's events, later in event time, sweeps "b" out.
    feed(store, benignStream(5000, { agentId: "c", start: T0 + 3 * HOUR, gapMs: 100 }));
    expect(store.get("b")).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it("caps endpoints per agent with an overflow slot", () => {
    const store = storeWith({ maxEndpointsPerAgent: 4 });
    feed(
      store,
      Array.from({ length: 10 }, (_, i) => ev({ timestamp: T0 + i * SECOND, path: `/v1/t${i}` })),
    );
    const p = store.get("agent-1");
    expect(p?.slots).toBe(4);
    expect(p?.templateOf(3)).toBe("(other endpoints)");
    expect(
      store.summarize("agent-1")?.endpoints.find((e) => e.template === "(other endpoints)")?.requests,
    ).toBe(7);
  });

  it("keeps per-agent memory bounded whatever the traffic", () => {
    const store = storeWith({ maxTransitionsPerAgent: 16 });
    const events = Array.from({ length: 20_000 }, (_, i) =>
      ev({
        timestamp: T0 + i * SECOND,
        path: `/v1/t${(i * 7919) % 500}/${i}`,
        clientIp: `10.${i % 250}.${(i >> 3) % 250}.1`,
        userAgent: `ua-${i % 97}`,
        tokenId: `tok-${i % 31}`,
      }),
    );
    feed(store, events);
    const p = store.get("agent-1");
    const { maxEndpoints, maxObjectTemplates } = store.params;
    expect(p?.slots).toBe(maxEndpoints);
    expect(p?.slotCap).toBeLessThanOrEqual(maxEndpoints);
    expect(p?.trCount).toBeLessThanOrEqual(16);
    expect(p?.trCap).toBeLessThanOrEqual(16);
    expect(p?.objCap).toBeLessThanOrEqual(maxObjectTemplates);
    expect(p?.f.length).toBe((p?.slotCap ?? 0) * T_STRIDE + (p?.trCap ?? 0) * 2 + (p?.objCap ?? 0) * O_SIZE);
    const summary = store.summarize("agent-1");
    expect(summary?.networks.length).toBe(3);
    expect(summary?.userAgents.length).toBe(3);
    expect(summary?.tokens.length).toBe(3);
  });
});

describe("relative times in the Float32 blocks", () => {
  it("keep endpoint and object times within the Float32 step after months", () => {
    const store = storeWith({});
    const DAY = 24 * HOUR;
    const late = T0 + 200 * DAY + 123_456;
    feed(store, [
      ev({ timestamp: T0, path: "/v1/orders/1" }),
      ev({ timestamp: T0 + 100 * DAY, path: "/v1/orders/2", status: 404 }),
      ev({ timestamp: late, path: "/v1/orders/3" }),
    ]);
    const p = store.get("agent-1");
    // Float32 relative times lose precision with the agent's age: at 200 days the step is 2 s.
    const step = 2 * SECOND;
    const lastSeen = Date.parse(store.summarize("agent-1")?.endpoints[0]?.lastSeen ?? "");
    expect(Math.abs(lastSeen - late)).toBeLessThanOrEqual(step);
    const slot = p?.cursor.slot ?? 0;
    const errAt = p?.f[slot * T_STRIDE + T_ERR_TIME] as number;
    expect(Math.abs((p?.relative(T0 + 100 * DAY) as number) - errAt)).toBeLessThanOrEqual(step);
    expect(
      Math.abs((p?.f[(p?.objBase ?? 0) + O_LAST_TIME] as number) - (p?.relative(late) as number)),
    ).toBeLessThanOrEqual(step);
  });
});

describe("profile summary", () => {
  it("reads like a profile and carries token digests, never token ids", () => {
    const engine = createEngine(engineOptionsSchema.parse({}));
    for (const e of benignStream(300)) engine.process(e);
    const summary = engine.profiles.summarize("agent-1");
    expect(summary?.events).toBe(300);
    expect(summary?.warm).toBe(true);
    expect(summary?.endpoints.map((e) => e.template).sort()).toEqual([
      "/v1/customers/{id}",
      "/v1/inventory",
      "/v1/orders",
      "/v1/orders/{id}",
    ]);
    const shares = summary?.endpoints.reduce((sum, e) => sum + e.share, 0) ?? 0;
    expect(shares).toBeCloseTo(1, 2);
    expect(summary?.endpoints[0]?.responseSize.typicalBytes).toBeGreaterThan(600);
    expect(summary?.transitions[0]?.count).toBeGreaterThan(50);
    expect(summary?.rate.usualPerMinute).toBeGreaterThan(2);
    expect(summary?.networks[0]?.value).toBe("10.0.0.0/24");
    expect(summary?.tokens[0]?.value).toBe(tokenDigest("tok-agent-1"));
    expect(JSON.stringify(summary)).not.toContain("tok-agent-1");
    expect(summary?.risk.tier).toBe("none");
  });
});

describe("snapshots", () => {
  /** Benign warm-up for three agents, then a mix of benign traffic and attacks. */
  function scenario(): { before: NormalizedEvent[]; after: NormalizedEvent[] } {
    const agents = ["a", "b", "c"];
    const before = agents.flatMap((agentId, k) => benignStream(300, { agentId, seed: k + 1 }));
    const start = T0 + 2 * HOUR;
    const after = [
      ...agents.flatMap((agentId, k) => benignStream(100, { agentId, start, seed: k + 9 })),
      ...Array.from({ length: 25 }, (_, i) =>
        ev({
          agentId: "a",
          timestamp: start + i * 3 * SECOND,
          path: `/v1/customers/${7000 + i}`,
          status: 404,
        }),
      ),
      ev({ agentId: "b", timestamp: start + MINUTE, method: "DELETE", path: "/v1/admin/users/9" }),
      ev({ agentId: "b", timestamp: start + MINUTE + 1, method: "DELETE", path: "/v1/admin/keys/3" }),
      ev({ agentId: "c", timestamp: start + 2 * MINUTE, path: "/v1/orders?q=1'%20OR%20'1'='1" }),
    ].sort((x, y) => x.timestamp - y.timestamp);
    return { before, after: after.sort((x, y) => x.timestamp - y.timestamp) };
  }

  it("restore gives a profile that behaves exactly like the original", () => {
    const { before, after } = scenario();
    const options = engineOptionsSchema.parse({});
    const original = createEngine(options);
    for (const e of before) original.process(e);

    const restored = createEngine(options);
    for (const [agentId] of original.profiles.entries()) {
      const snapshot = original.profiles.serialize(agentId) as string;
      restored.profiles.restore(agentId, agentId === "b" ? new TextEncoder().encode(snapshot) : snapshot);
    }
    for (const [agentId] of original.profiles.entries()) {
      expect(restored.profiles.serialize(agentId)).toBe(original.profiles.serialize(agentId));
    }
    const run = (engine: typeof original) =>
      after.map((e) => engine.process(e)).filter((a): a is Alert => !!a);
    const expected = run(original);
    expect(expected.length).toBeGreaterThan(2);
    expect(run(restored)).toEqual(expected);
    for (const agentId of ["a", "b", "c"]) {
      expect(restored.profiles.summarize(agentId)).toEqual(original.profiles.summarize(agentId));
    }
    // After the attacks every agent carries risk memory (evidence, findings, history): it round-trips too.
    const third = createEngine(options);
    for (const agentId of ["a", "b", "c"]) {
      const snapshot = original.profiles.serialize(agentId) as string;
      expect(JSON.parse(snapshot).risk.history).toHaveLength(32);
      third.profiles.restore(agentId, snapshot);
      expect(third.profiles.serialize(agentId)).toBe(snapshot);
      expect(third.profiles.summarize(agentId)).toEqual(original.profiles.summarize(agentId));
    }
  });

  it("rejects malformed or mismatched snapshots with INVALID_SNAPSHOT", () => {
    const engine = createEngine(engineOptionsSchema.parse({}));
    for (const e of benignStream(50)) engine.process(e);
    const good = JSON.parse(engine.profiles.serialize("agent-1") as string);
    const bad = [
      "not json",
      JSON.stringify({ ...good, v: 99 }),
      JSON.stringify({ ...good, s: good.s.slice(1) }),
      JSON.stringify({ ...good, transitions: [[0, 99, 1]] }),
      JSON.stringify({ ...good, s: good.s.map(() => "x") }),
      JSON.stringify({ ...good, risk: { evidence: {}, findings: {}, history: [1, 0.5] } }),
    ];
    for (const data of bad) {
      expect(() => engine.profiles.restore("x", data)).toThrow(AgentwatchError);
      try {
        engine.profiles.restore("x", data);
      } catch (error) {
        expect((error as AgentwatchError).code).toBe("INVALID_SNAPSHOT");
      }
    }
    expect(engine.profiles.get("x")).toBeUndefined();
  });
});
