/**
 * The engine: options keyed by the detector registry, and detection end to end (tiers, determinism, recovery,
 * failures).
 */
import { describe, expect, it } from "vitest";
import { DETECTORS } from "../../detectors/index.js";
import { createEngine, engineOptionsSchema, type TierRecovery } from "../../src/engine/engine.js";
import type { Alert } from "../../src/engine/types.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { tokenDigest } from "../../src/profile/keys.js";
import { benignStream, ev, HOUR, SECOND, T0 } from "../helpers/events.js";

const run = (events: NormalizedEvent[], options: Record<string, unknown> = {}) => {
  const engine = createEngine(engineOptionsSchema.parse(options));
  const alerts = events.map((e) => engine.process(e)).filter((a): a is Alert => a !== undefined);
  return { engine, alerts };
};

/** Twenty benign agents for a day-ish, then agent "victim" enumerates customers. */
function attackScenario(): NormalizedEvent[] {
  const benign = Array.from({ length: 20 }, (_, k) =>
    benignStream(400, { agentId: k === 0 ? "victim" : `agent-${k}`, seed: k + 1, gapMs: 30 * SECOND }),
  ).flat();
  const start = T0 + 4 * HOUR;
  const attack = Array.from({ length: 40 }, (_, i) =>
    ev({
      agentId: "victim",
      timestamp: start + i * 2 * SECOND,
      path: `/v1/customers/${20_000 + i}`,
      status: i % 4 ? 404 : 200,
    }),
  );
  return [...benign, ...attack].sort((a, b) => a.timestamp - b.timestamp);
}

describe("engine options", () => {
  it("has defaults for everything, keyed by the registry", () => {
    const options = engineOptionsSchema.parse({});
    expect(Object.keys(options.detectors).sort()).toEqual(DETECTORS.map((d) => d.name).sort());
    expect(options.profiles.maxAgents).toBeGreaterThan(0);
    expect(options.risk.tiers.critical).toBe(0.9);
  });

  it("rejects unknown detector names, unknown options and unknown sections", () => {
    expect(() => engineOptionsSchema.parse({ detectors: { "no-such-detector": {} } })).toThrow();
    expect(() => engineOptionsSchema.parse({ detectors: { injection: { codeScroe: 0.5 } } })).toThrow();
    expect(() => engineOptionsSchema.parse({ profile: {} })).toThrow();
    expect(() => engineOptionsSchema.parse({ profiles: { maxAgent: 5 } })).toThrow();
  });

  it("switches a detector off with enabled: false", () => {
    const attack = [ev({ agentId: "x", path: "/v1/a?q=1'%20OR%20'1'='1" })];
    expect(run(attack).engine.stats().findingsByDetector.injection).toBe(1);
    const off = run(attack, { detectors: { injection: { enabled: false } } });
    expect(off.engine.stats().findingsByDetector.injection).toBe(0);
    expect(off.alerts).toEqual([]);
  });
});

describe("engine", () => {
  it("raises nothing on a population of steady benign agents", () => {
    const events = Array.from({ length: 30 }, (_, k) => benignStream(500, { agentId: `a${k}`, seed: k + 1 }))
      .flat()
      .sort((a, b) => a.timestamp - b.timestamp);
    const { engine, alerts } = run(events);
    expect(alerts).toEqual([]);
    expect(engine.stats().agents).toBe(30);
  });

  it("escalates an enumerating agent through the tiers with explained, hashed alerts", () => {
    const { engine, alerts } = run(attackScenario());
    expect(alerts.every((a) => a.agentId === "victim")).toBe(true);
    expect(alerts.map((a) => a.severity)).toContain("high");
    const first = alerts[0] as Alert;
    expect(first.reasons[0]?.detector).toBe("enumeration");
    expect(first.reasons[0]?.detail).toMatch(/distinct ids/);
    expect(first.requestId).toMatch(/^req-/);
    expect(first.timestamp).toMatch(/^2026-01-05T/);
    expect(first.tokenHash).toBe(tokenDigest("tok-agent-1"));
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(alerts)).not.toContain("tok-agent-1");
    const severities = alerts.map((a) => a.severity);
    expect(new Set(severities).size).toBe(severities.length); // one alert per tier reached, not per event
    const stats = engine.stats();
    expect(stats.findingsByDetector.enumeration).toBeGreaterThan(10);
    expect(Object.values(stats.alertsBySeverity).reduce((a, b) => a + b, 0)).toBe(alerts.length);
  });

  it("is deterministic: the same events give identical alerts, ids included", () => {
    const events = attackScenario();
    expect(run(events).alerts).toEqual(run(events.map((e) => ({ ...e }))).alerts);
  });

  it("blocks destructive calls from a hijacked agent within three requests", () => {
    const warm = benignStream(400);
    const start = (warm.at(-1)?.timestamp ?? 0) + 10 * SECOND;
    const destructive = [
      ev({ timestamp: start, method: "DELETE", path: "/v1/customers/1001" }),
      ev({ timestamp: start + SECOND, method: "DELETE", path: "/v1/admin/users/3" }),
      ev({ timestamp: start + 2 * SECOND, method: "POST", path: "/v1/admin/export" }),
    ];
    const { alerts } = run([...warm, ...destructive]);
    expect(alerts.some((a) => a.severity === "high" || a.severity === "critical")).toBe(true);
  });

  it("is more conservative with agents identified only by their address", () => {
    const scenario = (identitySource: NormalizedEvent["identitySource"]) => {
      const warm = benignStream(400).map((e) => ({ ...e, identitySource }));
      const start = (warm.at(-1)?.timestamp ?? 0) + 10 * SECOND;
      const odd = [
        ev({ identitySource, timestamp: start, method: "DELETE", path: "/v1/customers/1001" }),
        ev({ identitySource, timestamp: start + SECOND, method: "POST", path: "/v1/admin/export" }),
      ];
      // Only baseline detectors are weighted down; the baseline-free destructive-burst would see both alike.
      // The stream is younger than the learning period, which would cap both: it is off here.
      const { engine } = run([...warm, ...odd], {
        detectors: { "destructive-burst": { enabled: false } },
        risk: { learning: { hours: learningHours } },
      });
      return engine.profiles.summarize("agent-1")?.risk.score ?? 0;
    };
    let learningHours = 0;
    const named = scenario("agent");
    const byAddress = scenario("ip");
    expect(named).toBeGreaterThan(0.5);
    expect(byAddress).toBeLessThan(named * 0.8);
    // In its learning period, baseline detectors take an agent at most to the low tier.
    learningHours = 48;
    expect(scenario("agent")).toBeGreaterThanOrEqual(0.3);
    expect(scenario("agent")).toBeLessThanOrEqual(0.5); // just under medium, rounded in the summary
  });

  it("lets baseline-free detectors act at once during the learning period", () => {
    const { alerts } = run(attackScenario(), { risk: { learning: { hours: 1000 } } });
    expect(
      alerts.some((a) => a.agentId === "victim" && (a.severity === "high" || a.severity === "critical")),
    ).toBe(true);
  });

  it("reports, once, an alerted agent whose risk fell back below every tier, in event time", () => {
    const recoveries: TierRecovery[] = [];
    const engine = createEngine(engineOptionsSchema.parse({}), {
      hooks: { onRecovered: (r) => recoveries.push(r) },
    });
    const attack = attackScenario();
    const end = (attack.at(-1) as NormalizedEvent).timestamp;
    const calm = benignStream(200, {
      agentId: "victim",
      start: end + 10 * SECOND,
      gapMs: 60 * SECOND,
      seed: 1,
    });
    const alerts = [...attack, ...calm].map((e) => engine.process(e)).filter((a) => a !== undefined);
    const victim = alerts.filter((a) => a.agentId === "victim");
    expect(victim.some((a) => a.severity === "critical")).toBe(true);
    // While it calms down the repeated alerts step down through the tiers; the last one is what falls.
    const last = victim.at(-1) as Alert;
    expect(recoveries).toHaveLength(1);
    const [r] = recoveries as [TierRecovery];
    expect(r).toMatchObject({ agentId: "victim", previousSeverity: last.severity });
    expect(r.riskScore).toBeLessThan(0.3 * 0.8);
    // Found on one of the calm events, after the last alert, by decay in event time.
    expect(Date.parse(r.timestamp)).toBeGreaterThan(Date.parse(last.timestamp));
    expect(calm.some((e) => e.requestId === r.requestId)).toBe(true);
  });

  it("counts a throwing detector instead of stopping the stream", () => {
    const engine = createEngine(engineOptionsSchema.parse({}), {
      registry: [
        ...DETECTORS,
        {
          name: "broken",
          description: "always throws, to test the engine's isolation",
          kind: "baseline-free",
          options: DETECTORS[0]?.options as never,
          create: () => ({
            name: "broken",
            inspect() {
              throw new Error("boom");
            },
          }),
        },
      ],
    });
    expect(() => engine.process(ev())).not.toThrow();
    expect(engine.stats().detectorErrors).toBe(1);
  });
});
