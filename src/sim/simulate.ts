/**
 * `agentwatch simulate`: resolve settings, run the simulation, write lines and labels.
 *
 * Commander options the CLI maps onto `SimulateOptions`:
 *   --preset <name>        default|health|fintech|sparse (default: default)
 *   --settings <file>      JSON settings applied over the preset (see settings.ts)
 *   --agents <n>           --hours <h>   --seed <s>   --rate-scale <x>
 *   --start <iso>          start of the simulated period (default 2026-01-05T00:00:00Z); keep the whole period
 *                          in the past: agentwatch rejects events more than an hour ahead of its clock
 *   --format <f>           json|nginx|envoy|kong (default: json)
 *   --out <file|->         lines (default: - = stdout)
 *   --labels <file>        ground-truth labels JSON
 *   --stream               emit in simulated real time; --speed <x> simulated seconds per second (default 1)
 */
import { readFile } from "node:fs/promises";
import { writeOutputFile } from "../ingest/jsonl-writer.js";
import { RENDERERS, type SimFormat } from "./formats.js";
import { Simulation } from "./generator.js";
import { type LineWriter, openLineWriter, paced } from "./output.js";
import { type PresetName, resolveSettings, type SimulationSettings } from "./settings.js";

export interface SimulateOptions {
  preset?: PresetName;
  /** Path of a JSON settings file applied over the preset. */
  settings?: string;
  seed?: number;
  agents?: number;
  hours?: number;
  rateScale?: number;
  /** Start of the simulated period, ISO 8601. */
  start?: string;
  format?: SimFormat;
  /** Output path, `-` for stdout (default). Ignored when `writer` is given. */
  out?: string;
  /** Where the labels JSON goes; not written when absent. */
  labels?: string;
  /** Pace output in simulated real time. */
  stream?: boolean;
  /** Simulated seconds per wall-clock second in stream mode. */
  speed?: number;
  /** Programmatic destination (e.g. a Kafka producer wrapper) instead of `out`. */
  writer?: LineWriter;
}

export interface SimulateResult {
  settings: SimulationSettings;
  events: number;
  maliciousEvents: number;
  agents: number;
  attackedAgents: number;
  seconds: number;
}

/** Settings from the preset, the settings file and the individual flags, in that order of precedence. */
export async function resolveSimulateSettings(opts: SimulateOptions): Promise<SimulationSettings> {
  const fromFile = opts.settings ? JSON.parse(await readFile(opts.settings, "utf8")) : undefined;
  const flags: Record<string, unknown> = {};
  if (opts.seed !== undefined) flags.seed = opts.seed;
  if (opts.agents !== undefined) flags.agents = opts.agents;
  if (opts.hours !== undefined) flags.hours = opts.hours;
  if (opts.rateScale !== undefined) flags.rateScale = opts.rateScale;
  if (opts.start !== undefined) flags.start = opts.start;
  return resolveSettings(opts.preset ?? "default", fromFile, flags);
}

export async function runSimulate(opts: SimulateOptions): Promise<SimulateResult> {
  const settings = await resolveSimulateSettings(opts);
  const sim = new Simulation(settings);
  const render = RENDERERS[opts.format ?? "json"];
  const writer = opts.writer ?? openLineWriter(opts.out ?? "-", opts.stream === true);
  const began = performance.now();
  let events = 0;
  let maliciousEvents = 0;
  try {
    if (opts.stream) {
      for await (const e of paced(sim, { speed: opts.speed ?? 1 })) {
        events++;
        if (e.malicious) maliciousEvents++;
        await writer.write(render(e));
      }
    } else {
      for (const e of sim) {
        events++;
        if (e.malicious) maliciousEvents++;
        const wait = writer.write(render(e));
        if (wait) await wait;
      }
    }
  } finally {
    await writer.close();
  }
  const labels = sim.labels();
  if (opts.labels) await writeOutputFile(opts.labels, `${JSON.stringify(labels, null, 1)}\n`);
  return {
    settings,
    events,
    maliciousEvents,
    agents: labels.agents.length,
    attackedAgents: labels.agents.filter((a) => a.kind !== "benign").length,
    seconds: (performance.now() - began) / 1000,
  };
}
