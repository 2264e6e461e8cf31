/**
 * The decision policy: tier to action, idempotence, escalation, repeat-offender TTLs, decay and determinism
 * in event time.
 */
import { describe, expect, it } from "vitest";
import { decide, decisionOptionsSchema, tiersSchema } from "../../src/actions/policy.js";
import type { OffenderState } from "../../src/actions/records.js";
import { makeAlert, T0 } from "./helpers.js";

const tiers = tiersSchema.parse({});
const options = decisionOptionsSchema.parse({
  ttl: { throttle: "10m", block: "1h", revoke: "1d" },
  decayAfter: "1d",
  maxTtl: "7d",
});
const MIN = 60_000;
const HOUR = 3_600_000;

function run(state: OffenderState, overrides: Parameters<typeof makeAlert>[0], shadow = false) {
  return decide(state, makeAlert(overrides), tiers, options, shadow);
}

describe("decision policy", () => {
  it("maps tiers to decisions: low logs, medium throttles, high blocks, critical revokes", () => {
    expect(run({ strikes: 0 }, { severity: "low" }).change).toBe("none");
    const medium = run({ strikes: 0 }, { severity: "medium", at: T0 });
    expect(medium.decision).toMatchObject({
      type: "throttle",
      ratePerMinute: 60,
      expiresAt: T0 + 10 * MIN,
      level: 0,
    });
    expect(run({ strikes: 0 }, { severity: "high", at: T0 }).decision).toMatchObject({
      type: "block",
      expiresAt: T0 + HOUR,
    });
    expect(run({ strikes: 0 }, { severity: "critical" }).decision?.type).toBe("revoke");
  });

  it("never revokes for a claimed identity (unverified JWT, address): critical blocks instead", () => {
    const claimed = run({ strikes: 0 }, { severity: "critical", authenticated: false, at: T0 });
    expect(claimed.decision).toMatchObject({ type: "block", expiresAt: T0 + HOUR });
  });

  it("is idempotent while active: a flood of alerts leaves one decision", () => {
    let state: OffenderState = { strikes: 0 };
    const first = run(state, { severity: "high", at: T0 });
    state = first.next;
    for (let i = 1; i <= 1000; i++) {
      const outcome = run(state, { severity: "high", at: T0 + i * 1000 });
      expect(outcome.change).toBe("unchanged");
      expect(outcome.decision).toBe(first.decision);
      state = outcome.next;
    }
    expect(state.decision).toBe(first.decision);
    expect(state.strikes).toBe(1);
  });

  it("escalates in place to a stronger action, keeping the incident", () => {
    const throttled = run({ strikes: 0 }, { severity: "medium", at: T0 });
    const blocked = run(throttled.next, { severity: "high", at: T0 + MIN });
    expect(blocked.change).toBe("escalated");
    // Same incident, same offence: one strike, level 0, the first-offence TTL of a block.
    expect(blocked.decision).toMatchObject({
      type: "block",
      since: T0,
      level: 0,
      expiresAt: T0 + MIN + HOUR,
    });
    expect(blocked.next.strikes).toBe(1);
    expect(blocked.decision?.incidentKey).toBe(throttled.decision?.incidentKey);
    // a weaker request never downgrades
    expect(run(blocked.next, { severity: "medium", at: T0 + 2 * MIN }).change).toBe("unchanged");
  });

  it("counts throttle -> block -> revoke within one incident as one strike", () => {
    const throttled = run({ strikes: 0 }, { severity: "medium", at: T0 });
    const blocked = run(throttled.next, { severity: "high", at: T0 + 2000 });
    const revoked = run(blocked.next, { severity: "critical", at: T0 + 4000 });
    expect(revoked.change).toBe("escalated");
    expect(revoked.next.strikes).toBe(1);
    // A first offender's revoke lasts the base revoke TTL (1d here), not 2^2 times it.
    expect(revoked.decision).toMatchObject({ type: "revoke", level: 0, expiresAt: T0 + 4000 + 24 * HOUR });
    // The next incident, after expiry, is the second strike.
    const again = run(blocked.next, { severity: "high", at: T0 + 2000 + HOUR + MIN });
    expect(again.decision).toMatchObject({ change: "created", level: 1 });
  });

  it("revokes only an agent that has a token: otherwise blocks and says why", () => {
    const byAddress = run(
      { strikes: 0 },
      { severity: "critical", at: T0, identitySource: "ip", agentId: "198.51.100.7", tokenHash: undefined },
    );
    expect(byAddress.decision).toMatchObject({
      type: "block",
      identity: { kind: "ip", value: "198.51.100.7" },
      tokenHashes: [],
    });
    expect(byAddress.decision?.notRevoked).toMatch(/no token seen.*identified by ip/);
    // A later critical alert in the same incident asks for revoke again: nothing new to do.
    const repeat = run(byAddress.next, {
      severity: "critical",
      at: T0 + 1000,
      identitySource: "ip",
      agentId: "198.51.100.7",
      tokenHash: undefined,
    });
    expect(repeat.change).toBe("unchanged");
    // With a token seen in the incident, the escalation revokes and keeps every hash seen.
    const withToken = run(
      { strikes: 0 },
      { severity: "critical", at: T0, identitySource: "jwt", agentId: "bot", tokenHash: "th_a" },
    );
    expect(withToken.decision).toMatchObject({
      type: "revoke",
      identity: { kind: "jwt", value: "bot" },
      tokenHashes: ["th_a"],
    });
    expect(withToken.decision?.notRevoked).toBeUndefined();
  });

  it("gives repeat offenders longer TTLs and turns throttles into blocks", () => {
    let state: OffenderState = { strikes: 0 };
    const ttls: number[] = [];
    const types: string[] = [];
    let at = T0;
    for (let i = 0; i < 4; i++) {
      const outcome = run(state, { severity: "medium", at });
      const d = outcome.decision;
      if (!d) throw new Error("expected a decision");
      ttls.push(d.expiresAt - d.updatedAt);
      types.push(d.type);
      state = outcome.next;
      at = d.expiresAt + MIN; // offends again right after expiry
    }
    expect(types).toEqual(["throttle", "throttle", "block", "block"]);
    expect(ttls).toEqual([10 * MIN, 20 * MIN, 4 * HOUR, 8 * HOUR]);
  });

  it("decays back after quiet periods, one strike per period", () => {
    let state = run({ strikes: 0 }, { severity: "medium", at: T0 }).next;
    state = run(state, { severity: "medium", at: T0 + HOUR }).next;
    state = run(state, { severity: "medium", at: T0 + 2 * HOUR }).next;
    expect(state.strikes).toBe(3);
    const afterOneDay = run(state, { severity: "medium", at: T0 + 2 * HOUR + 25 * HOUR });
    expect(afterOneDay.decision?.level).toBe(2); // 3 - 1 decayed + 1 new = 3 strikes
    const afterAWeek = run(state, { severity: "medium", at: T0 + 8 * 24 * HOUR });
    expect(afterAWeek.decision).toMatchObject({ level: 0, type: "throttle" });
  });

  it("caps TTLs at maxTtl", () => {
    const d = run({ strikes: 20, lastOffenceAt: T0 }, { severity: "critical", at: T0 + 1000 }).decision;
    expect(d && d.expiresAt - d.updatedAt).toBe(7 * 24 * HOUR);
  });

  it("reproduces the same outcome for the same alert seen twice (restart, second replica)", () => {
    const alert = makeAlert({ severity: "high", at: T0 });
    const first = decide({ strikes: 0 }, alert, tiers, options, false);
    const again = decide(first.next, alert, tiers, options, false);
    expect(again.change).toBe("created");
    expect(again.next).toBe(first.next);
  });

  it("marks shadow decisions", () => {
    expect(run({ strikes: 0 }, { severity: "high" }, true).decision?.shadow).toBe(true);
  });

  it("uses event time only: the same alerts give the same decisions", () => {
    const alerts = [0, 5, 70, 200].map((m) =>
      makeAlert({ severity: "medium", at: T0 + m * MIN, id: `a${m}` }),
    );
    const replay = () => {
      let state: OffenderState = { strikes: 0 };
      return alerts.map((a) => {
        const o = decide(state, a, tiers, options, false);
        state = o.next;
        return o.decision;
      });
    };
    expect(replay()).toEqual(replay());
  });
});
