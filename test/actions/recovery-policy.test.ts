/**
 * Recovery: what the policy does when an agent's risk falls back (lift a throttle, keep a block),
 * the recovery records, their routing and payloads per sink, and the decision stores under recovery.
 */
import { describe, expect, it } from "vitest";
import { gatewayPayload } from "../../alerts/gateway.js";
import { createSink, sinkOptionsSchema } from "../../alerts/index.js";
import { buildResolve } from "../../alerts/pagerduty.js";
import type { RecoveredEvent, SinkEvent } from "../../alerts/sink.js";
import { buildSlackRecoveryMessage } from "../../alerts/slack.js";
import { webhookPayload } from "../../alerts/webhook.js";
import { decide, decisionOptionsSchema, recover, tiersSchema } from "../../src/actions/policy.js";
import {
  type ActionRecord,
  isActionRecord,
  type OffenderState,
  recordId,
} from "../../src/actions/records.js";
import { RedisDecisionStore } from "../../src/actions/redis-decision-store.js";
import { route } from "../../src/actions/router.js";
import type { TierRecovery } from "../../src/engine/engine.js";
import { HOOK_SECRET } from "../fakes/signed-hook.js";
import { makeAlert, quietLogger, T0, useDecisionStores } from "./helpers.js";

const tiers = tiersSchema.parse({});
const options = decisionOptionsSchema.parse({ ttl: { throttle: "10m", block: "1h", revoke: "1d" } });
const MIN = 60_000;

function recovery(at: number, overrides: Partial<TierRecovery> = {}): TierRecovery {
  return {
    agentId: "agent-7",
    identitySource: "agent",
    previousSeverity: "high",
    riskScore: 0.08,
    timestamp: new Date(at).toISOString(),
    ...overrides,
  };
}

function decided(severity: "medium" | "high" | "critical", at = T0, shadow = false): OffenderState {
  return decide({ strikes: 0 }, makeAlert({ severity, at }), tiers, options, shadow).next;
}

describe("recovery policy", () => {
  it("lifts a throttle: the decision leaves the state, strikes stay, the lifted one is remembered", () => {
    const state = decided("medium");
    const out = recover(state, recovery(T0 + 5 * MIN));
    expect(out.change).toBe("lifted");
    expect(out.decision).toMatchObject({ type: "throttle", recoveredAt: T0 + 5 * MIN });
    expect(out.next.decision).toBeUndefined();
    expect(out.next.strikes).toBe(1);
    // a repeat offence after the lift is a repeat offender: level 1, twice the TTL
    const again = decide(
      out.next,
      makeAlert({ severity: "medium", at: T0 + 6 * MIN }),
      tiers,
      options,
      false,
    );
    expect(again.decision).toMatchObject({ change: "created", level: 1 });
    expect(again.next.lifted).toBeUndefined();
  });

  it("keeps a block or revoke in force, marked recovered", () => {
    for (const severity of ["high", "critical"] as const) {
      const state = decided(severity);
      const out = recover(state, recovery(T0 + MIN));
      expect(out.change).toBe("kept");
      expect(out.next.decision).toEqual({ ...state.decision, recoveredAt: T0 + MIN });
      expect(out.next.decision?.expiresAt).toBe(state.decision?.expiresAt);
    }
  });

  it("is a no-op with nothing open: no decision, expired, already recovered, or a newer decision", () => {
    const none = (state: OffenderState, at: number) => {
      const out = recover(state, recovery(at));
      expect(out).toMatchObject({ change: "none", decision: undefined });
      expect(out.next).toBe(state);
    };
    none({ strikes: 0 }, T0);
    none(decided("high"), T0 + 2 * 60 * MIN); // the 1h block had expired
    none(decided("high", T0 + MIN), T0); // the decision is newer than the fall
    const kept = recover(decided("high"), recovery(T0 + MIN)).next;
    none(kept, T0 + 2 * MIN);
    const lifted = recover(decided("medium"), recovery(T0 + MIN)).next;
    none(lifted, T0 + 2 * MIN);
  });

  it("reproduces its outcome when the same recovery is seen again (restart, second replica)", () => {
    const kept = recover(decided("high"), recovery(T0 + MIN));
    expect(recover(kept.next, recovery(T0 + MIN))).toEqual({ ...kept, next: kept.next });
    const lifted = recover(decided("medium"), recovery(T0 + MIN));
    const replay = recover(lifted.next, recovery(T0 + MIN));
    expect(replay).toMatchObject({ change: "lifted", decision: lifted.decision });
    expect(replay.next).toBe(lifted.next);
  });

  it("a new offence under a recovered block reopens the incident once, without a strike", () => {
    const kept = recover(decided("high"), recovery(T0 + MIN)).next;
    const alert = makeAlert({ severity: "high", at: T0 + 2 * MIN });
    const reopened = decide(kept, alert, tiers, options, false);
    expect(reopened.change).toBe("reopened");
    expect(reopened.decision).toMatchObject({ change: "reopened", alertId: alert.id, type: "block" });
    expect(reopened.decision).not.toHaveProperty("recoveredAt");
    expect(reopened.decision?.incidentKey).toBe(kept.decision?.incidentKey);
    expect(reopened.next.strikes).toBe(1);
    expect(decide(reopened.next, alert, tiers, options, false).change).toBe("reopened"); // replay
    const next = decide(
      reopened.next,
      makeAlert({ severity: "high", at: T0 + 3 * MIN }),
      tiers,
      options,
      false,
    );
    expect(next.change).toBe("unchanged");
  });
});

describe("recovery records", () => {
  it("are action records with a deterministic id per agent and event time", () => {
    const record: ActionRecord = { kind: "recovered", recovery: recovery(T0) };
    expect(isActionRecord(JSON.parse(JSON.stringify(record)))).toBe(true);
    expect(recordId(record)).toBe(`recovered:agent-7:${new Date(T0).toISOString()}`);
    expect(isActionRecord({ kind: "recovered" })).toBe(false);
    expect(isActionRecord({ kind: "retracted", recovery: {} })).toBe(false);
  });
});

const hook = { url: "https://h.test/x", secret: HOOK_SECRET };
const sinks = [
  { type: "log", name: "audit" },
  { type: "slack", name: "chat", url: "https://hooks.slack.test/s" },
  { type: "pagerduty", name: "pd", routingKey: "k".repeat(32) },
  { type: "gateway", name: "gw", ...hook },
  { type: "revoke-webhook", name: "rv", ...hook },
  { type: "webhook", name: "siem", ...hook },
].map((o) => createSink(sinkOptionsSchema.parse(o), { logger: quietLogger }));
const names = (event: SinkEvent) => route(event, sinks, tiers, {}).map((s) => s.name);

function recoveredEvent(severity: "medium" | "high" | "critical", shadow = false): RecoveredEvent {
  const fell = recovery(T0 + MIN, { previousSeverity: severity });
  const out = recover(decided(severity, T0, shadow), fell);
  if (!out.decision) throw new Error("expected a recovery");
  return { kind: "recovered", recovery: fell, decision: out.decision, lifted: out.change === "lifted" };
}

describe("routing and payloads of a recovery", () => {
  it("critical (block, revoke, notify, page): audit, chat note, page resolve, events; the gateway keeps the block", () => {
    expect(names(recoveredEvent("critical"))).toEqual(["audit", "chat", "pd", "siem"]);
  });

  it("medium throttle: lifted at the gateway, unless in shadow mode; chat never heard of it", () => {
    expect(names(recoveredEvent("medium"))).toEqual(["audit", "gw", "siem"]);
    expect(names(recoveredEvent("medium", true))).toEqual(["audit", "siem"]);
  });

  it("an end after a recovery does not resolve the page again", () => {
    const { decision } = recoveredEvent("critical");
    const ended = { kind: "ended", decision, reason: "expired", at: T0 + 1, superseded: false } as const;
    expect(names(ended)).toEqual(["audit", "gw", "siem"]);
  });

  it("payloads: PagerDuty resolve on the incident key, gateway removal, Slack note, webhook event", () => {
    const kept = recoveredEvent("critical");
    expect(buildResolve(kept, "k".repeat(32))).toEqual({
      routing_key: "k".repeat(32),
      event_action: "resolve",
      dedup_key: kept.decision.incidentKey,
    });
    expect(gatewayPayload(kept)).toBeUndefined();
    const lifted = recoveredEvent("medium");
    expect(gatewayPayload(lifted)).toEqual({
      type: "decision.removed",
      agent_id: "agent-7",
      incident: lifted.decision.incidentKey,
      reason: "recovered",
    });
    expect(buildSlackRecoveryMessage(kept).text).toMatch(
      /agent `agent-7` recovered, risk fell back to 0\.08 \(was critical\)\. revoke stays in force until .+ or an unblock\./,
    );
    expect(buildSlackRecoveryMessage(lifted).text).toContain("throttle lifted.");
    expect(webhookPayload(lifted)).toMatchObject({
      type: "agentwatch.recovered",
      agent_id: "agent-7",
      decision_lifted: true,
      previous_severity: "medium",
    });
  });

  it("escapes agent ids in the Slack note (they come from traffic)", () => {
    const event = recoveredEvent("critical");
    const hostile = { ...event, recovery: { ...event.recovery, agentId: "<!channel> x" } };
    expect(buildSlackRecoveryMessage(hostile).text).toContain("&lt;!channel&gt; x");
  });
});

const { stores } = useDecisionStores("recovery");

describe.each(stores)("%s decision store under recovery", (name, make) => {
  it("a lifted throttle leaves the store, its index and the change feed; a kept block stays", async () => {
    const store = make();
    if (!store) return console.warn(`*** skipped: ${name} store unavailable ***`);
    const throttle = makeAlert({ agentId: "t-agent", severity: "medium", at: T0 });
    const block = makeAlert({ agentId: "b-agent", severity: "high", at: T0 });
    await store.update("t-agent", (s) => decide(s, throttle, tiers, options, false));
    await store.update("b-agent", (s) => decide(s, block, tiers, options, false));
    const { cursor } = await store.changesSince(undefined);

    const lift = await store.update("t-agent", (s) => recover(s, recovery(T0 + MIN, { agentId: "t-agent" })));
    const keep = await store.update("b-agent", (s) => recover(s, recovery(T0 + MIN, { agentId: "b-agent" })));
    expect(lift.outcome.change).toBe("lifted");
    expect(keep.outcome.change).toBe("kept");
    expect(await store.get("t-agent")).toBeUndefined();
    expect(await store.get("b-agent")).toMatchObject({ type: "block", recoveredAt: T0 + MIN });
    expect(await store.countActive(T0 + 2 * MIN)).toBe(1);
    expect(await store.expired(T0 + 24 * 60 * MIN, 10)).toEqual([
      expect.objectContaining({ agentId: "b-agent" }),
    ]);
    const changes = await store.changesSince(cursor);
    expect(changes.removed).toEqual(["t-agent"]);
    expect(changes.added).toEqual([expect.objectContaining({ agentId: "b-agent", recoveredAt: T0 + MIN })]);
    // the same recovery again changes nothing in the store
    await store.update("t-agent", (s) => recover(s, recovery(T0 + MIN, { agentId: "t-agent" })));
    expect((await store.changesSince(changes.cursor)).removed).toEqual([]);
    if (store instanceof RedisDecisionStore) await store.close();
  });
});
