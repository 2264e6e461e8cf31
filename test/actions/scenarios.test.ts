/**
 * The action layer end to end, against real local HTTP servers that behave like Slack,
 * PagerDuty, an RFC 7009 authorization server and a gateway hook.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Actions } from "../../src/actions/index.js";
import { fakeRevocationServer } from "../fakes/oauth-revocation.js";
import { fakePagerDuty, PD_ROUTING_KEY } from "../fakes/pagerduty.js";
import { fakeSignedHook, HOOK_SECRET } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";
import { capturingLogger, type Fakes, startActions } from "./harness.js";
import { makeAlert, sleep, T0, tempDir, waitFor } from "./helpers.js";

type Payload = Record<string, unknown> & { decision?: Record<string, unknown> };

describe("action layer scenarios", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let fakes: Required<Fakes>;
  const running: Actions[] = [];
  const start = async (...args: Parameters<typeof startActions>) => {
    const a = await startActions(...args);
    running.push(a);
    return a;
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    fakes = {
      slack: fakeSlack(),
      pd: fakePagerDuty(),
      gateway: fakeSignedHook(),
      oauth: fakeRevocationServer({ th_5f2c: "raw-token-of-agent-7" }),
      webhook: fakeSignedHook(),
    };
    await Promise.all(Object.values(fakes).map((f) => f.start()));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
    await cleanup();
  });

  const upserts = () =>
    fakes.gateway.received
      .filter((r) => r.payload.type === "decision.upsert")
      .map((r) => r.payload as Payload);

  it("a critical alert blocks at the gateway, revokes the token (RFC 7009), pages and posts to Slack, once each", async () => {
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor(
      "all sinks",
      () =>
        fakes.slack.messages.length === 1 &&
        fakes.pd.incidents.size === 1 &&
        fakes.oauth.revoked.length === 1 &&
        upserts().length === 1 &&
        fakes.webhook.received.length === 1,
    );
    expect(fakes.oauth.revoked).toEqual([{ token: "raw-token-of-agent-7", hint: "access_token" }]);
    expect(upserts()[0]?.decision).toMatchObject({
      agent_id: "agent-7",
      action: "block",
      ttl_seconds: 86_400,
    });
    const [incident] = [...fakes.pd.incidents.values()];
    expect(incident).toMatchObject({ status: "triggered", triggers: 1, severity: "critical" });
    expect(await actions.decisions.get("agent-7")).toMatchObject({ type: "revoke", shadow: false });
    await waitFor("acked", () => actions.stats().queued === 0);
    expect(actions.stats().deliveries).toMatchObject({
      audit: { delivered: 1 },
      chat: { delivered: 1 },
      oncall: { delivered: 1 },
      edge: { delivered: 1 },
      idp: { delivered: 1 },
      siem: { delivered: 1 },
    });
  });

  it("a flood of alerts for one agent makes one decision, one gateway push, one page and grouped Slack messages", async () => {
    const actions = await start(dir, fakes);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => actions.submit(makeAlert({ severity: "critical", at: T0 + i }))),
    );
    await waitFor("drained", () => actions.stats().queued === 0);
    expect(upserts()).toHaveLength(1);
    expect([...fakes.pd.incidents.values()].map((i) => i.triggers)).toEqual([1]);
    expect(fakes.oauth.revoked).toHaveLength(1);
    expect(fakes.slack.messages.length).toBeLessThan(10); // bursts grouped (max 20 per message)
    expect(fakes.slack.messages.map((m) => m.text).join()).toContain("(20 alerts)");
    expect((await actions.decisions.changesSince(undefined)).added).toHaveLength(1);
  });

  it("a sink down for a while then back: everything is delivered, exactly once", async () => {
    fakes.gateway.down({ status: 503, body: "maintenance" });
    const actions = await start(dir, fakes, {
      delivery: { breaker: { minimumCalls: 3, openFor: 50 }, maxAttempts: 100 },
    });
    for (let i = 0; i < 5; i++)
      await actions.submit(makeAlert({ agentId: `agent-${i}`, severity: "high", at: T0 + i }));
    await waitFor("slack unaffected", () => fakes.slack.messages.length === 5);
    expect(upserts()).toHaveLength(0);
    await sleep(150);
    fakes.gateway.up();
    await waitFor("gateway caught up", () => upserts().length === 5);
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(100);
    expect(
      upserts()
        .map((p) => p.decision?.agent_id)
        .sort(),
    ).toEqual(["agent-0", "agent-1", "agent-2", "agent-3", "agent-4"]);
    expect(actions.stats().deliveries.edge?.retried).toBeGreaterThan(0);
    // Standard Webhooks ids are stable across retries of one delivery
    expect(new Set(fakes.gateway.requests.map((r) => r.headers["webhook-id"])).size).toBe(5);
  });

  it("a restart with undelivered alerts: a new instance over the same queue dir delivers them, once", async () => {
    fakes.slack.down("drop");
    const first = await start(dir, fakes);
    for (let i = 0; i < 3; i++)
      await first.submit(makeAlert({ agentId: `agent-${i}`, severity: "high", at: T0 + i }));
    await waitFor("gateway done before the crash", () => upserts().length === 3);
    await sleep(50);
    await first.stop();
    expect(first.stats().queued).toBe(3); // Slack never answered: still queued
    fakes.slack.up();

    const second = await start(dir, fakes);
    await waitFor("slack delivered after restart", () => fakes.slack.messages.length === 3);
    await waitFor("drained", () => second.stats().queued === 0);
    await sleep(100);
    expect(upserts()).toHaveLength(3); // the gateway is not pushed twice
    expect(second.stats().deliveries.edge?.duplicate).toBe(3);
  });

  it("shadow mode: decides and notifies, never calls the gateway or the revocation endpoint", async () => {
    const actions = await start(dir, fakes, { shadow: true });
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor("notified", () => fakes.slack.messages.length === 1 && fakes.pd.incidents.size === 1);
    await waitFor("drained", () => actions.stats().queued === 0);
    expect(fakes.gateway.requests).toHaveLength(0);
    expect(fakes.oauth.requests).toHaveLength(0);
    expect(await actions.decisions.get("agent-7")).toMatchObject({ type: "revoke", shadow: true });
    expect(JSON.stringify(fakes.slack.messages[0])).toContain("shadow mode: not enforced");
  });

  it("allowlisted agents and addresses are never enforced against, only logged", async () => {
    const { logger, lines } = capturingLogger();
    const actions = await start(dir, fakes, { allowlist: { agents: ["trusted-bot"] } }, { logger });
    await actions.decisions.allowlist.add("198.51.100.0/24");
    await actions.submit(makeAlert({ agentId: "trusted-bot", severity: "critical", at: T0 }));
    await actions.submit(
      makeAlert({
        agentId: "office-agent",
        severity: "critical",
        at: T0,
        request: { method: "GET", template: "/", status: 200, clientIp: "198.51.100.77" },
      }),
    );
    await waitFor("drained", () => actions.stats().queued === 0);
    await sleep(80);
    for (const f of Object.values(fakes)) expect(f.requests).toHaveLength(0);
    expect(await actions.decisions.list()).toEqual([]);
    const audit = lines.filter((l) => l.includes('"event":"alert"'));
    expect(audit).toHaveLength(2);
    expect(audit.every((l) => l.includes('"allowlisted":true') && l.includes('"wouldDecide":"revoke"'))).toBe(
      true,
    );
    expect(await actions.decisions.allowlist.list()).toEqual([
      { entry: "trusted-bot", source: "config" },
      { entry: "198.51.100.0/24", source: "api" },
    ]);
    await expect(actions.decisions.allowlist.add("10.0.0.0/99")).rejects.toThrow(/CIDR/);
  });

  it("escalation and decay: throttle, then block, then expiry announced; a repeat offence is longer; a quiet week forgives", async () => {
    const actions = await start(dir, fakes, {
      decisions: { sweepInterval: 10, ttl: { throttle: 300, block: 400, revoke: 1000 }, decayAfter: "1d" },
    });
    await actions.submit(makeAlert({ severity: "medium", at: T0 }));
    await waitFor("throttle pushed", () => upserts().length === 1);
    expect(upserts()[0]?.decision).toMatchObject({ action: "throttle", rate_per_minute: 60 });
    await actions.submit(makeAlert({ severity: "high", at: T0 + 10 }));
    await waitFor("block pushed", () => upserts().length === 2);
    const block = upserts()[1]?.decision;
    expect(block).toMatchObject({ action: "block", incident: upserts()[0]?.decision?.incident });
    // the event clock runs on from the last alert: the 400 ms block (same incident: level 0) ends on its own
    await waitFor(
      "removal pushed",
      () => fakes.gateway.received.some((r) => r.payload.type === "decision.removed"),
      3_000,
    );
    expect(await actions.decisions.get("agent-7")).toBeUndefined();
    const changes = await actions.decisions.changesSince("0");
    expect(changes.removed).toEqual(["agent-7"]);

    await actions.submit(makeAlert({ severity: "medium", at: T0 + 2_000 }));
    await waitFor("repeat offence", () => upserts().length === 3);
    // The second incident is the second strike: level 1, twice the throttle TTL.
    expect(upserts()[2]?.decision).toMatchObject({ action: "throttle" });
    const repeat = await actions.decisions.get("agent-7");
    expect(repeat).toMatchObject({ level: 1, expiresAt: T0 + 2_000 + 600 });
    const later = T0 + 8 * 86_400_000;
    await actions.submit(makeAlert({ agentId: "agent-7", severity: "medium", at: later }));
    await waitFor("after a quiet week", () => upserts().length === 4);
    expect(upserts()[3]?.decision).toMatchObject({ action: "throttle", ttl_seconds: 1 }); // back to a first offence (300 ms)
  });

  it("PagerDuty: re-alerts update one incident, escalation re-triggers it, expiry resolves it", async () => {
    const actions = await start(dir, fakes, {
      tiers: { high: ["block", "page"], critical: ["revoke", "page"] },
      decisions: { sweepInterval: 10, ttl: { throttle: 200, block: 200, revoke: 300 } },
    });
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await actions.submit(makeAlert({ severity: "high", at: T0 + 1 }));
    await actions.submit(makeAlert({ severity: "critical", at: T0 + 2 }));
    await waitFor(
      "resolved",
      () => [...fakes.pd.incidents.values()].some((i) => i.status === "resolved"),
      3_000,
    );
    expect([...fakes.pd.incidents.values()]).toEqual([
      expect.objectContaining({ status: "resolved", triggers: 2, resolves: 1, severity: "critical" }),
    ]);
    await waitFor("drained", () => actions.stats().queued === 0);
  });

  it("unblock lifts the decision now: gateway told, page resolved, strikes forgiven", async () => {
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor("paged", () => fakes.pd.incidents.size === 1 && upserts().length === 1);
    expect(await actions.decisions.unblock("agent-7")).toBe(true);
    expect(await actions.decisions.get("agent-7")).toBeUndefined();
    expect(await actions.decisions.unblock("agent-7")).toBe(false);
    await waitFor("removed", () =>
      fakes.gateway.received.some(
        (r) => r.payload.type === "decision.removed" && r.payload.reason === "unblocked",
      ),
    );
    await waitFor("resolved", () => [...fakes.pd.incidents.values()][0]?.status === "resolved");
    await actions.submit(makeAlert({ severity: "high", at: T0 + 1_000 }));
    await waitFor("new decision", () => upserts().length === 2);
    expect(upserts()[1]?.decision).toMatchObject({ action: "block", ttl_seconds: 3600 }); // level 0 again
  });

  it("keeps an agent's gateway pushes in order: a removal never overtakes a retried upsert", async () => {
    fakes.gateway.script({ status: 503 }, { status: 503 }, { status: 503 });
    const actions = await start(dir, fakes, {
      delivery: { breaker: { failureRate: 1, window: 100, minimumCalls: 100, openFor: 10 } },
    });
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("decided", async () => (await actions.decisions.get("agent-7")) !== undefined);
    await actions.decisions.unblock("agent-7");
    await waitFor("both pushed", () => fakes.gateway.received.length === 2);
    expect(fakes.gateway.received.map((r) => r.payload.type)).toEqual([
      "decision.upsert",
      "decision.removed",
    ]);
  });

  it("an expired decision replaced by a new incident is resolved at PagerDuty but not lifted at the gateway", async () => {
    // A sweep far slower than the TTL, so the next alert finds the old decision expired but not yet ended.
    const actions = await start(dir, fakes, {
      tiers: { high: ["block", "page"] },
      decisions: { sweepInterval: 60_000, ttl: { block: 1_000 } },
    });
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("first incident", () => upserts().length === 1);
    await actions.submit(makeAlert({ severity: "high", at: T0 + 5_000 }));
    await waitFor(
      "second incident and first resolved",
      () => fakes.pd.incidents.size === 2 && [...fakes.pd.incidents.values()][0]?.status === "resolved",
    );
    await waitFor("drained", () => actions.stats().queued === 0);
    expect(upserts()).toHaveLength(2);
    expect(fakes.gateway.received.filter((r) => r.payload.type === "decision.removed")).toHaveLength(0);
    expect(await actions.decisions.get("agent-7")).toMatchObject({ since: T0 + 5_000 });
  });

  it("honours 429 Retry-After before trying again", async () => {
    fakes.slack.script({ status: 429, body: "rate_limited", headers: { "retry-after": "1" } });
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("delivered after the pause", () => fakes.slack.messages.length === 1, 5_000);
    const [limited, accepted] = fakes.slack.requests;
    expect(limited?.status).toBe(429);
    expect(accepted?.status).toBe(200);
    expect((accepted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("a 400 is not retried: one request, a dead letter with the reason and no URL", async () => {
    fakes.slack.script({ status: 400, body: "invalid_payload" });
    const actions = await start(dir, fakes);
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("dead-lettered", () => actions.stats().deadLettered === 1);
    await sleep(50);
    expect(fakes.slack.requests).toHaveLength(1);
    const letters = (await readFile(join(dir, "dead-letter.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(letters).toEqual([
      expect.objectContaining({
        sink: "chat",
        sinkType: "slack",
        code: "SINK_REJECTED",
        status: 400,
        attempts: 1,
        agentId: "agent-7",
      }),
    ]);
    expect(letters[0].reason).toContain("invalid_payload");
    expect(JSON.stringify(letters)).not.toContain(fakes.slack.url);
    await waitFor("acked", () => actions.stats().queued === 0);
  });

  it("gives up after maxAttempts on a sink that keeps failing, and dead-letters", async () => {
    fakes.pd.down({ status: 500, body: "oops" });
    const actions = await start(dir, fakes, {
      delivery: { maxAttempts: 3, breaker: { failureRate: 1, window: 100, minimumCalls: 100, openFor: 10 } },
    });
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor("dead-lettered", () => actions.stats().deadLettered === 1);
    expect(fakes.pd.requests).toHaveLength(3);
    expect(actions.stats().deliveries.oncall).toMatchObject({ retried: 2, "dead-lettered": 1 });
  });

  it("the breaker opens on a dead sink, which does not hold up the others", async () => {
    fakes.gateway.down("drop");
    const actions = await start(dir, fakes, {
      delivery: { breaker: { minimumCalls: 3, openFor: 60_000 }, maxAttempts: 50 },
    });
    for (let i = 0; i < 20; i++)
      await actions.submit(makeAlert({ agentId: `agent-${i}`, severity: "critical", at: T0 + i }));
    await waitFor(
      "others delivered",
      () =>
        fakes.pd.incidents.size === 20 &&
        fakes.oauth.revoked.length === 20 &&
        fakes.slack.messages.length === 20,
    );
    await sleep(200);
    // 3 calls all failing open the circuit; nothing more is sent while it rests
    expect(fakes.gateway.requests.length).toBeLessThanOrEqual(3 + 4);
    expect(actions.stats().queued).toBe(20); // gateway deliveries are still owed, not lost
  });

  it("never writes URLs, routing keys or secrets to the log, even when deliveries fail", async () => {
    const { logger, lines } = capturingLogger();
    fakes.slack.script({ status: 500, body: "rollup_error" }, { status: 400, body: "invalid_payload" });
    fakes.oauth.scriptFor("/revoke", { status: 503, body: "", headers: { "retry-after": "0" } });
    const actions = await start(dir, fakes, {}, { logger });
    await actions.submit(makeAlert({ severity: "critical", at: T0 }));
    await waitFor("done", () => actions.stats().queued === 0);
    const all = lines.join("\n");
    expect(all).toContain("delivery attempt failed");
    for (const secret of [
      fakes.slack.webhookUrl,
      "/services/",
      PD_ROUTING_KEY,
      HOOK_SECRET,
      "s3cr3t",
      "raw-token-of-agent-7",
      "lookup-bearer",
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(fakes.oauth.revoked).toHaveLength(1); // 503 = still valid: retried, then revoked
  });

  it("testSinks reports each sink's outcome", async () => {
    fakes.webhook.down({ status: 404, body: "no such hook" });
    const actions = await start(dir, fakes);
    const results = await actions.testSinks();
    const byName = Object.fromEntries(results.map((r) => [r.sink, r]));
    expect(byName.chat).toMatchObject({ ok: true });
    expect(byName.oncall).toMatchObject({ ok: true });
    expect(byName.edge).toMatchObject({ ok: true });
    expect(byName.idp).toMatchObject({ ok: true });
    expect(byName.siem).toMatchObject({ ok: false });
    expect(byName.siem?.detail).toContain("SINK_REJECTED");
    expect([...fakes.pd.incidents.values()][0]).toMatchObject({ status: "resolved" });
  });
});
