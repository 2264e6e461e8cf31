/**
 * Recovery end to end: `Actions.recover` against real local servers behaving like PagerDuty,
 * Slack and a gateway hook, and across a restart with real Redis holding the decisions.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Actions } from "../../src/actions/index.js";
import { createEngine, engineOptionsSchema, type TierRecovery } from "../../src/engine/engine.js";
import { fakePagerDuty } from "../fakes/pagerduty.js";
import { fakeSignedHook } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";
import { benignStream, T0 as EVENTS_T0, ev, HOUR, SECOND } from "../helpers/events.js";
import { type Fakes, startActions } from "./harness.js";
import { dropPrefix, makeAlert, sleep, T0, tempDir, testRedis, waitFor } from "./helpers.js";

function fell(at: number, agentId = "agent-7"): TierRecovery {
  return {
    agentId,
    identitySource: "agent",
    previousSeverity: "critical",
    riskScore: 0.05,
    timestamp: new Date(at).toISOString(),
  };
}

let redis: Redis | undefined;
const prefix = `agentwatch-test:h9:${randomUUID()}:`;
beforeAll(async () => {
  redis = await testRedis();
});
afterAll(async () => {
  if (redis) {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
});

describe("recovery", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let fakes: Required<Pick<Fakes, "slack" | "pd" | "gateway">>;
  const running: Actions[] = [];
  const start = async (...args: Parameters<typeof startActions>) => {
    const a = await startActions(...args);
    running.push(a);
    return a;
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    fakes = { slack: fakeSlack(), pd: fakePagerDuty(), gateway: fakeSignedHook() };
    await Promise.all(Object.values(fakes).map((f) => f.start()));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
    await cleanup();
  });

  const pdEvents = () => fakes.pd.requests.map((r) => JSON.parse(r.body) as Record<string, string>);
  const gatewayTypes = () => fakes.gateway.received.map((r) => r.payload.type);

  it("resolves the PagerDuty incident with the trigger's dedup_key, exactly once; the block stays until it expires", async () => {
    const actions = await start(dir, fakes, {
      decisions: { sweepInterval: 10, ttl: { revoke: 800 } },
    });
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor("paged", () => fakes.pd.incidents.size === 1 && fakes.slack.messages.length === 1);

    await actions.recover(fell(T0 + 100));
    await actions.recover(fell(T0 + 100)); // the same report twice
    await actions.recover(fell(T0 + 200)); // and a later one: the incident is already resolved
    await waitFor("resolved", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
    await waitFor("recovery note", () => fakes.slack.messages.length === 2);
    expect(fakes.slack.messages[1]?.text).toMatch(/agent `agent-7` recovered.*revoke stays in force until/);
    expect(await actions.decisions.get("agent-7")).toMatchObject({ type: "revoke", recoveredAt: T0 + 100 });

    // the revoke's own expiry lifts it at the gateway, without a second resolve
    await waitFor("expired", () => gatewayTypes().includes("decision.removed"), 3_000);
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(50);
    const [trigger, ...rest] = pdEvents();
    expect(trigger).toMatchObject({ event_action: "trigger" });
    expect(rest).toEqual([
      { routing_key: trigger?.routing_key, event_action: "resolve", dedup_key: trigger?.dedup_key },
    ]);
    expect(gatewayTypes()).toEqual(["decision.upsert", "decision.removed"]);
    expect(fakes.gateway.received[1]?.payload.reason).toBe("expired");
    expect(fakes.slack.messages).toHaveLength(2);
    expect(actions.stats().deliveries.chat).toEqual({ delivered: 2, duplicate: 1 });
    expect(actions.stats().decisionsMade).toEqual({ created: 1, kept: 1 });
  });

  it("lifts a throttle at the gateway on recovery, and keeps a block", async () => {
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ agentId: "throttled", severity: "medium", at: T0 }));
    await actions.submit(makeAlert({ agentId: "blocked", severity: "high", at: T0 }));
    await waitFor("both pushed", () => fakes.gateway.received.length === 2);
    await actions.recover(fell(T0 + 1_000, "throttled"));
    await actions.recover(fell(T0 + 1_000, "blocked"));
    await waitFor("throttle lifted", () => fakes.gateway.received.length === 3);
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(50);
    expect(fakes.gateway.received[2]?.payload).toMatchObject({
      type: "decision.removed",
      agent_id: "throttled",
      reason: "recovered",
    });
    expect(fakes.gateway.received).toHaveLength(3);
    expect(await actions.decisions.get("throttled")).toBeUndefined();
    expect(await actions.decisions.get("blocked")).toMatchObject({ type: "block", recoveredAt: T0 + 1_000 });
    expect((await actions.decisions.changesSince("0")).removed).toEqual(["throttled"]);
    // high notifies: the blocked agent's chat gets the note; medium never reached chat, so no note
    expect(fakes.slack.messages.map((m) => m.text)).toEqual([
      expect.stringContaining("high risk 0.91 for agent `blocked`"),
      expect.stringMatching(/`blocked` recovered.*block stays in force/),
    ]);
  });

  it("a new offence under the kept block pages again (a new incident at PagerDuty), once", async () => {
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await actions.recover(fell(T0 + 100));
    await waitFor("resolved", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
    await actions.submit(makeAlert({ severity: "critical", at: T0 + 200 }));
    await actions.submit(makeAlert({ severity: "critical", at: T0 + 300 }));
    await waitFor("re-triggered", () => [...fakes.pd.incidents.values()][0]?.status === "triggered");
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(50);
    expect(pdEvents().map((e) => e.event_action)).toEqual(["trigger", "resolve", "trigger"]);
    expect(fakes.gateway.received).toHaveLength(1); // same block: nothing new to push
  });

  it("a recovery with nothing open is a no-op", async () => {
    const actions = await start(dir, fakes);
    await actions.recover(fell(T0, "never-alerted"));
    await actions.submit(makeAlert({ severity: "low", at: T0 })); // logged only, nothing decided
    await actions.recover(fell(T0 + 100));
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(50);
    for (const f of Object.values(fakes)) expect(f.requests).toHaveLength(0);
    expect(actions.stats().decisionsMade).toEqual({});
  });

  it("shadow mode: the page is resolved and chat told, the gateway never called", async () => {
    const actions = await start(dir, fakes, { shadow: true });
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await actions.submit(makeAlert({ agentId: "throttled", severity: "medium", at: T0 }));
    await actions.recover(fell(T0 + 100));
    await actions.recover(fell(T0 + 100, "throttled"));
    await waitFor("resolved", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(50);
    expect(fakes.gateway.requests).toHaveLength(0);
    expect(fakes.slack.messages[1]?.text).toContain("(shadow mode: not enforced)");
    expect(await actions.decisions.get("throttled")).toBeUndefined(); // the shadow throttle is lifted too
    expect(actions.stats().decisionsMade).toMatchObject({ kept: 1, lifted: 1 });
  });

  it("wired to the engine's onRecovered hook: the attack pages, the calm afterwards resolves it", async () => {
    const actions = await start(dir, fakes);
    // As the composition root does: alerts and recoveries queued in the engine's order.
    const queued: Array<Promise<void>> = [];
    const engine = createEngine(engineOptionsSchema.parse({}), {
      hooks: { onRecovered: (recovery) => queued.push(actions.recover(recovery)) },
    });
    const attackAt = EVENTS_T0 + 4 * HOUR;
    const attack = Array.from({ length: 40 }, (_, i) =>
      ev({
        agentId: "victim",
        timestamp: attackAt + i * 2 * SECOND,
        path: `/v1/customers/${20_000 + i}`,
        status: i % 4 ? 404 : 200,
      }),
    );
    const calm = benignStream(200, {
      agentId: "victim",
      start: attackAt + 90 * SECOND,
      gapMs: 60 * SECOND,
      seed: 1,
    });
    const history = benignStream(400, { agentId: "victim", seed: 1, gapMs: 30 * SECOND });
    for (const event of [...history, ...attack, ...calm]) {
      const alert = engine.process(event);
      if (alert) queued.push(actions.submit(alert));
    }
    await Promise.all(queued);
    await waitFor("resolved", () => [...fakes.pd.incidents.values()].some((i) => i.status === "resolved"));
    await waitFor("drained", () => actions.stats().queued === 0, 10_000);
    expect([...fakes.pd.incidents.values()]).toEqual([expect.objectContaining({ triggers: 1, resolves: 1 })]);
    expect(actions.stats().decisionsMade).toMatchObject({ kept: 1 });
    expect(await actions.decisions.get("victim")).toMatchObject({ recoveredAt: expect.any(Number) });
  });

  it("a restart with the recovery still queued resolves the incident once (decisions in Redis)", async () => {
    if (!redis) return console.warn("*** skipped: no Redis ***");
    // Wall-clock event times: a fresh instance's sweeper runs on the wall clock until it sees an event.
    const now = Date.now();
    const overrides = {
      redis: { url: "redis://unused-in-tests", keyPrefix: `${prefix}restart:` },
      delivery: { maxAttempts: 100 }, // PagerDuty is down longer than the test's short backoff allows
    };
    const first = await start(dir, fakes, overrides, { redis });
    await first.submit(makeAlert({ severity: "critical", at: now }));
    await waitFor("paged", () => fakes.pd.incidents.size === 1);
    await waitFor("alert acked", () => first.stats().queued === 0);
    fakes.pd.down("drop");
    await first.recover(fell(now + 100));
    await waitFor("chat told before the crash", () => fakes.slack.messages.length === 2);
    await first.stop();
    expect(first.stats().queued).toBe(1); // PagerDuty never answered: the recovery is still owed
    expect([...fakes.pd.incidents.values()][0]?.status).toBe("triggered");
    fakes.pd.up();

    const second = await start(dir, fakes, overrides, { redis });
    await waitFor("resolved after restart", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
    await waitFor("drained", () => second.stats().queued === 0);
    await sleep(50);
    expect([...fakes.pd.incidents.values()][0]).toMatchObject({ triggers: 1, resolves: 1 });
    expect(fakes.slack.messages).toHaveLength(2); // the note is not posted twice
    expect(second.stats().deliveries.chat?.duplicate).toBe(1);
  });
});
