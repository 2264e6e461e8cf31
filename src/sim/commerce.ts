/**
 * The `commerce` world: a logistics / e-commerce platform unlike the REST surfaces of
 * `surface.ts`, to hold detection to APIs whose shapes agentwatch was not written against.
 *
 * What makes it different, and what each piece exercises:
 * - paths keyed by **store slugs and SKU-like segments** (`/v3/stores/misty-threads-co/products/
 *   mist-18155-olv-l`) and lower-case opaque order ids, which no id-shape rule recognises: only
 *   learned route templates turn them into endpoints;
 * - a **GraphQL endpoint** (`/graphql`) whose operation travels as a logged header (`operation`),
 *   a GET query (`operationName=...&variables=...`) or an Apollo persisted-query id; "not found"
 *   is a 200 with a small `errors` body;
 * - an **MCP-style tool gateway** (`POST /mcp/tools/{name}`), where a read is a POST;
 * - **routine flows**: token refresh (`POST /v3/auth/token`) at every token rotation, discovery
 *   documents (`/openapi.json`, `/.well-known/openid-configuration`), admin agents whose job is role
 *   changes, a nightly catalogue sync and a daily bulk export;
 * - the **attack families** such an API invites: slow scraping over many products at the agent's own
 *   pace, id walks through a GraphQL operation, credential stuffing on the login route, abuse of
 *   destructive tools the agent never called; plus a fast id walk, bulk exfiltration, token
 *   replay and reconnaissance.
 *
 * Agents reuse the REST world's identity model (addresses, user agents, rotating tokens); everything
 * else is this file's own, so the REST world is untouched by it.
 */
import type { SimEvent } from "./agent.js";
import { agentAddresses, agentUsers, tokenAt, tokenExpiry } from "./agent.js";
import { fmix32, hash32, Rng } from "./rng.js";
import type { AttackKind, BenignCase, PRESETS, SimulationSettings } from "./settings.js";

/** Attack kinds of this world: the commerce preset's `attackKinds`, assigned round-robin. */
type CommerceAttackKind = (typeof PRESETS)["commerce"]["attackKinds"][number];

const PERSONAS = [
  "storefront-assistant",
  "fulfillment-agent",
  "catalog-sync",
  "support-agent",
  "admin-agent",
  "reporting-agent",
] as const;
type Persona = (typeof PERSONAS)[number];
const PERSONA_WEIGHTS = [3, 3, 2, 3, 1, 1];

/** How an agent's GraphQL client puts the operation on the wire (what the gateway can log). */
type GraphqlStyle = "post-logged" | "get-query" | "persisted";

export interface CommerceAgent {
  readonly id: string;
  readonly index: number;
  readonly seed: number;
  readonly persona: Persona;
  readonly addresses: readonly string[];
  readonly userAgent: string;
  readonly users: readonly string[];
  readonly tokenTtlMs: number;
  readonly tokenPhaseMs: number;
  readonly sessionsPerHour: number;
  readonly stepsMean: number;
  readonly thinkMedianMs: number;
  readonly diurnalFloor: number;
  readonly peakHourUtc: number;
  readonly graphql: GraphqlStyle;
  /** Stores this agent works for (indices into the store list). */
  readonly stores: readonly number[];
  /** Tools the agent calls through the MCP gateway, with weights. */
  readonly tools: readonly string[];
  readonly benignCase: BenignCase | undefined;
  readonly lowTraffic: boolean;
  readonly attack: { kind: AttackKind; at: number; variant: string | undefined } | undefined;
  readonly drifted: undefined;
}

interface Ctx {
  readonly settings: SimulationSettings;
  readonly startMs: number;
  readonly endMs: number;
}

const STORE_COUNT = 400;
const ADJECTIVES = [
  "misty",
  "amber",
  "north",
  "quiet",
  "lucky",
  "urban",
  "silver",
  "wild",
  "coastal",
  "bright",
];
const NOUNS = [
  "threads",
  "goods",
  "crafts",
  "outfitters",
  "pantry",
  "studio",
  "supply",
  "garden",
  "works",
  "market",
];
const SUFFIXES = ["co", "shop", "store", "ltd", "hq", "house"];
const COLORS = ["olv", "blk", "wht", "nvy", "red", "gry", "sand", "teal"];
const SIZES = ["xs", "s", "m", "l", "xl", "os"];
const BASE32 = "abcdefghijkmnpqrstuvwxyz23456789";

/** Store slug of store `i`: `misty-threads-co`; distinct for every i below STORE_COUNT. */
export function storeSlug(i: number): string {
  const a = ADJECTIVES[i % ADJECTIVES.length] as string;
  const n = NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length] as string;
  const s = SUFFIXES[Math.floor(i / (ADJECTIVES.length * NOUNS.length)) % SUFFIXES.length] as string;
  return `${a}-${n}-${s}`;
}

/** SKU of product `n` of store `i`: `mist-18155-olv-l`. */
export function sku(store: number, n: number): string {
  const h = fmix32(n * 7919 + store);
  return `${storeSlug(store).slice(0, 4)}-${10000 + n}-${COLORS[h % COLORS.length]}-${SIZES[(h >>> 8) % SIZES.length]}`;
}

/** Lower-case opaque order id (12 base32 characters), deterministic per order number. */
export function orderId(n: number): string {
  let x = fmix32(n ^ 0x51ed27);
  let s = "";
  for (let i = 0; i < 12; i++) {
    s += BASE32[x & 31];
    x = fmix32(x + i + 1);
  }
  return s;
}

const ORDER_SPAN = 200_000;
/** Orders that exist: 70% of the numbers in [0, ORDER_SPAN). */
function orderExists(n: number): boolean {
  return n >= 0 && n < ORDER_SPAN && fmix32(n ^ 0xa11ce) % 10 < 7;
}
function existingOrder(rng: Rng): number {
  for (;;) {
    const n = rng.int(0, ORDER_SPAN - 1);
    if (orderExists(n)) return n;
  }
}

const QUERY_OPS = ["GetProduct", "SearchProducts", "GetStore", "GetOrder", "TrackShipment", "ListOrders"];
const MUTATION_OPS = ["UpdateCart", "CreateReturn"];
const READ_TOOLS = ["search_orders", "get_order", "track_shipment", "lookup_customer", "get_inventory"];
const WRITE_TOOLS = ["create_return", "update_inventory", "add_order_note"];
/** Destructive by name: what a hijacked agent is talked into calling. */
const ABUSE_TOOLS = ["delete_product", "refund_order", "transfer_funds", "delete_store", "export_customers"];

const FOREIGN = ["185.220.101", "45.155.205", "103.251.167", "91.240.118"];
const TOOLS_UA = ["python-requests/2.32.3", "curl/8.7.1", "Go-http-client/2.0"];

/** Agents of the commerce world, planned like the REST world's: attacked ones spread evenly. */
export function commerceAgents(
  settings: SimulationSettings,
  startMs: number,
  endMs: number,
): CommerceAgent[] {
  const plan = Rng.derive(settings.seed, "commerce-plan");
  const n = settings.agents;
  const attacked = Math.round(n * settings.attackedFraction);
  const attackedIdx = new Set<number>();
  for (let k = 0; k < attacked; k++) attackedIdx.add(Math.floor(((k + 0.5) * n) / attacked));
  const [w0, w1] = settings.attacks.compromiseWindow;
  let cursor = 0;
  const out: CommerceAgent[] = [];
  for (let i = 0; i < n; i++) {
    const persona = PERSONAS[plan.weighted(PERSONA_WEIGHTS)] as Persona;
    const lowTraffic = plan.chance(settings.benign.lowTrafficFraction);
    let attack: CommerceAgent["attack"];
    let benignCase: BenignCase | undefined;
    if (attackedIdx.has(i)) {
      const kind = settings.attackKinds[cursor++ % settings.attackKinds.length] as AttackKind;
      attack = {
        kind,
        at: Math.round(startMs + (endMs - startMs) * plan.uniform(w0, w1)),
        variant: undefined,
      };
    } else if (lowTraffic) benignCase = "low-traffic";
    else if (persona === "admin-agent") benignCase = "routine-admin";
    else if (persona === "catalog-sync" && plan.chance(0.6)) benignCase = "nightly-sync";
    else if (persona === "reporting-agent") benignCase = "daily-export";
    const seed = Rng.derive(settings.seed, `commerce-agent:${i}`).u32();
    const rng = new Rng(seed);
    const stores = Array.from({ length: rng.int(1, 6) }, () => rng.int(0, STORE_COUNT - 1));
    const tools =
      persona === "support-agent"
        ? [
            ...rng.shuffle(READ_TOOLS).slice(0, 3),
            "create_return",
            ...(rng.chance(0.5) ? ["refund_order"] : []),
          ]
        : persona === "fulfillment-agent"
          ? [...rng.shuffle(READ_TOOLS).slice(0, 2), rng.pick(WRITE_TOOLS)]
          : [];
    const base = BUSY[persona];
    out.push({
      id: `${persona}-${rng.hex(4)}-${String(i).padStart(4, "0")}`,
      index: i,
      seed,
      persona,
      addresses: agentAddresses(rng, rng.intBetween(settings.benign.addresses)),
      userAgent: `${persona}/${rng.int(1, 3)}.${rng.int(0, 9)} (+mcp-client/1.${rng.int(0, 9)}; python/3.12)`,
      users: agentUsers(rng, persona),
      tokenTtlMs: Math.round(rng.between(settings.benign.tokenTtlMinutes) * 60_000),
      tokenPhaseMs: rng.int(0, 3_600_000),
      sessionsPerHour:
        (rng.uniform(base[0], base[1]) * settings.rateScale) / (lowTraffic ? rng.uniform(25, 80) : 1),
      stepsMean: lowTraffic ? rng.uniform(2, 4) : rng.uniform(4, 14),
      thinkMedianMs: rng.uniform(1, 8) * 1000,
      diurnalFloor: persona === "catalog-sync" ? rng.uniform(0.6, 1) : rng.uniform(0.05, 0.3),
      peakHourUtc: rng.uniform(8, 18),
      graphql: rng.pick(["post-logged", "post-logged", "get-query", "persisted"] as const),
      stores,
      tools,
      benignCase,
      lowTraffic,
      attack,
      drifted: undefined,
    });
  }
  return out;
}

const BUSY: Record<Persona, [number, number]> = {
  "storefront-assistant": [3, 9],
  "fulfillment-agent": [2, 7],
  "catalog-sync": [1, 3],
  "support-agent": [2, 8],
  "admin-agent": [0.3, 1],
  "reporting-agent": [0.5, 2],
};

/** The event streams of one agent: its sessions, its periodic job, its attack. */
export function commerceSources(agent: CommerceAgent, ctx: Ctx): Iterator<SimEvent, void>[] {
  const out: Iterator<SimEvent, void>[] = [sessions(agent, ctx)];
  if (agent.benignCase === "nightly-sync") out.push(nightlySync(agent, ctx));
  if (agent.benignCase === "daily-export") out.push(dailyExport(agent, ctx));
  if (agent.attack) {
    const attack = ATTACKS[agent.attack.kind];
    if (!attack) throw new RangeError(`attack ${agent.attack.kind} belongs to the rest world`);
    out.push(attack(agent, ctx, Rng.derive(agent.seed, "attack"), agent.attack.at));
  }
  return out;
}

/** One request, with the world's size and latency model; `who` defaults to the agent itself. */
interface Req {
  method: string;
  path: string;
  status?: number;
  responseBytes?: number;
  requestBytes?: number;
  operation?: string;
  userId?: string;
  clientIp?: string;
  userAgent?: string;
  tokenId?: string;
  malicious?: boolean;
}

function emit(agent: CommerceAgent, rng: Rng, t: number, r: Req): SimEvent {
  const status =
    r.status ?? (rng.chance(0.003) ? 503 : r.method === "POST" && r.path.startsWith("/v3/") ? 201 : 200);
  const responseBytes =
    r.responseBytes ?? (status >= 400 ? rng.int(90, 260) : Math.round(rng.logNormal(1800, 0.4)));
  const event: SimEvent = {
    timestamp: Math.round(t),
    agentId: agent.id,
    method: r.method,
    path: r.path,
    status,
    requestBytes: r.requestBytes ?? (r.method === "GET" ? 0 : Math.round(rng.logNormal(420, 0.5))),
    responseBytes,
    latencyMs: Math.max(1, Math.round(rng.logNormal(40 * (1 + responseBytes / 400_000), 0.45))),
    clientIp: r.clientIp ?? (rng.pick(agent.addresses) as string),
    tokenId: r.tokenId ?? tokenAt(agent, t),
    userId: r.userId ?? (rng.pick(agent.users) as string),
    userAgent: r.userAgent ?? agent.userAgent,
    requestId: "",
    malicious: r.malicious ?? false,
  };
  if (r.operation !== undefined) event.operation = r.operation;
  return event;
}

/** A GraphQL request in the agent's client style; `found` false answers 200 with an `errors` body. */
function graphql(agent: CommerceAgent, rng: Rng, op: string, id: string, found: boolean): Req {
  const responseBytes = found ? Math.round(rng.logNormal(1500, 0.4)) : rng.int(95, 140);
  const variables = encodeURIComponent(JSON.stringify({ id }));
  const mutation = MUTATION_OPS.includes(op);
  if (agent.graphql === "post-logged" || mutation)
    return {
      method: "POST",
      path: "/graphql",
      operation: op,
      responseBytes,
      requestBytes: rng.int(180, 900),
    };
  if (agent.graphql === "get-query")
    return { method: "GET", path: `/graphql?operationName=${op}&variables=${variables}`, responseBytes };
  const ext = encodeURIComponent(
    JSON.stringify({
      persistedQuery: { version: 1, sha256Hash: (hash32(op) >>> 0).toString(16).padStart(8, "0").repeat(8) },
    }),
  );
  return {
    method: "GET",
    path: `/graphql?operationName=${op}&variables=${variables}&extensions=${ext}`,
    responseBytes,
  };
}

function product(rng: Rng, agent: CommerceAgent): { store: number; n: number } {
  const store = rng.chance(0.9) ? (rng.pick(agent.stores) as number) : rng.int(0, STORE_COUNT - 1);
  return { store, n: rng.zipf(400) + (store % 7) * 50 };
}

/** The next request of a benign session, by persona. */
function benignStep(agent: CommerceAgent, rng: Rng, t: number, hot: number[]): Req {
  const day = new Date(t).toISOString().slice(0, 10);
  switch (agent.persona) {
    case "storefront-assistant": {
      const op = rng.pick(rng.chance(0.05) ? MUTATION_OPS : QUERY_OPS) as string;
      const p = product(rng, agent);
      const id =
        op === "GetOrder" || op === "TrackShipment" ? orderId(rng.pick(hot) as number) : sku(p.store, p.n);
      if (rng.chance(0.15))
        return { method: "GET", path: `/v3/stores/${storeSlug(p.store)}/products/${sku(p.store, p.n)}` };
      return graphql(agent, rng, op, id, !rng.chance(0.01));
    }
    case "fulfillment-agent": {
      const o = orderId(rng.pick(hot) as number);
      const k = rng.float();
      if (k < 0.3) return { method: "GET", path: `/v3/orders/${o}` };
      if (k < 0.45) return { method: "GET", path: `/v3/orders/${o}/items` };
      if (k < 0.55) return { method: "PATCH", path: `/v3/orders/${o}`, status: 200 };
      if (k < 0.7) return { method: "GET", path: `/v3/shipments/${o}/tracking` };
      if (k < 0.8)
        return {
          method: "GET",
          path: `/v3/orders?status=open&page=${rng.int(1, 5)}`,
          responseBytes: Math.round(rng.logNormal(16000, 0.3)),
        };
      return { method: "POST", path: `/mcp/tools/${rng.pick(agent.tools)}`, status: 200 };
    }
    case "catalog-sync": {
      const p = product(rng, agent);
      const k = rng.float();
      if (k < 0.25)
        return {
          method: "GET",
          path: `/v3/stores/${storeSlug(p.store)}/products?page=${rng.int(1, 20)}&limit=100`,
          responseBytes: Math.round(rng.logNormal(60000, 0.3)),
        };
      if (k < 0.8)
        return { method: "GET", path: `/v3/stores/${storeSlug(p.store)}/products/${sku(p.store, p.n)}` };
      return {
        method: "PUT",
        path: `/v3/stores/${storeSlug(p.store)}/products/${sku(p.store, p.n)}/inventory`,
        status: 200,
      };
    }
    case "support-agent": {
      const tool = rng.pick(agent.tools) as string;
      if (rng.chance(0.2))
        return graphql(agent, rng, "GetOrder", orderId(rng.pick(hot) as number), !rng.chance(0.02));
      // A refund is rare routine work for the agents that have it.
      if (tool === "refund_order" && !rng.chance(0.15))
        return { method: "POST", path: "/mcp/tools/get_order", status: 200 };
      return { method: "POST", path: `/mcp/tools/${tool}`, status: 200 };
    }
    case "admin-agent": {
      const user = `usr-${rng.int(1000, 1400)}`;
      const k = rng.float();
      if (k < 0.35)
        return {
          method: "GET",
          path: "/v3/admin/users?page=1",
          responseBytes: Math.round(rng.logNormal(9000, 0.3)),
        };
      if (k < 0.6) return { method: "GET", path: `/v3/admin/users/${user}` };
      if (k < 0.8) return { method: "PUT", path: `/v3/admin/users/${user}/roles`, status: 200 };
      return {
        method: "GET",
        path: `/v3/admin/audit-log?since=${day}`,
        responseBytes: Math.round(rng.logNormal(12000, 0.3)),
      };
    }
    case "reporting-agent": {
      const k = rng.float();
      if (k < 0.6)
        return {
          method: "GET",
          path: `/v3/reports/sales?date=${day}&store=${storeSlug(rng.pick(agent.stores) as number)}`,
        };
      return graphql(agent, rng, "ListOrders", storeSlug(rng.pick(agent.stores) as number), true);
    }
  }
}

/** Share of peak load at time t: a bell around the agent's peak hour, quieter at weekends. */
function load(agent: CommerceAgent, t: number): number {
  const hour = (t / 3_600_000) % 24;
  let d = Math.abs(hour - agent.peakHourUtc);
  d = Math.min(d, 24 - d);
  const weekday = (Math.floor(t / 86_400_000) + 4) % 7;
  const weekend = weekday === 0 || weekday === 6 ? 0.4 : 1;
  return (agent.diurnalFloor + (1 - agent.diurnalFloor) * Math.exp(-(d * d) / 24.5)) * weekend;
}

/**
 * Benign sessions. Each one starts with the routine an agent framework does: a token refresh when
 * the token rotated since the last request, and now and then the API description.
 */
function* sessions(agent: CommerceAgent, ctx: Ctx): Generator<SimEvent, void> {
  const rng = Rng.derive(agent.seed, "commerce-sessions");
  const hot = Array.from({ length: rng.int(30, 200) }, () => existingOrder(rng));
  const gap = 3_600_000 / agent.sessionsPerHour;
  let t = ctx.startMs + rng.exponential(gap);
  let lastToken = "";
  let lastDiscovery = Number.NEGATIVE_INFINITY;
  while (t < ctx.endMs) {
    if (rng.float() < load(agent, t)) {
      const steps = 1 + Math.ceil(rng.exponential(agent.stepsMean));
      const userId = rng.pick(agent.users) as string;
      const clientIp = rng.pick(agent.addresses) as string;
      for (let k = 0; k < steps && t < ctx.endMs; k++) {
        let r: Req;
        if (tokenAt(agent, t) !== lastToken) {
          lastToken = tokenAt(agent, t);
          r = {
            method: "POST",
            path: "/v3/auth/token",
            status: 200,
            responseBytes: rng.int(700, 1100),
            requestBytes: rng.int(150, 300),
          };
        } else if (t - lastDiscovery > 6 * 3_600_000 && rng.chance(0.5)) {
          lastDiscovery = t;
          r = rng.chance(0.7)
            ? { method: "GET", path: "/openapi.json", responseBytes: rng.int(80_000, 95_000) }
            : {
                method: "GET",
                path: "/.well-known/openid-configuration",
                responseBytes: rng.int(1200, 1600),
              };
        } else {
          r = benignStep(agent, rng, t, hot);
          if (rng.chance(0.01) && r.method === "GET" && r.path.startsWith("/v3/")) r.status = 404;
        }
        const ev = emit(agent, rng, t, { ...r, userId, clientIp });
        yield ev;
        t += ev.latencyMs + rng.logNormal(agent.thinkMedianMs, 0.8);
      }
    }
    t += rng.exponential(gap);
  }
}

/** Every night at the same hour: the agent's stores' full catalogue, page by page, then changed products. */
function* nightlySync(agent: CommerceAgent, ctx: Ctx): Generator<SimEvent, void> {
  const rng = Rng.derive(agent.seed, "commerce-nightly");
  const hour = rng.uniform(1, 4);
  const pages = rng.int(150, 600);
  const rate = rng.uniform(2, 8);
  for (let day = Math.floor(ctx.startMs / 86_400_000); ; day++) {
    let t = day * 86_400_000 + hour * 3_600_000 + rng.uniform(0, 300_000);
    if (t >= ctx.endMs) return;
    if (t < ctx.startMs) continue;
    for (let k = 0; k < pages && t < ctx.endMs; k++) {
      const store = agent.stores[k % agent.stores.length] as number;
      const ev = emit(agent, rng, t, {
        method: "GET",
        path: `/v3/stores/${storeSlug(store)}/products?page=${k + 1}&limit=200&updated_since=${new Date((day - 1) * 86_400_000).toISOString().slice(0, 10)}`,
        responseBytes: Math.round(rng.logNormal(120_000, 0.3)),
      });
      yield ev;
      t += ev.latencyMs + rng.exponential(1000 / rate);
    }
  }
}

/** Once a day at a fixed hour: yesterday's orders as one large export. */
function* dailyExport(agent: CommerceAgent, ctx: Ctx): Generator<SimEvent, void> {
  const rng = Rng.derive(agent.seed, "commerce-export");
  const hour = rng.uniform(0, 6);
  const mb = rng.uniform(15, 60);
  for (let day = Math.floor(ctx.startMs / 86_400_000); ; day++) {
    const t = day * 86_400_000 + hour * 3_600_000 + rng.uniform(0, 600_000);
    if (t >= ctx.endMs) return;
    if (t < ctx.startMs) continue;
    const date = new Date((day - 1) * 86_400_000).toISOString().slice(0, 10);
    for (const part of [1, 2, 3]) {
      yield emit(agent, rng, t + part * 40_000, {
        method: "GET",
        path: `/v3/exports/orders?date=${date}&part=${part}`,
        responseBytes: Math.round(rng.logNormal(mb * 1_000_000, 0.15)),
      });
    }
  }
}

type Attack = (agent: CommerceAgent, ctx: Ctx, rng: Rng, at: number) => Generator<SimEvent, void>;

/** Many distinct products across many stores, at the agent's own pace, every one a 200. */
const scrapeSlow: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  const count = rng.int(150, 500);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const store = rng.int(0, STORE_COUNT - 1);
    const ev = emit(agent, rng, t, {
      method: "GET",
      path: `/v3/stores/${storeSlug(store)}/products/${sku(store, rng.int(0, 5000))}`,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.logNormal(agent.thinkMedianMs * 1.5, 0.6);
  }
};

/** Order ids walked through the agent's GraphQL `GetOrder`: mostly "not found" as 200 + errors. */
const graphqlWalk: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  let n = rng.int(0, ORDER_SPAN - 1000);
  const count = rng.int(100, 400);
  const rate = rng.uniform(0.3, 3);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const found = orderExists(n) && rng.chance(0.4);
    const ev = emit(agent, rng, t, {
      ...graphql(agent, rng, "GetOrder", orderId(n), found),
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.exponential(1000 / rate);
    n += rng.int(1, 3);
  }
};

/** Passwords tried against many accounts on the login route: nearly all 401. */
const credentialStuffing: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  const count = rng.int(40, 300);
  const rate = rng.uniform(0.3, 5);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const ev = emit(agent, rng, t, {
      method: "POST",
      path: "/v3/auth/login",
      status: rng.chance(0.97) ? 401 : 200,
      responseBytes: rng.int(80, 160),
      userId: `victim${rng.int(10_000, 99_999)}@example.com`,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.exponential(1000 / rate);
  }
};

/** Destructive tools the agent never called, through the MCP gateway. */
const toolAbuse: Attack = function* (agent, ctx, rng, at) {
  const unused = ABUSE_TOOLS.filter((x) => !agent.tools.includes(x));
  let t = at;
  const count = rng.int(3, 8);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const ev = emit(agent, rng, t, {
      method: "POST",
      path: `/mcp/tools/${rng.pick(unused)}`,
      status: rng.chance(0.25) ? 403 : 200,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.logNormal(rng.uniform(2, 20) * 1000, 0.6);
  }
};

/** The fast id walk over REST order ids (404 for the missing ones). */
const enumerationFast: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  let n = rng.int(0, ORDER_SPAN - 2000);
  const count = rng.int(300, 1200);
  const rate = rng.uniform(8, 30);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const ev = emit(agent, rng, t, {
      method: "GET",
      path: `/v3/orders/${orderId(n)}`,
      status: orderExists(n) ? 200 : 404,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.exponential(1000 / rate);
    n += 1;
  }
};

/** Customer data pulled as bulk exports the agent never made. */
const exfiltration: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  const count = rng.int(4, 15);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const ev = emit(agent, rng, t, {
      method: "GET",
      path: `/v3/exports/customers?store=${storeSlug(rng.int(0, STORE_COUNT - 1))}&format=csv`,
      responseBytes: rng.int(5_000_000, 40_000_000),
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.logNormal(20_000, 0.6);
  }
};

/** The agent's current token replayed from a foreign network until it expires. */
const tokenReplay: Attack = function* (agent, ctx, rng, at) {
  const stolen = tokenAt(agent, at);
  const expires = tokenExpiry(agent, at);
  const clientIp = `${rng.pick(FOREIGN)}.${rng.int(2, 250)}`;
  const userAgent = rng.pick(TOOLS_UA) as string;
  let t = at + Math.min(rng.uniform(60_000, 300_000), (expires - at) / 2);
  const count = Math.max(10, Math.min(rng.int(30, 200), Math.floor((expires - t) / 2000)));
  const hot = [existingOrder(rng)];
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const r = benignStep(agent, rng, t, hot);
    const ev = emit(agent, rng, t, {
      ...r,
      clientIp,
      userAgent,
      tokenId: stolen,
      status: t >= expires ? 401 : r.status,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.exponential(1500);
  }
};

const PROBES: [string, string, number][] = [
  ["GET", "/.env", 404],
  ["GET", "/.git/config", 404],
  ["GET", "/admin", 403],
  ["GET", "/wp-login.php", 404],
  ["GET", "/actuator/env", 404],
  ["GET", "/graphiql", 404],
  ["GET", "/swagger.json", 404],
  ["GET", "/v2/api-docs", 404],
  ["GET", "/v3/admin/debug", 403],
  ["GET", "/v3/internal/metrics", 404],
  ["OPTIONS", "/v3/orders", 405],
  ["TRACE", "/v3/", 405],
  ["GET", "/v1/stores", 404],
  ["GET", "/v3/users/me/permissions", 401],
  ["POST", "/mcp/tools/list_secrets", 404],
];

const reconProbing: Attack = function* (agent, ctx, rng, at) {
  let t = at;
  const count = rng.int(20, 80);
  const rate = rng.uniform(0.3, 4);
  const order = rng.shuffle(PROBES);
  for (let k = 0; k < count && t < ctx.endMs; k++) {
    const [method, path, status] = order[k % order.length] as [string, string, number];
    const ev = emit(agent, rng, t, {
      method,
      path: k >= order.length ? `${path}?debug=true` : path,
      status,
      malicious: true,
    });
    yield ev;
    t += ev.latencyMs + rng.exponential(1000 / rate);
  }
};

const ATTACKS: Partial<Record<AttackKind, Attack>> & Record<CommerceAttackKind, Attack> = {
  "scrape-slow": scrapeSlow,
  "graphql-walk": graphqlWalk,
  "credential-stuffing": credentialStuffing,
  "tool-abuse": toolAbuse,
  "enumeration-fast": enumerationFast,
  exfiltration,
  "token-replay": tokenReplay,
  "recon-probing": reconProbing,
};
