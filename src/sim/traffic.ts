/**
 * Benign traffic: sessions that walk the persona's workflow with think times, started by a
 * diurnal Poisson process; and the legitimate nightly batch of agents that have one.
 *
 * Each generator yields one agent's events in time order; the merge in `generator.ts` interleaves
 * all agents. Request helpers here are shared with the attack generators so an attacker's
 * requests carry the same byte and latency model as the agent's own.
 */
import type { Agent, SimEvent } from "./agent.js";
import { tokenAt } from "./agent.js";
import { Rng } from "./rng.js";
import type { SimulationSettings } from "./settings.js";
import type { Endpoint, Resource, Surface } from "./surface.js";
import { endpointPath, objectExists, randomExistingObject, randomMissingObject } from "./surface.js";
import { END, step, type Workflow } from "./workflow.js";

export interface SimContext {
  readonly surface: Surface;
  readonly settings: SimulationSettings;
  readonly startMs: number;
  readonly endMs: number;
}

/** Who is on the wire for a request: the agent itself by default, or an attacker holding its token. */
export interface Caller {
  clientIp: string;
  userAgent: string;
  userId: string;
  /** Fixed token (a stolen one); the agent's current token when undefined. */
  tokenId?: string;
}

export interface RequestSpec {
  endpoint: Endpoint;
  /** Object number for templates with `{id}`. */
  object?: number;
  /** Query string without `?`. */
  query?: string;
  /** Overrides the path (probes, traversal); the endpoint still drives sizes. */
  path?: string;
  status?: number;
  requestBytes?: number;
  responseBytes?: number;
  malicious?: boolean;
}

/** Builds one event with the surface's size and latency model; explicit fields in `spec` win. */
export function request(
  agent: Agent,
  ctx: SimContext,
  rng: Rng,
  t: number,
  caller: Caller,
  spec: RequestSpec,
): SimEvent {
  const e = spec.endpoint;
  const obj = spec.object ?? 0;
  let status = spec.status;
  if (status === undefined) {
    if (rng.chance(ctx.settings.benign.serverErrorRate)) status = rng.pick([500, 502, 503, 504]);
    else if (e.resource && e.template.includes("{id}") && !objectExists(e.resource, obj)) status = 404;
    else status = e.kind === "create" || e.kind === "sub-create" ? 201 : e.kind === "delete" ? 204 : 200;
  }
  let responseBytes = spec.responseBytes;
  if (responseBytes === undefined) {
    if (status >= 400) responseBytes = Math.round(rng.uniform(90, 260));
    else if (status === 204) responseBytes = 0;
    else {
      const page = e.kind === "list" ? agent.pageSize / 20 : 1;
      responseBytes = Math.round(
        rng.logNormal(e.responseBytes * page * (agent.sizeFactor[e.index] ?? 1), 0.3),
      );
    }
  }
  let requestBytes = spec.requestBytes;
  if (requestBytes === undefined) {
    const writes = e.method === "POST" || e.method === "PATCH" || e.method === "PUT";
    requestBytes = writes ? Math.round(rng.logNormal((e.resource?.objectBytes ?? 600) * 0.4, 0.5)) : 0;
  }
  const path = spec.path ?? endpointPath(e, obj);
  return {
    timestamp: Math.round(t),
    agentId: agent.id,
    method: e.method,
    path: spec.query ? `${path}?${spec.query}` : path,
    status,
    requestBytes,
    responseBytes,
    latencyMs: Math.max(1, Math.round(rng.logNormal(e.latencyMs * (1 + responseBytes / 400_000), 0.45))),
    clientIp: caller.clientIp,
    tokenId: caller.tokenId ?? tokenAt(agent, t),
    userId: caller.userId,
    userAgent: caller.userAgent,
    requestId: "",
    malicious: spec.malicious ?? false,
  };
}

/** The agent as its own caller, on one of its addresses. */
export function ownCaller(agent: Agent, rng: Rng): Caller {
  return { clientIp: rng.pick(agent.addresses), userAgent: agent.userAgent, userId: rng.pick(agent.users) };
}

/** Share of peak load at time t: a bell around the agent's peak hour, lower at weekends. */
function diurnalLoad(agent: Agent, t: number): number {
  const hour = (t / 3_600_000) % 24;
  let d = Math.abs(hour - agent.peakHourUtc);
  d = Math.min(d, 24 - d);
  const bell = Math.exp(-(d * d) / (2 * 3.5 * 3.5));
  const weekday = (Math.floor(t / 86_400_000) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const weekend = (weekday === 0 || weekday === 6) && agent.diurnalFloor < 0.7 ? 0.35 : 1;
  return (agent.diurnalFloor + (1 - agent.diurnalFloor) * bell) * weekend;
}

/** Objects an agent keeps coming back to, per resource: a hot set plus a trickle of new ones. */
export class WorkingSet {
  private readonly pools = new Map<Resource, number[]>();
  constructor(
    private readonly rng: Rng,
    private readonly notFoundRate: number,
  ) {}

  pick(r: Resource): number {
    if (this.rng.chance(this.notFoundRate)) return randomMissingObject(r, this.rng);
    let pool = this.pools.get(r);
    if (!pool) {
      pool = Array.from({ length: this.rng.int(20, 300) }, () => randomExistingObject(r, this.rng));
      this.pools.set(r, pool);
    }
    if (this.rng.chance(0.15)) return randomExistingObject(r, this.rng);
    return pool[this.rng.zipf(pool.length)] as number;
  }
}

/** Endpoints of a workflow, for generators that need the agent's usual lists and reads. */
export function workflowEndpoints(
  ctx: SimContext,
  wf: Workflow,
  kinds: readonly Endpoint["kind"][],
): Endpoint[] {
  return [...wf.endpoints]
    .map((i) => ctx.surface.endpoints[i] as Endpoint)
    .filter((e) => kinds.includes(e.kind));
}

export function* benignSessions(agent: Agent, ctx: SimContext): Generator<SimEvent, void> {
  const rng = Rng.derive(agent.seed, "sessions");
  const objects = new WorkingSet(rng, ctx.settings.benign.notFoundRate);
  const meanGapMs = 3_600_000 / agent.sessionsPerHour;
  let t = ctx.startMs + rng.exponential(meanGapMs);
  while (t < ctx.endMs) {
    // Thinning: candidates at the peak rate, kept with probability load(t).
    if (rng.float() < diurnalLoad(agent, t)) t = yield* session(agent, ctx, rng, objects, t);
    t += rng.exponential(meanGapMs);
  }
}

function* session(
  agent: Agent,
  ctx: SimContext,
  rng: Rng,
  objects: WorkingSet,
  start: number,
): Generator<SimEvent, number> {
  const wf = agent.drifted && start >= agent.drifted.at ? agent.drifted.workflow : agent.workflow;
  const caller = ownCaller(agent, rng);
  // A session is several tasks: when one walk of the chain ends early, the agent starts the next.
  const length = 1 + Math.ceil(rng.exponential(agent.stepsMean));
  const current = new Map<Resource, number>();
  let t = start;
  let page = 1;
  let prev: Endpoint | undefined;
  let idx = step(wf.entry, rng);
  for (let k = 0; k < length && t < ctx.endMs; k++) {
    if (idx === END) idx = step(wf.entry, rng);
    const e = ctx.surface.endpoints[idx] as Endpoint;
    let query: string | undefined;
    let object: number | undefined;
    if (e.kind === "list") {
      page = prev === e ? page + 1 : 1;
      query = `page=${page}&limit=${agent.pageSize}`;
    } else if (e.kind === "search") {
      query = `q=${encodeURIComponent(rng.pick(ctx.surface.searchTerms))}&limit=20`;
    } else if (e.resource) {
      const stay = prev?.resource === e.resource && prev.kind !== "list" && current.has(e.resource);
      object = stay ? (current.get(e.resource) as number) : objects.pick(e.resource);
      current.set(e.resource, object);
    }
    const ev = request(agent, ctx, rng, t, caller, { endpoint: e, object, query });
    yield ev;
    t += ev.latencyMs + rng.logNormal(agent.thinkMedianMs, 0.8);
    prev = e;
    idx = step(wf.steps.get(idx) ?? wf.entry, rng);
  }
  return t;
}

/**
 * A legitimate nightly batch (reconciliation, re-indexing): every night at the same hour, a few
 * hundred list pages and object reads in minutes, far above the agent's daytime rate.
 */
export function* nightlyBatch(agent: Agent, ctx: SimContext): Generator<SimEvent, void> {
  const rng = Rng.derive(agent.seed, "nightly");
  const lists = workflowEndpoints(ctx, agent.workflow, ["list"]);
  const list = lists[0];
  const get = ctx.surface.endpoints.find((e) => e.kind === "get" && e.resource === list?.resource);
  if (!list || !get?.resource) return;
  const hour = rng.uniform(1, 4);
  const requests = rng.int(300, 1200);
  const ratePerSecond = rng.uniform(3, 10);
  const caller = ownCaller(agent, rng);
  const firstDay = Math.floor(ctx.startMs / 86_400_000);
  for (let day = firstDay; ; day++) {
    let t = day * 86_400_000 + hour * 3_600_000 + rng.uniform(0, 300_000);
    if (t >= ctx.endMs) return;
    if (t < ctx.startMs) continue;
    const since = new Date((day - 1) * 86_400_000).toISOString().slice(0, 10);
    for (let k = 0; k < requests && t < ctx.endMs; k++) {
      const spec =
        k % 25 === 0
          ? { endpoint: list, query: `page=${k / 25 + 1}&limit=100&updated_since=${since}` }
          : { endpoint: get, object: randomExistingObject(get.resource, rng) };
      const ev = request(agent, ctx, rng, t, caller, spec);
      yield ev;
      t += ev.latencyMs + rng.exponential(1000 / ratePerSecond);
    }
  }
}
