// Simulator properties: determinism, time order, label consistency, and that every attack kind
// actually shows its defining pattern in its agent's traffic.
import { describe, expect, it } from "vitest";
import type { SimEvent } from "../../src/sim/agent.js";
import { RENDERERS } from "../../src/sim/formats.js";
import { Simulation } from "../../src/sim/generator.js";
import type { LabelsFile } from "../../src/sim/labels.js";
import { labelsFileSchema } from "../../src/sim/labels.js";
import {
  ATTACK_KINDS,
  type PRESET_NAMES,
  resolveSettings,
  type SimulationSettingsInput,
} from "../../src/sim/settings.js";

/** 40 agents for a day: with the default 16% attacked, every one of the 8 kinds gets an agent. */
const SMALL: SimulationSettingsInput = { agents: 50, hours: 24 };

function run(overrides: SimulationSettingsInput = {}, preset: (typeof PRESET_NAMES)[number] = "default") {
  const sim = new Simulation(resolveSettings(preset, SMALL, overrides));
  const events: SimEvent[] = [...sim];
  return { sim, events, labels: sim.labels() };
}

function bytes(events: SimEvent[], format: keyof typeof RENDERERS): string {
  const render = RENDERERS[format];
  return events.map(render).join("\n");
}

const base = run({ seed: 11 });

describe("simulation determinism", () => {
  it("gives byte-identical output and labels for the same settings", () => {
    const again = run({ seed: 11 });
    expect(bytes(again.events, "json")).toBe(bytes(base.events, "json"));
    expect(bytes(again.events, "kong")).toBe(bytes(base.events, "kong"));
    expect(JSON.stringify(again.labels)).toBe(JSON.stringify(base.labels));
  });

  it("differs with the seed", () => {
    const other = run({ seed: 12 });
    expect(bytes(other.events, "json")).not.toBe(bytes(base.events, "json"));
  });

  it("cannot be iterated twice (labels would double-count)", () => {
    expect(() => [...base.sim]).toThrow(/iterated once/);
  });
});

describe("simulation stream", () => {
  it("is ordered by time and stays inside the simulated window", () => {
    const start = Date.parse(base.sim.settings.start);
    const end = start + base.sim.settings.hours * 3_600_000;
    for (let i = 1; i < base.events.length; i++) {
      expect((base.events[i] as SimEvent).timestamp).toBeGreaterThanOrEqual(
        (base.events[i - 1] as SimEvent).timestamp,
      );
    }
    expect((base.events[0] as SimEvent).timestamp).toBeGreaterThanOrEqual(start);
    expect((base.events.at(-1) as SimEvent).timestamp).toBeLessThan(end + 120_000);
  });

  it("has unique request ids", () => {
    const ids = new Set(base.events.map((e) => e.requestId));
    expect(ids.size).toBe(base.events.length);
  });

  it("rotates tokens and uses a few addresses per agent", () => {
    const agent = base.labels.agents.find((a) => a.kind === "benign" && a.events > 200);
    expect(agent).toBeDefined();
    const own = base.events.filter((e) => e.agentId === agent?.agentId);
    const tokens = new Set(own.map((e) => e.tokenId));
    const ips = new Set(own.map((e) => e.clientIp));
    expect(tokens.size).toBeGreaterThan(5);
    expect(ips.size).toBeGreaterThanOrEqual(1);
    expect(ips.size).toBeLessThanOrEqual(3);
  });

  it("scales volume with rateScale", () => {
    const doubled = run({ seed: 11, rateScale: 2, attackedFraction: 0 });
    const plain = run({ seed: 11, attackedFraction: 0 });
    expect(doubled.events.length / plain.events.length).toBeGreaterThan(1.6);
  });
});

describe("labels", () => {
  const byId = new Map(base.events.map((e) => [e.requestId, e]));

  it("validate against the labels schema", () => {
    expect(() => labelsFileSchema.parse(JSON.parse(JSON.stringify(base.labels)))).not.toThrow();
  });

  it("name malicious requests that exist, belong to the agent and follow the compromise", () => {
    const attacked = base.labels.agents.filter((a) => a.kind !== "benign");
    expect(attacked.length).toBeGreaterThanOrEqual(ATTACK_KINDS.length);
    for (const a of attacked) {
      expect(a.maliciousRequestIds.length, a.kind).toBeGreaterThan(0);
      const compromised = Date.parse(a.compromisedAt as string);
      for (const id of a.maliciousRequestIds) {
        const e = byId.get(id);
        expect(e, id).toBeDefined();
        expect(e?.agentId).toBe(a.agentId);
        expect(e?.malicious).toBe(true);
        expect(e?.timestamp).toBeGreaterThanOrEqual(compromised);
      }
      expect(a.firstMaliciousAt).toBe(
        new Date((byId.get(a.maliciousRequestIds[0] as string) as SimEvent).timestamp).toISOString(),
      );
    }
  });

  it("count every malicious event and mark benign agents clean", () => {
    const labelled = base.labels.agents.reduce((n, a) => n + a.maliciousRequestIds.length, 0);
    expect(base.events.filter((e) => e.malicious).length).toBe(labelled);
    for (const a of base.labels.agents.filter((x) => x.kind === "benign")) {
      expect(a.maliciousRequestIds).toEqual([]);
      expect(a.compromisedAt).toBeUndefined();
    }
    const total = base.labels.agents.reduce((n, a) => n + a.events, 0);
    expect(total).toBe(base.events.length);
  });

  it("include the hard benign cases", () => {
    const cases = new Set(base.labels.agents.map((a) => a.benignCase).filter(Boolean));
    const wide = run({ seed: 3, agents: 120, benign: { driftFraction: 0.2, nightlyBurstFraction: 0.2 } });
    for (const c of wide.labels.agents) if (c.benignCase) cases.add(c.benignCase);
    expect([...cases].sort()).toEqual(["drift", "low-traffic", "nightly-burst"]);
  });
});

/** The malicious and the benign events of the agent attacked with `kind`. */
function attackOf(run: { events: SimEvent[]; labels: LabelsFile }, kind: string) {
  const label = run.labels.agents.find((a) => a.kind === kind);
  if (!label) throw new Error(`no agent attacked with ${kind}`);
  const own = run.events.filter((e) => e.agentId === label.agentId);
  return { label, bad: own.filter((e) => e.malicious), good: own.filter((e) => !e.malicious) };
}

const lastSegment = (path: string) => path.split("?")[0]?.split("/").at(-1) ?? "";
const templateOf = (path: string) => (path.split("?")[0] ?? "").replace(/\/[^/]*\d[^/]*(?=\/|$)/g, "/{id}");

describe("each attack kind shows its pattern", () => {
  it("fast enumeration: hundreds of distinct ids on one template within minutes", () => {
    const { bad } = attackOf(base, "enumeration-fast");
    expect(bad.length).toBeGreaterThanOrEqual(300);
    expect(new Set(bad.map((e) => templateOf(e.path))).size).toBe(1);
    expect(new Set(bad.map((e) => lastSegment(e.path))).size).toBeGreaterThan(bad.length * 0.95);
    const minutes = ((bad.at(-1) as SimEvent).timestamp - (bad[0] as SimEvent).timestamp) / 60_000;
    expect(bad.length / minutes).toBeGreaterThan(300);
    expect(bad.some((e) => e.status === 404)).toBe(true);
  });

  it("slow enumeration: many distinct ids at seconds between requests", () => {
    const { bad } = attackOf(base, "enumeration-slow");
    expect(bad.length).toBeGreaterThanOrEqual(60);
    expect(new Set(bad.map((e) => templateOf(e.path))).size).toBe(1);
    const gaps = bad.slice(1).map((e, i) => e.timestamp - (bad[i] as SimEvent).timestamp);
    gaps.sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(2_000);
  });

  it("aggregation: full records across many endpoints", () => {
    const { bad } = attackOf(base, "aggregation");
    expect(new Set(bad.map((e) => templateOf(e.path))).size).toBeGreaterThanOrEqual(8);
  });

  it("destructive injection: a handful of DELETE or admin writes", () => {
    const { bad } = attackOf(base, "destructive-injection");
    expect(bad.length).toBeGreaterThanOrEqual(3);
    expect(bad.length).toBeLessThanOrEqual(8);
    for (const e of bad) expect(["DELETE", "POST", "PUT"]).toContain(e.method);
  });

  it("exfiltration: response volume far beyond the agent's own", () => {
    const { bad, good } = attackOf(base, "exfiltration");
    const mean = (xs: SimEvent[]) => xs.reduce((s, e) => s + e.responseBytes, 0) / xs.length;
    expect(mean(bad)).toBeGreaterThan(5 * mean(good));
  });

  it("token replay: the agent's token from a foreign address and client while the agent keeps working", () => {
    const { bad, good } = attackOf(base, "token-replay");
    const ownIps = new Set(good.map((e) => e.clientIp));
    const ownTokens = new Set(good.map((e) => e.tokenId));
    expect(bad.length).toBeGreaterThanOrEqual(10);
    for (const e of bad) expect(ownIps.has(e.clientIp)).toBe(false);
    expect(new Set(bad.map((e) => e.tokenId)).size).toBe(1);
    expect(ownTokens.has((bad[0] as SimEvent).tokenId)).toBe(true);
    const first = (bad[0] as SimEvent).timestamp;
    const stolen = (bad[0] as SimEvent).tokenId;
    expect(good.some((e) => e.tokenId === stolen && e.timestamp > first && ownIps.has(e.clientIp))).toBe(
      true,
    );
  });

  it("injection payloads: injection strings in queries/paths or oversized bodies", () => {
    const { bad } = attackOf(base, "injection-payload");
    const suspicious = /%27|%3C|%2E%2E|\.\.|UNION|DROP|SELECT|ignore%20previous|jndi|developer%20mode/i;
    for (const e of bad) expect(suspicious.test(e.path) || e.requestBytes > 1_000_000, e.path).toBe(true);
  });

  it("reconnaissance: scanner paths answered with 4xx", () => {
    const { bad } = attackOf(base, "recon-probing");
    expect(bad.some((e) => e.path.startsWith("/.env") || e.path.startsWith("/.git"))).toBe(true);
    expect(bad.filter((e) => e.status >= 400).length / bad.length).toBeGreaterThan(0.8);
  });
});

describe("presets", () => {
  it("change the API surface, not only the seed", () => {
    const paths = (p: (typeof PRESET_NAMES)[number]) => {
      const r = run({ seed: 5, agents: 10, hours: 4 }, p);
      return new Set(r.events.map((e) => templateOf(e.path)));
    };
    const crm = paths("default");
    const health = paths("health");
    const fintech = paths("fintech");
    const overlap = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x)).length;
    expect(overlap(crm, health)).toBe(0);
    expect(overlap(crm, fintech)).toBe(0);
  });

  it("reject unknown settings keys", () => {
    expect(() => resolveSettings("default", { agentz: 3 })).toThrow(/agentz/);
    expect(() => resolveSettings("default", { attacks: { "enumeration-fast": { rate: 3 } } })).toThrow(
      /attacks\.enumeration-fast.*rate/s,
    );
    expect(() => resolveSettings("default", { benign: { tokenTtlMinutes: [60, 15] } })).toThrow(
      /low <= high/,
    );
  });
});
