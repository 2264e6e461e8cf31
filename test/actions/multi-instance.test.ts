/** Two instances sharing one Redis: one decision, one page, one gateway push, claims that lapse. */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actions } from "../../src/actions/index.js";
import { RedisLedger } from "../../src/actions/ledger.js";
import { fakeRevocationServer } from "../fakes/oauth-revocation.js";
import { fakePagerDuty } from "../fakes/pagerduty.js";
import { fakeSignedHook } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";
import { type Fakes, startActions } from "./harness.js";
import { dropPrefix, makeAlert, sleep, tempDir, testRedis, waitFor } from "./helpers.js";

let redis: Redis | undefined;
const prefix = `agentwatch-test:h4:${randomUUID()}:`;
beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  if (redis) {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
});

describe("two instances, one Redis", () => {
  let dirs: Array<{ dir: string; cleanup(): Promise<void> }> = [];
  let fakes: Required<Pick<Fakes, "slack" | "pd" | "gateway" | "oauth">>;
  const running: Actions[] = [];

  beforeEach(async () => {
    dirs = [await tempDir(), await tempDir()];
    fakes = {
      slack: fakeSlack(),
      pd: fakePagerDuty(),
      gateway: fakeSignedHook(),
      oauth: fakeRevocationServer({ th_5f2c: "raw" }),
    };
    await Promise.all(Object.values(fakes).map((f) => f.start()));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
    await Promise.all(dirs.map((d) => d.cleanup()));
  });

  const pair = async (keyPrefix: string) => {
    if (!redis) throw new Error("no redis");
    const options = { redis: { url: "redis://unused-in-tests", keyPrefix }, delivery: { claimLease: 400 } };
    const a = await startActions(dirs[0]?.dir as string, fakes, options, { redis });
    const b = await startActions(dirs[1]?.dir as string, fakes, options, { redis });
    running.push(a, b);
    return [a, b] as const;
  };

  it("the same critical alert on both instances pages once, pushes once, revokes once", async () => {
    if (!redis) return console.warn("*** skipped: no Redis ***");
    const [a, b] = await pair(`${prefix}same:`);
    const alert = makeAlert({ severity: "critical", at: Date.now() });
    await Promise.all([a.submit(alert), b.submit(alert)]);
    await waitFor("both drained", () => a.stats().queued === 0 && b.stats().queued === 0);
    await sleep(100);
    expect([...fakes.pd.incidents.values()]).toEqual([expect.objectContaining({ triggers: 1 })]);
    expect(fakes.pd.requests).toHaveLength(1);
    expect(fakes.gateway.received).toHaveLength(1);
    expect(fakes.oauth.revoked).toHaveLength(1);
    expect(fakes.slack.messages).toHaveLength(1);
    const duplicates =
      (a.stats().deliveries.oncall?.duplicate ?? 0) + (b.stats().deliveries.oncall?.duplicate ?? 0);
    expect(duplicates).toBe(1);
  });

  it("different alerts for one agent on each instance make one decision and one page; both see it; unblock anywhere", async () => {
    if (!redis) return console.warn("*** skipped: no Redis ***");
    const [a, b] = await pair(`${prefix}diff:`);
    await a.submit(makeAlert({ severity: "critical", at: Date.now() }));
    await waitFor("a decided", async () => (await b.decisions.get("agent-7")) !== undefined);
    await b.submit(makeAlert({ severity: "critical", at: Date.now() + 5 }));
    await waitFor("both drained", () => a.stats().queued === 0 && b.stats().queued === 0);
    await sleep(100);
    expect(fakes.pd.requests).toHaveLength(1);
    expect(fakes.gateway.received).toHaveLength(1);
    expect(await a.decisions.list()).toHaveLength(1);
    expect(await b.decisions.unblock("agent-7")).toBe(true);
    expect(await a.decisions.get("agent-7")).toBeUndefined();
    await waitFor("resolved", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
  });

  it("a claim held by a vanished instance lapses and is taken over", async () => {
    if (!redis) return console.warn("*** skipped: no Redis ***");
    const times = { leaseMs: 100, doneTtlMs: 10_000 };
    const crashed = new RedisLedger(redis, `${prefix}ledger:`, times);
    const survivor = new RedisLedger(redis, `${prefix}ledger:`, times);
    expect(await crashed.claim("k")).toBe("claimed");
    expect(await survivor.claim("k")).toBe("busy");
    await sleep(150);
    expect(await survivor.claim("k")).toBe("claimed");
    await survivor.complete("k");
    expect(await crashed.claim("k")).toBe("done");
  });
});
