/**
 * The simulation itself: builds the surface and the agents from the settings, merges every
 * agent's benign, nightly and attack streams into one time-ordered stream, stamps request ids
 * and records the ground-truth labels as events go by.
 *
 * Iteration is lazy and allocation-light (a binary heap over per-source generators), so a
 * million events stream out in seconds without ever being held in memory together.
 */
import type { Agent, SimEvent } from "./agent.js";
import { attackTraffic } from "./attacks.js";
import { type CommerceAgent, commerceAgents, commerceSources } from "./commerce.js";
import type { AgentLabel, LabelsFile } from "./labels.js";
import { createAgent, planAgents } from "./personas.js";
import { fmix32, Rng } from "./rng.js";
import type { SimulationSettings } from "./settings.js";
import { buildSurface, type Surface } from "./surface.js";
import { benignSessions, nightlyBatch, type SimContext } from "./traffic.js";

interface Head {
  event: SimEvent;
  source: Iterator<SimEvent, void>;
  /** Tie-break for equal timestamps, so the order never depends on heap internals. */
  order: number;
}

/** What the merge and the labels need of an agent, in every world. */
type WorldAgent = Pick<Agent, "id" | "persona" | "lowTraffic" | "benignCase" | "attack" | "drifted">;

export class Simulation implements Iterable<SimEvent> {
  /** The REST surface (rest world); the commerce world's paths are its own. */
  readonly surface: Surface;
  readonly agents: readonly WorldAgent[];
  readonly startMs: number;
  readonly endMs: number;
  private readonly ctx: SimContext;
  private readonly labelByAgent = new Map<string, AgentLabel>();
  private readonly idSeeds: readonly [number, number, number, number];
  private finished = false;

  constructor(readonly settings: SimulationSettings) {
    this.startMs = Date.parse(settings.start);
    this.endMs = this.startMs + Math.round(settings.hours * 3_600_000);
    this.surface = buildSurface(settings.surface, Rng.derive(settings.seed, "surface"));
    if (settings.world === "commerce") {
      this.agents = commerceAgents(settings, this.startMs, this.endMs);
    } else {
      const plans = planAgents(settings, Rng.derive(settings.seed, "plan"), this.startMs, this.endMs);
      this.agents = plans.map((p) => createAgent(p, this.surface, settings, this.startMs, this.endMs));
    }
    this.ctx = { surface: this.surface, settings, startMs: this.startMs, endMs: this.endMs };
    const ids = Rng.derive(settings.seed, "request-ids");
    this.idSeeds = [ids.u32(), ids.u32(), ids.u32(), ids.u32()];
    for (const a of this.agents) this.labelByAgent.set(a.id, initialLabel(a));
  }

  *[Symbol.iterator](): Iterator<SimEvent> {
    if (this.finished) throw new Error("a Simulation can be iterated once; create a new one to replay");
    const heap: Head[] = [];
    let order = 0;
    for (const agent of this.agents) {
      for (const source of this.sourcesOf(agent)) {
        const first = source.next();
        if (!first.done) heapPush(heap, { event: first.value, source, order: order++ });
      }
    }
    let counter = 0;
    while (heap.length > 0) {
      const head = heap[0] as Head;
      const event = head.event;
      event.requestId = this.requestId(counter++);
      this.record(event);
      const next = head.source.next();
      if (next.done) heapPop(heap);
      else {
        // Sources yield in time order, so replacing the root and sifting down keeps the heap valid.
        head.event = next.value;
        siftDown(heap, 0);
      }
      yield event;
    }
    this.finished = true;
  }

  /** Ground truth; complete once the simulation has been iterated to the end. */
  labels(): LabelsFile {
    if (!this.finished) throw new Error("labels are complete only after the whole simulation was iterated");
    return { version: 1, settings: { ...this.settings }, agents: [...this.labelByAgent.values()] };
  }

  private sourcesOf(worldAgent: WorldAgent): Iterator<SimEvent, void>[] {
    if (this.settings.world === "commerce") return commerceSources(worldAgent as CommerceAgent, this.ctx);
    const agent = worldAgent as Agent;
    const out: Iterator<SimEvent, void>[] = [benignSessions(agent, this.ctx)];
    if (agent.benignCase === "nightly-burst") out.push(nightlyBatch(agent, this.ctx));
    const attack = attackTraffic(agent, this.ctx);
    if (attack) out.push(attack);
    return out;
  }

  private record(event: SimEvent): void {
    const label = this.labelByAgent.get(event.agentId) as AgentLabel;
    label.events++;
    if (!event.malicious) return;
    if (label.maliciousRequestIds.length === 0)
      label.firstMaliciousAt = new Date(event.timestamp).toISOString();
    label.maliciousRequestIds.push(event.requestId);
  }

  /**
   * UUID-shaped id from the output position. The first word is a bijection of the counter, so
   * ids are unique for the first 2^32 events, yet look random as gateway request ids do.
   */
  private requestId(n: number): string {
    const [a, b, c, d] = this.idSeeds;
    const w1 = fmix32(n ^ b);
    const w2 = fmix32(n ^ c);
    // Built from byte lookups: this runs once per event and dominated the profile with toString(16).
    return (
      `${hex32(fmix32(n ^ a))}-${HEX[w1 >>> 24]}${HEX[(w1 >>> 16) & 255]}-4${NIBBLE[(w1 >>> 8) & 15]}${HEX[w1 & 255]}` +
      `-a${NIBBLE[(w2 >>> 24) & 15]}${HEX[(w2 >>> 16) & 255]}-${HEX[(w2 >>> 8) & 255]}${HEX[w2 & 255]}${hex32(fmix32(n ^ d))}`
    );
  }
}

const NIBBLE = "0123456789abcdef";
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex32(x: number): string {
  return `${HEX[x >>> 24]}${HEX[(x >>> 16) & 255]}${HEX[(x >>> 8) & 255]}${HEX[x & 255]}`;
}

function initialLabel(a: WorldAgent): AgentLabel {
  const label: AgentLabel = {
    agentId: a.id,
    persona: a.persona,
    kind: a.attack?.kind ?? "benign",
    lowTraffic: a.lowTraffic,
    events: 0,
    maliciousRequestIds: [],
  };
  if (a.benignCase) label.benignCase = a.benignCase;
  if (a.attack) {
    label.compromisedAt = new Date(a.attack.at).toISOString();
    if (a.attack.variant) label.variant = a.attack.variant;
  }
  if (a.drifted) {
    label.driftAt = new Date(a.drifted.at).toISOString();
    label.driftEndpoint = a.drifted.endpoint;
  }
  return label;
}

function less(x: Head, y: Head): boolean {
  return (
    x.event.timestamp < y.event.timestamp || (x.event.timestamp === y.event.timestamp && x.order < y.order)
  );
}

function heapPush(heap: Head[], h: Head): void {
  heap.push(h);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i] as Head, heap[parent] as Head)) break;
    [heap[i], heap[parent]] = [heap[parent] as Head, heap[i] as Head];
    i = parent;
  }
}

function heapPop(heap: Head[]): void {
  const last = heap.pop() as Head;
  if (heap.length === 0) return;
  heap[0] = last;
  siftDown(heap, 0);
}

function siftDown(heap: Head[], start: number): void {
  let i = start;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l] as Head, heap[m] as Head)) m = l;
    if (r < heap.length && less(heap[r] as Head, heap[m] as Head)) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m] as Head, heap[i] as Head];
    i = m;
  }
}
