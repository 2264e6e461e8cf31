// Every simulated format is read back by the real line decoder (src/parse/decoder.ts) with the
// agent identity, timing and sizes each format carries, so `simulate --format X` output is what
// `replay --format X` expects.
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, type FormatName } from "../../src/parse/decoder.js";
import type { SimEvent } from "../../src/sim/agent.js";
import { RENDERERS, SIM_FORMATS, type SimFormat } from "../../src/sim/formats.js";
import { Simulation } from "../../src/sim/generator.js";
import { PRESET_NAMES, resolveSettings } from "../../src/sim/settings.js";

const PARSER_FORMAT: Record<SimFormat, FormatName> = {
  json: "json",
  nginx: "nginx",
  envoy: "envoy-json",
  kong: "kong",
};

// Attacks included: injection payloads, traversal and odd methods are the lines most likely to break a parser.
const events: SimEvent[] = [
  ...new Simulation(resolveSettings("default", { agents: 30, hours: 12, seed: 21 })),
];
const stamps = events.map((e) => e.timestamp);
const now = () => Math.max(...stamps);

function decodeAll(format: SimFormat, auto = false) {
  // The simulated Envoy names agents in x-agent-id, which its gateway sets (so the config trusts it).
  const identity = {
    order: ["agent", "header:x-agent-id", "consumer", "jwt", "apikey", "ip"],
    trustedHeaders: ["x-agent-id"],
  };
  const decode = createLineDecoder({ format: auto ? "auto" : PARSER_FORMAT[format], identity }, now);
  const render = RENDERERS[format];
  const out: NormalizedEvent[] = [];
  const rejected: string[] = [];
  for (const e of events) {
    const r = decode(render(e), out);
    if (r) rejected.push(`${r.code}: ${r.message} <- ${render(e).slice(0, 200)}`);
  }
  return { out, rejected };
}

describe.each(SIM_FORMATS)("%s lines decode back", (format) => {
  const { out, rejected } = decodeAll(format);

  it("without rejections, one event per line", () => {
    expect(rejected.slice(0, 3)).toEqual([]);
    expect(out.length).toBe(events.length);
  });

  it("with the agent identity, method, path, status and response size", () => {
    for (let i = 0; i < events.length; i++) {
      const s = events[i] as SimEvent;
      const d = out[i] as NormalizedEvent;
      expect(d.agentId).toBe(s.agentId);
      expect(d.method).toBe(s.method);
      expect(d.path).toBe(s.path);
      expect(d.status).toBe(s.status);
      expect(d.responseBytes).toBe(s.responseBytes);
      expect(d.clientIp).toBe(s.clientIp);
      // nginx `$time_local` has whole seconds.
      expect(Math.abs(d.timestamp - s.timestamp)).toBeLessThan(format === "nginx" ? 1000 : 1);
    }
  });

  it("with request ids where the format logs them (the evaluation matches labels on them)", () => {
    if (format === "nginx") return; // `combined` has no request id
    for (let i = 0; i < events.length; i++)
      expect((out[i] as NormalizedEvent).requestId).toBe(events[i]?.requestId);
  });

  it("and are recognised by --format auto", () => {
    const auto = decodeAll(format, true);
    expect(auto.rejected.slice(0, 3)).toEqual([]);
    expect(auto.out.map((e) => e.agentId)).toEqual(out.map((e) => e.agentId));
  });
});

describe("templating of simulated paths", () => {
  // The commerce world's slugs and SKUs are templated by learning (test/normalize/learned-templates.test.ts).
  const restPresets = PRESET_NAMES.filter((p) => resolveSettings(p).world === "rest");
  it.each(restPresets)("replaces the object ids of every id style (%s surface)", (preset) => {
    const sim = new Simulation(resolveSettings(preset, { agents: 30, hours: 6, seed: 5 }));
    const decode = createLineDecoder({ format: "json" }, () => sim.endMs);
    const templates = new Set<string>();
    const out: NormalizedEvent[] = [];
    for (const e of sim) {
      out.length = 0;
      decode(RENDERERS.json(e), out);
      if (out[0] && !e.malicious) templates.add(out[0].template);
    }
    // numeric, UUID, padded (INV-00012345, AC00012345, RX00012345) and opaque prefixed ids
    const leaked = [...templates].filter((t) =>
      /\/(\d{3,}|[0-9a-f]{8}-[0-9a-f]{4}-|[a-z]{2,3}-?\d{5,}|[a-z]{2,4}_[0-9a-z]{8,})(\/|$)/i.test(t),
    );
    expect(leaked).toEqual([]);
    // Benign agents call a fixed surface: once ids are placeholders, a few dozen templates remain.
    expect(templates.size).toBeLessThan(80);
  });
});
