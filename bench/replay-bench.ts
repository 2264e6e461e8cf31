/**
 * `npm run bench`: speed and memory of the core, the figures the README quotes.
 *
 * 1. Throughput: generates >= 1M simulated gateway events as JSON lines (held in memory, so disk
 *    speed does not enter), then in the same process times (a) bare `JSON.parse` of every line and
 *    (b) the whole core — decode (parse, validate, identity, route template) + profile update +
 *    every detector + risk — over the same lines. Prints both rates and their ratio (target >= 0.35).
 * 2. Memory: feeds >= 100k tracked agents into one engine, forces GC and divides the growth of the V8 heap
 *    plus ArrayBuffer storage (profiles keep their numbers in typed arrays, which live outside the
 *    V8 heap) by the agents tracked (target <= 4 KB/agent); further rounds of traffic over the same
 *    agents, an hour later each (`BENCH_HOURS`, 8 by default), show whether it stays flat as time
 *    passes: profiles fill toward their caps and risk memory drains, so the figure levels off.
 *
 * Single-threaded by construction (one JS thread), i.e. "on one core". Run after `npm run build`.
 */
import { mean } from "simple-statistics";
import { configSchema } from "../src/config/schema.js";
import { createEngine } from "../src/engine/engine.js";
import type { NormalizedEvent } from "../src/events/event.js";
import { createLineDecoder } from "../src/parse/decoder.js";
import { renderJson } from "../src/sim/formats.js";
import { Simulation } from "../src/sim/generator.js";
import { resolveSettings } from "../src/sim/settings.js";

const config = configSchema.parse({});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function generateLines(target: number, seed: number): string[] {
  const settings = resolveSettings("default", { seed, agents: 2000, hours: 24, rateScale: 1 });
  const lines: string[] = [];
  // Repeat simulated days (shifted in time) until the target is reached: realistic per-agent
  // traffic rather than one agent hammering one endpoint.
  for (let day = 0; lines.length < target; day++) {
    const start = new Date(Date.parse(settings.start) + day * 86_400_000).toISOString();
    for (const event of new Simulation({ ...settings, start, seed: seed + day })) {
      lines.push(renderJson(event));
      if (lines.length >= target) break;
    }
  }
  return lines;
}

function time(label: string, lines: string[], body: (line: string) => void): number {
  const began = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) body(lines[i] as string);
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const rate = lines.length / seconds;
  console.log(`${label.padEnd(44)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} events/s`);
  return rate;
}

function throughput(eventCount: number): void {
  console.log(`generating ${eventCount.toLocaleString("en-US")} events...`);
  const lines = generateLines(eventCount, 11);
  const bytesPerLine = mean(lines.map((l) => l.length));
  console.log(`${lines.length.toLocaleString("en-US")} lines, ${bytesPerLine.toFixed(0)} bytes/line avg`);

  let sink = 0;
  // Warm both paths up on a slice so the JIT has compiled them before timing.
  const warm = lines.slice(0, 50_000);
  for (const l of warm) sink += (JSON.parse(l) as { status: number }).status;
  const warmDecoder = createLineDecoder(config.input);
  const warmEngine = createEngine(config.engine);
  const scratch: NormalizedEvent[] = [];
  for (const l of warm) {
    scratch.length = 0;
    warmDecoder(l, scratch);
    for (const e of scratch) warmEngine.process(e);
  }

  gc?.();
  const parseRate = time("JSON.parse only", lines, (l) => {
    sink += (JSON.parse(l) as { status: number }).status;
  });
  gc?.();
  const decode = createLineDecoder(config.input);
  const engine = createEngine(config.engine);
  let alerts = 0;
  const out: NormalizedEvent[] = [];
  const coreRate = time("full core (decode+profile+detect+risk)", lines, (l) => {
    out.length = 0;
    decode(l, out);
    for (let i = 0; i < out.length; i++) if (engine.process(out[i] as NormalizedEvent)) alerts++;
  });
  console.log(`ratio core / JSON.parse: ${(coreRate / parseRate).toFixed(2)} (target >= 0.35)`);
  console.log(`agents ${engine.profiles.size}, alerts ${alerts}, checksum ${sink % 7}`);
}

function memory(agentCount: number, hours: number): void {
  console.log(`\nmemory: ${agentCount.toLocaleString("en-US")} simulated agents`);
  const decode = createLineDecoder(config.input);
  const engine = createEngine({
    ...config.engine,
    profiles: {
      ...config.engine.profiles,
      maxAgents: Math.max(agentCount, config.engine.profiles.maxAgents),
    },
  });
  const out: NormalizedEvent[] = [];
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc?.();
  const before = used();
  // ~38 events per agent per round over its whole workflow (the default surface); each round is a later hour.
  for (let round = 0; round < hours; round++) {
    const settings = resolveSettings("default", {
      seed: 5,
      agents: agentCount,
      hours: 1,
      start: new Date(Date.UTC(2026, 0, 5, 9 + round)).toISOString(),
      attackedFraction: 0,
      benign: { lowTrafficFraction: 0 },
    });
    let events = 0;
    for (const event of new Simulation(settings)) {
      out.length = 0;
      decode(renderJson(event), out);
      for (const e of out) engine.process(e);
      events++;
    }
    gc?.();
    gc?.();
    const heap = used() - before;
    const perAgent = heap / engine.profiles.size;
    console.log(
      `hour ${round + 1}: ${events.toLocaleString("en-US")} events, ${engine.profiles.size.toLocaleString("en-US")} agents tracked, ` +
        `heap+buffers +${(heap / 1048576).toFixed(1)} MiB = ${(perAgent / 1024).toFixed(2)} KB/agent (target <= 4 KB)`,
    );
  }
}

const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
// Not every simulated agent is active in a given hour (~86% in the first): 117k simulated agents
// put more than 100k profiles in the store from the first hour on.
const agents = Number(process.env.BENCH_AGENTS ?? 117_000);
const hours = Number(process.env.BENCH_HOURS ?? 8);
// BENCH_EVENTS=0 or BENCH_AGENTS=0 skips that half.
if (events > 0) throughput(events);
if (agents > 0) memory(agents, hours);
