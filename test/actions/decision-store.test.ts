/**
 * Decision stores (memory and Redis): one decision per agent with expiry, the change feed and its cursors,
 * versioned removal, strikes, the allowlist, and one decision when two instances race.
 */
import { describe, expect, it } from "vitest";
import type { DecisionStore } from "../../src/actions/decision-store.js";
import { decide, decisionOptionsSchema, tiersSchema } from "../../src/actions/policy.js";
import { RedisDecisionStore } from "../../src/actions/redis-decision-store.js";
import { makeAlert, T0, useDecisionStores } from "./helpers.js";

const tiers = tiersSchema.parse({});
const options = decisionOptionsSchema.parse({});

async function block(
  store: DecisionStore,
  agentId: string,
  at: number,
  severity: "medium" | "high" | "critical" = "high",
) {
  const alert = makeAlert({ agentId, severity, at });
  return store.update(agentId, (state) => decide(state, alert, tiers, options, false));
}

const { stores, redis: sharedRedis, prefix } = useDecisionStores("decisions");

describe.each(stores)("%s decision store", (name, make) => {
  const withStore = (fn: (store: DecisionStore) => Promise<void>) => async () => {
    const store = make();
    if (!store) {
      console.warn(`*** skipped: ${name} store unavailable ***`);
      return;
    }
    try {
      await fn(store);
    } finally {
      if (store instanceof RedisDecisionStore) await store.close();
    }
  };

  it(
    "keeps one decision per agent and lists, gets and expires it",
    withStore(async (store) => {
      const first = await block(store, "a", T0);
      expect(first.outcome.change).toBe("created");
      expect((await block(store, "a", T0 + 1)).outcome.change).toBe("unchanged");
      await block(store, "b", T0 + 2, "medium");
      expect((await store.list()).map((d) => d.agentId).sort()).toEqual(["a", "b"]);
      expect(await store.get("a")).toMatchObject({ type: "block" });
      const expired = await store.expired(T0 + 3_600_000, 10);
      expect(expired.map((d) => d.agentId)).toEqual(["b", "a"]); // 15 min throttle first, then the 1 h block
    }),
  );

  it(
    "serves what changed since a cursor: added, escalated, removed; stale or missing cursors get a reset snapshot",
    withStore(async (store) => {
      const start = await store.changesSince(undefined);
      expect(start).toMatchObject({ added: [], removed: [], reset: true });
      await block(store, "a", T0, "medium");
      await block(store, "b", T0);
      const one = await store.changesSince(start.cursor);
      expect(one.reset).toBe(false);
      expect(one.added.map((d) => `${d.agentId}:${d.type}`)).toEqual(["a:throttle", "b:block"]);
      await block(store, "a", T0 + 1, "critical"); // escalation
      const b = await store.get("b");
      expect(await store.remove("b", b)).toMatchObject({ agentId: "b" });
      const two = await store.changesSince(one.cursor);
      expect(two.added.map((d) => `${d.agentId}:${d.type}`)).toEqual(["a:revoke"]);
      expect(two.removed).toEqual(["b"]);
      expect(await store.changesSince(two.cursor)).toMatchObject({ added: [], removed: [], reset: false });
      const bogus = await store.changesSince("not-a-cursor");
      expect(bogus.reset).toBe(true);
      expect(bogus.added.map((d) => d.agentId)).toEqual(["a"]);
    }),
  );

  it(
    "removes only the expected version, and forgives strikes on request",
    withStore(async (store) => {
      const first = await block(store, "a", T0, "medium");
      const original = first.outcome.decision;
      await block(store, "a", T0 + 1, "high"); // escalated: a new version
      expect(await store.remove("a", original)).toBeUndefined();
      expect(await store.get("a")).toMatchObject({ type: "block" });
      expect(await store.remove("a", undefined, true)).toMatchObject({ type: "block" });
      expect(await store.get("a")).toBeUndefined();
      const again = await block(store, "a", T0 + 2, "medium");
      expect(again.outcome.decision?.level).toBe(0);
    }),
  );

  it(
    "keeps the allowlist",
    withStore(async (store) => {
      expect(await store.allowlistAdd("x")).toBe(true);
      expect(await store.allowlistAdd("x")).toBe(false);
      await store.allowlistAdd("10.0.0.0/8");
      expect(await store.allowlistEntries()).toEqual(["10.0.0.0/8", "x"]);
      expect(await store.allowlistRemove("x")).toBe(true);
      expect(await store.allowlistEntries()).toEqual(["10.0.0.0/8"]);
    }),
  );
});

describe("redis decision store across instances", () => {
  it("two instances racing on one agent make one decision", async () => {
    const redis = sharedRedis();
    if (!redis) {
      console.warn("*** skipped: no Redis ***");
      return;
    }
    const keyPrefix = `${prefix}race:`;
    const a = new RedisDecisionStore(redis, { keyPrefix, stateRetentionMs: 60_000 });
    const b = new RedisDecisionStore(redis, { keyPrefix, stateRetentionMs: 60_000 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => block(i % 2 ? a : b, "contended", T0 + i, "high")),
    );
    expect(results.filter((r) => r.outcome.change === "created")).toHaveLength(1);
    const changes = await a.changesSince("0-0");
    expect(changes.added).toHaveLength(1);
    await a.close();
    await b.close();
  });
});
