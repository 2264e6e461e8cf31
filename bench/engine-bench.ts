/**
 * `npm run bench:engine`: nanoseconds per `process()` call (profile update + every detector +
 * risk), without the decoding `npm run bench` times along with it, and heap per tracked agent:
 *
 *   npm run bench:engine -- [--agents 100000] [--events 1000000] [--only throughput|memory]
 *
 * Throughput: a warm population (1,000 agents, steady workflows) processes `--events` pre-built
 * events, timed after a warm-up pass so the JIT has settled. Memory: `--agents` agents see ~10
 * events over ~5 endpoints each (generated on the fly, so nothing but the engine holds them);
 * heap after a full GC, minus the heap before the engine existed, divided by the agents. A second
 * pass an hour later (event time) over the same agents shows whether memory stays flat.
 */
import { parseArgs } from "node:util";
import { createEngine, engineOptionsSchema } from "../src/engine/engine.js";
import type { NormalizedEvent } from "../src/events/event.js";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "100000" },
    events: { type: "string", default: "1000000" },
    only: { type: "string" },
  },
});
const AGENTS = Number(values.agents);
const EVENTS = Number(values.events);
const T0 = Date.UTC(2026, 0, 5);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const TEMPLATES = Array.from({ length: 60 }, (_, i) =>
  i % 3 === 0 ? `/v2/resource${i}/{id}` : i % 3 === 1 ? `/v2/resource${i}` : `/v2/resource${i}/{id}/items`,
);
const AGENT_STRINGS = [
  "agent-sdk/1.4 (python 3.12)",
  "langchain/0.3 httpx/0.27",
  "openai-agents/0.9 node/20",
];

let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function makeEvent(agent: number, i: number, time: number): NormalizedEvent {
  const template = TEMPLATES[(agent * 7 + (i % 5) * 11) % TEMPLATES.length] as string;
  const hasId = template.includes("{id}");
  const id = hasId ? String(1000 + Math.floor(rand() * 500)) : undefined;
  const path = hasId ? template.replace("{id}", id as string) : template;
  return {
    timestamp: time,
    agentId: `agent-${agent}`,
    method: i % 7 === 6 ? "POST" : "GET",
    path,
    status: rand() < 0.02 ? 404 : 200,
    requestBytes: i % 7 === 6 ? 300 + Math.floor(rand() * 50) : 0,
    responseBytes: 500 + Math.floor(rand() * 2000),
    latencyMs: 20,
    clientIp: `10.${(agent >> 8) & 255}.${agent & 255}.${1 + (i % 3)}`,
    tokenId: `tok_${agent.toString(36)}_a81f`,
    userId: "",
    userAgent: AGENT_STRINGS[agent % AGENT_STRINGS.length] as string,
    requestId: `r${agent}-${i}`,
    identitySource: "agent",
    authenticated: true,
    template,
    queryKeys: [],
    objectId: id,
    objectNumber: id === undefined ? undefined : Number(id),
  };
}

function throughput(): void {
  const agents = 1000;
  const engine = createEngine(engineOptionsSchema.parse({}));
  const events: NormalizedEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const agent = Math.floor(rand() * agents);
    events.push(makeEvent(agent, i, T0 + i * 20));
  }
  for (const e of events.slice(0, 200_000)) engine.process(e);
  // Timed pass: the same events shifted in time so profiles keep moving forward.
  const shift = EVENTS * 20;
  for (const e of events) e.timestamp += shift;
  gc?.();
  // CPU time as well as wall time: on a shared machine the wall clock also counts other processes.
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let alerts = 0;
  for (let i = 0; i < events.length; i++) if (engine.process(events[i] as NormalizedEvent)) alerts++;
  const ns = Number(process.hrtime.bigint() - start) / events.length;
  const used = process.cpuUsage(cpu);
  const cpuNs = ((used.user + used.system) * 1000) / events.length;
  console.log(
    `throughput: ${ns.toFixed(0)} ns/event wall, ${cpuNs.toFixed(0)} ns/event CPU, over ${events.length} events, ` +
      `${agents} warm agents (${alerts} alerts)`,
  );
}

function heapUsed(): { heap: number; buffers: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function memory(): void {
  const before = heapUsed();
  const engine = createEngine(engineOptionsSchema.parse({}));
  const perAgent = 10;
  const pass = (offset: number) => {
    for (let i = 0; i < perAgent; i++) {
      for (let a = 0; a < AGENTS; a++) engine.process(makeEvent(a, i, offset + i * 30_000 + (a % 1000)));
    }
  };
  const t = process.hrtime.bigint();
  pass(T0);
  const ns = Number(process.hrtime.bigint() - t) / (AGENTS * perAgent);
  const first = heapUsed();
  pass(T0 + 3_600_000);
  const second = heapUsed();
  const kb = (x: { heap: number; buffers: number }) =>
    `${((x.heap - before.heap) / AGENTS / 1024).toFixed(2)} KB heap + ${((x.buffers - before.buffers) / AGENTS / 1024).toFixed(2)} KB array buffers`;
  console.log(
    `memory: ${engine.profiles.size} agents x ${perAgent} events (${ns.toFixed(0)} ns/event incl. event building)`,
  );
  console.log(`  per agent after 1st pass: ${kb(first)}`);
  console.log(`  per agent after 2nd pass: ${kb(second)}`);
}

if (values.only !== "memory") throughput();
if (values.only !== "throughput") memory();
