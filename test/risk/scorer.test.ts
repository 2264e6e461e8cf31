/** Risk scoring: corroboration, event-time decay, detector weights, tiers, alerting and memory release. */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/engine/types.js";
import { S_ALERT_TIER } from "../../src/profile/layout.js";
import { profileParams, profileStoreOptionsSchema } from "../../src/profile/options.js";
import { AgentProfile } from "../../src/profile/profile.js";
import { riskOptionsSchema } from "../../src/risk/options.js";
import { RiskScorer, type ScoredDetector } from "../../src/risk/scorer.js";
import { MINUTE, T0 } from "../helpers/events.js";

const detectors: ScoredDetector[] = [
  { name: "alpha", kind: "baseline-free", weight: 1 },
  { name: "beta", kind: "baseline-free", weight: 1 },
  { name: "gamma", kind: "baseline", weight: 1 },
  { name: "muted", kind: "baseline-free", weight: 0.5 },
];
const f = (detector: string, score: number): Finding => ({
  detector,
  score,
  detail: `${detector} saw ${score}`,
});
const setup = (options: Record<string, unknown> = {}) => ({
  scorer: new RiskScorer(riskOptionsSchema.parse(options), detectors),
  profile: new AgentProfile("a", profileParams(profileStoreOptionsSchema.parse({})), T0),
});

describe("risk scoring", () => {
  it("corroborates: two independent detectors outweigh one detector repeating itself", () => {
    const two = setup();
    expect(two.scorer.update(two.profile, [f("alpha", 0.5), f("beta", 0.5)], T0, false)).toBeCloseTo(0.75);
    const one = setup();
    one.scorer.update(one.profile, [f("alpha", 0.5)], T0, false);
    const repeated = one.scorer.update(one.profile, [f("alpha", 0.5)], T0 + 1, false);
    expect(repeated).toBeGreaterThan(0.5);
    expect(repeated).toBeLessThan(0.75);
    let r = repeated;
    for (let i = 2; i < 50; i++) r = one.scorer.update(one.profile, [f("alpha", 0.5)], T0 + i, false);
    expect(r).toBeLessThanOrEqual(0.75 + 1e-9);
  });

  it("decays with the configured half-life in event time", () => {
    const { scorer, profile } = setup({ halfLifeMinutes: 30 });
    expect(scorer.update(profile, [f("alpha", 0.6)], T0, false)).toBeCloseTo(0.6);
    expect(scorer.update(profile, [], T0 + 30 * MINUTE, false)).toBeCloseTo(0.3);
    expect(scorer.update(profile, [], T0 + 300 * MINUTE, false)).toBe(0);
  });

  it("applies detector weights, and discounts baseline detectors for IP-scoped agents", () => {
    const a = setup();
    expect(a.scorer.update(a.profile, [f("muted", 0.8)], T0, false)).toBeCloseTo(0.4);
    const b = setup();
    expect(b.scorer.update(b.profile, [f("gamma", 0.8)], T0, true)).toBeCloseTo(0.4);
    const c = setup();
    expect(c.scorer.update(c.profile, [f("alpha", 0.8)], T0, true)).toBeCloseTo(0.8);
  });

  it("maps scores to the default tiers", () => {
    const { scorer } = setup();
    expect([0.29, 0.3, 0.5, 0.7, 0.9].map((s) => scorer.tierOf(s))).toEqual([
      "none",
      "low",
      "medium",
      "high",
      "critical",
    ]);
    expect(() => riskOptionsSchema.parse({ tiers: { low: 0.6, medium: 0.5 } })).toThrow(/increase/);
    expect(() => riskOptionsSchema.parse({ tier: {} })).toThrow();
  });

  it("alerts when the tier rises, not on every event, and again after the cool-down", () => {
    const { scorer, profile } = setup({ cooldownMinutes: 10, halfLifeMinutes: 600 });
    const step = (t: number, findings: Finding[]) =>
      scorer.decide(profile, scorer.update(profile, findings, t, false), t);
    expect(step(T0, [f("alpha", 0.55)])?.severity).toBe("medium");
    expect(step(T0 + MINUTE, [f("alpha", 0.55)])).toBeUndefined();
    expect(step(T0 + 2 * MINUTE, [])).toBeUndefined();
    const high = step(T0 + 3 * MINUTE, [f("beta", 0.6)]);
    expect(high?.severity).toBe("high");
    expect(high?.reasons.map((r) => r.detector)).toEqual(["beta", "alpha"]);
    expect(step(T0 + 8 * MINUTE, [])).toBeUndefined();
    expect(step(T0 + 14 * MINUTE, [])?.severity).toBe("high");
  });

  it("re-alerts at once after the risk really fell, but not when it hovers at a boundary", () => {
    const { scorer, profile } = setup({ halfLifeMinutes: 10, cooldownMinutes: 60 });
    const step = (t: number, findings: Finding[]) =>
      scorer.decide(profile, scorer.update(profile, findings, t, false), t);
    expect(step(T0, [f("alpha", 0.52)])?.severity).toBe("medium");
    // Decays to ~0.49 then back above 0.5: inside the hysteresis band, no new alert.
    expect(step(T0 + MINUTE, [])).toBeUndefined();
    expect(step(T0 + 2 * MINUTE, [f("alpha", 0.52)])).toBeUndefined();
    // Falls well below (0.8 x 0.5), then rises again: a new alert.
    expect(step(T0 + 30 * MINUTE, [])).toBeUndefined();
    expect(step(T0 + 31 * MINUTE, [f("beta", 0.55)])?.severity).toBe("medium");
  });

  it("lets a weak signal repeated stay weak, and a strong one escalate", () => {
    const weak = setup();
    let r = 0;
    for (let i = 0; i < 100; i++)
      r = weak.scorer.update(weak.profile, [f("alpha", 0.3)], T0 + i * 1000, false);
    expect(r).toBeLessThan(0.5);
    const strong = setup();
    for (let i = 0; i < 100; i++)
      r = strong.scorer.update(strong.profile, [f("alpha", 0.6)], T0 + i * 1000, false);
    expect(r).toBeGreaterThan(0.65);
  });

  it("releases an agent's risk memory once its evidence has drained, not while a tier is still held", () => {
    const { scorer, profile } = setup({ halfLifeMinutes: 30 });
    const step = (t: number, findings: Finding[]) =>
      scorer.decide(profile, scorer.update(profile, findings, t, false), t);
    expect(step(T0, [f("alpha", 0.6)])?.severity).toBe("medium");
    expect(profile.risk?.numbers[0]).toBeCloseTo(0.6);
    // The next event comes ten half-lives on: the evidence is below the drain level, but the
    // medium tier is still the one last alerted. This event lets `decide` see the agent leave
    // it (a recovery), so the memory is kept until the one after.
    expect(step(T0 + 300 * MINUTE, [])).toBeUndefined();
    expect(profile.risk).toBeDefined();
    expect(profile.s[S_ALERT_TIER]).toBe(0);
    step(T0 + 301 * MINUTE, []);
    expect(profile.risk).toBeUndefined();
    // A finding after the drain is a first one again: no repetition gain from the forgotten one.
    expect(scorer.update(profile, [f("alpha", 0.3)], T0 + 302 * MINUTE, false)).toBeCloseTo(0.3);
    expect(profile.risk?.numbers[profile.risk.historyAt + 1]).toBeCloseTo(0.3);
  });

  it("treats drained evidence as gone whether or not the memory was released in between", () => {
    const { scorer, profile } = setup({ halfLifeMinutes: 30 });
    scorer.update(profile, [f("alpha", 0.3)], T0, false);
    // The next event, ten half-lives on, carries the same finding: no repetition boost from 0.0003.
    expect(scorer.update(profile, [f("alpha", 0.3)], T0 + 300 * MINUTE, false)).toBeCloseTo(0.3, 6);
  });
});
