/**
 * Gateway traffic for the Kafka tests: simulated agents (some of them attacked) rendered as JSON
 * access lines, with malformed records of every kind mixed in; and what the real decoder and
 * engine must make of it, computed here without Kafka.
 */
import { createEngine, engineOptionsSchema } from "../../../src/engine/engine.js";
import type { NormalizedEvent } from "../../../src/events/event.js";
import { decodeEventGroup, recordLine } from "../../../src/kafka/records.js";
import { createLineDecoder } from "../../../src/parse/decoder.js";
import { renderJson } from "../../../src/sim/formats.js";
import { Simulation } from "../../../src/sim/generator.js";
import { simulationSettingsSchema } from "../../../src/sim/settings.js";
import type { ReadRecord } from "./broker.js";

export const MAX_LINE_BYTES = 65_536;

export interface Traffic {
  values: (string | Buffer)[];
  /** Whether each record decodes to an event. */
  isValid: boolean[];
  /** Valid events per agent, as the real decoder sees them. */
  validByAgent: Map<string, number>;
  valid: number;
  malformed: number;
  attackedAgents: string[];
}

const MALFORMED: (() => string | Buffer)[] = [
  () => '{"timestamp": "2026-01-05T00:00:00Z", "agentId": ',
  () => JSON.stringify({ timestamp: "2026-01-05T00:00:00Z", method: "GET", path: "/x", status: 200 }),
  () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  () => "",
];

/** About `events` simulated requests of 100 agents, every `malformedEvery`-th record malformed. */
export function simulatedTraffic(events: number, seed: number, malformedEvery = 97): Traffic {
  const agents = 100;
  // The simulator produces about 31 requests per agent-hour with its default personas.
  const hours = Math.max(1, Math.ceil(events / (agents * 31)));
  const simulation = new Simulation(simulationSettingsSchema.parse({ agents, hours, seed }));
  const values: (string | Buffer)[] = [];
  let malformed = 0;
  for (const event of simulation) {
    if (values.length % malformedEvery === malformedEvery - 1) {
      values.push((MALFORMED[malformed % MALFORMED.length] as () => string | Buffer)());
      malformed++;
    }
    values.push(renderJson(event));
    if (values.length >= events) break;
  }
  const decode = createLineDecoder({ format: "json" });
  const validByAgent = new Map<string, number>();
  const out: NormalizedEvent[] = [];
  const isValid: boolean[] = [];
  let valid = 0;
  let rejected = 0;
  for (const value of values) {
    out.length = 0;
    const line = recordLine(typeof value === "string" ? Buffer.from(value) : value, MAX_LINE_BYTES);
    const ok = typeof line === "string" && decode(line, out) === undefined;
    isValid.push(ok);
    if (!ok) {
      rejected++;
      continue;
    }
    for (const e of out) validByAgent.set(e.agentId, (validByAgent.get(e.agentId) ?? 0) + 1);
    valid += out.length;
  }
  const attackedAgents = simulation.agents.filter((a) => a.attack !== undefined).map((a) => a.id);
  // Compare with what was injected: a simulated line the decoder refuses would hide a real bug.
  if (rejected !== malformed)
    throw new Error(`decoder rejected ${rejected} records, ${malformed} were malformed`);
  return { values, isValid, validByAgent, valid, malformed, attackedAgents };
}

/** The events of the repartition topic, per partition in offset order, as detection reads them. */
export function repartitionedEvents(records: ReadRecord[]): { partition: number; event: NormalizedEvent }[] {
  const events: { partition: number; event: NormalizedEvent }[] = [];
  for (const { partition, message } of records) {
    const out: NormalizedEvent[] = [];
    const rejection = decodeEventGroup(message, out);
    if (rejection) throw new Error(`repartition topic holds a bad record: ${rejection.code}`);
    for (const event of out) events.push({ partition, event });
  }
  return events;
}

/**
 * The alert ids an uninterrupted run must produce: the repartitioned events replayed partition by
 * partition, in offset order, through one fresh engine per partition, as the pipeline does.
 */
export function referenceAlertIds(repartitioned: ReadRecord[]): string[] {
  const engines = new Map<number, ReturnType<typeof createEngine>>();
  const ids: string[] = [];
  for (const { partition, event } of repartitionedEvents(repartitioned)) {
    let engine = engines.get(partition);
    if (!engine) {
      engine = createEngine(engineOptions());
      engines.set(partition, engine);
    }
    const alert = engine.process(event);
    if (alert) ids.push(alert.id);
  }
  return ids;
}

export function engineOptions() {
  return engineOptionsSchema.parse({});
}
