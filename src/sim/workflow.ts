/**
 * A persona's workflow as a Markov chain over endpoints: where a session starts, and from each
 * endpoint the weighted next steps (or the end of the session).
 *
 * Chains are built from a persona's home resources with per-agent random weights, so two agents
 * of one persona share habits without being copies. The structure follows how agents actually
 * browse an API: list, open one object, look at some of its sub-collections, maybe write, go back.
 */
import type { Rng } from "./rng.js";
import type { Endpoint, Resource, Surface } from "./surface.js";
import { endpointsOf } from "./surface.js";

/** Next-step index meaning "the session ends". */
export const END = -1;

export interface Transition {
  readonly next: readonly number[];
  readonly weights: readonly number[];
}

export interface Workflow {
  readonly entry: Transition;
  /** Keyed by endpoint index. */
  readonly steps: ReadonlyMap<number, Transition>;
  /** Endpoint indices this workflow can reach (for labels and drift choice). */
  readonly endpoints: ReadonlySet<number>;
}

export interface WorkflowShape {
  /** Resources the persona works on, most important first. */
  home: readonly Resource[];
  /** Sub-collections of each home resource the agent looks at. */
  subsPerResource: readonly [number, number];
  /** Weight of a write after reading an object (0 = read-only persona). */
  writeWeight: number;
  /** Entry weight of search sessions. */
  searchWeight: number;
  /** Entry weight of admin read sessions (auditors read audit logs legitimately). */
  adminReadWeight: number;
}

class Builder {
  private readonly steps = new Map<number, { next: number[]; weights: number[] }>();
  readonly entry = { next: [] as number[], weights: [] as number[] };

  constructor(private readonly rng: Rng) {}

  /** Adds from -> to with a weight jittered per agent. */
  link(from: Endpoint | undefined, to: Endpoint | typeof END, weight: number): void {
    if (weight <= 0) return;
    const t = from ? this.transitionOf(from.index) : this.entry;
    const idx = to === END ? END : to.index;
    const w = weight * this.rng.uniform(0.5, 1.5);
    const at = t.next.indexOf(idx);
    if (at >= 0) t.weights[at] = (t.weights[at] as number) + w;
    else {
      t.next.push(idx);
      t.weights.push(w);
    }
  }

  private transitionOf(index: number) {
    let t = this.steps.get(index);
    if (!t) {
      t = { next: [], weights: [] };
      this.steps.set(index, t);
    }
    return t;
  }

  build(): Workflow {
    const endpoints = new Set<number>();
    for (const i of this.entry.next) if (i !== END) endpoints.add(i);
    for (const [from, t] of this.steps) {
      endpoints.add(from);
      for (const i of t.next) if (i !== END) endpoints.add(i);
    }
    // Every reachable endpoint needs a way out, or a session would loop on it forever.
    for (const i of endpoints) if (!this.steps.has(i)) this.steps.set(i, { next: [END], weights: [1] });
    return { entry: this.entry, steps: this.steps, endpoints };
  }
}

export function buildWorkflow(
  surface: Surface,
  shape: WorkflowShape,
  rng: Rng,
  extraRead?: Endpoint,
): Workflow {
  const b = new Builder(rng);
  const one = (r: Resource, kind: Endpoint["kind"]) => endpointsOf(surface, r, [kind])[0];
  const gets: Endpoint[] = [];
  for (const [i, r] of shape.home.entries()) {
    const list = one(r, "list");
    const get = one(r, "get");
    if (!list || !get) continue;
    gets.push(get);
    const allSubs = endpointsOf(surface, r, ["sub"]);
    const nSubs = Math.min(allSubs.length, rng.intBetween(shape.subsPerResource));
    const subs = rng.shuffle(allSubs).slice(0, nSubs);
    const writes = [one(r, "update"), ...endpointsOf(surface, r, ["sub-create"])].filter(
      (e): e is Endpoint => e !== undefined,
    );

    b.link(undefined, list, i === 0 ? 3 : 1);
    b.link(list, get, 0.6);
    b.link(list, list, 0.15);
    b.link(list, END, 0.1);
    b.link(get, list, 0.15);
    b.link(get, END, 0.2);
    for (const s of subs) {
      b.link(get, s, 0.5 / subs.length);
      b.link(s, get, 0.1);
      b.link(s, list, 0.2);
      b.link(s, END, 0.3);
      for (const s2 of subs) if (s2 !== s) b.link(s, s2, 0.3 / subs.length);
    }
    for (const w of writes) {
      const from = w.kind === "sub-create" ? (subs[0] ?? get) : get;
      b.link(from, w, shape.writeWeight / writes.length);
      b.link(w, END, 0.5);
      b.link(w, list, 0.3);
      b.link(w, get, 0.2);
    }
  }
  // Agents hop between related objects (a ticket's customer, a customer's invoice).
  for (const g of gets) for (const h of gets) if (g !== h) b.link(g, h, 0.1 / gets.length);

  const search = surface.endpoints.find((e) => e.kind === "search");
  if (search && shape.searchWeight > 0) {
    b.link(undefined, search, shape.searchWeight);
    for (const g of gets) b.link(search, g, 0.7 / gets.length);
    b.link(search, search, 0.1);
    b.link(search, END, 0.3);
  }
  if (shape.adminReadWeight > 0) {
    const reads = rng.shuffle(surface.endpoints.filter((e) => e.kind === "admin-read")).slice(0, 2);
    for (const a of reads) {
      b.link(undefined, a, shape.adminReadWeight / reads.length);
      for (const a2 of reads) if (a2 !== a) b.link(a, a2, 0.4);
      b.link(a, END, 0.6);
    }
  }
  if (extraRead) {
    // Drift: a read endpoint the agent never used becomes part of its routine.
    for (const g of gets) b.link(g, extraRead, 0.35 / gets.length);
    b.link(undefined, extraRead, 0.3);
    b.link(extraRead, gets[0] ?? END, 0.3);
    b.link(extraRead, END, 0.5);
  }
  return b.build();
}

/** Draws the next endpoint index (or END) from a transition. */
export function step(t: Transition, rng: Rng): number {
  return t.next[rng.weighted(t.weights)] as number;
}
