/**
 * Simulated agents: who they are on the network (addresses, user agent, rotating short-lived
 * tokens, end users they act for), which persona they follow, and the request record they emit.
 */
import type { AccessEvent } from "../events/event.js";
import { hash32, Rng } from "./rng.js";
import type { AttackKind, BenignCase } from "./settings.js";
import type { Workflow } from "./workflow.js";

/**
 * One simulated request: the canonical event's fields (time in epoch ms; the simulator logs no
 * gateway route or scopes), plus the ground truth. `requestId` is filled in when the event leaves
 * the merge, in output order.
 */
export interface SimEvent extends Omit<AccessEvent, "route" | "scopes"> {
  /** Ground truth: this request was made by the attacker. */
  malicious: boolean;
}

export interface Agent {
  readonly id: string;
  readonly index: number;
  /** Seed of this agent's streams (derived from the run seed and the index). */
  readonly seed: number;
  readonly persona: string;
  readonly addresses: readonly string[];
  readonly userAgent: string;
  readonly users: readonly string[];
  readonly tokenTtlMs: number;
  /** Offset of this agent's token rotation schedule, so tokens do not all rotate at once. */
  readonly tokenPhaseMs: number;
  readonly workflow: Workflow;
  /** Workflow after the drift point, for agents with the `drift` benign case. */
  readonly drifted: { at: number; workflow: Workflow; endpoint: string } | undefined;
  /** Peak sessions per hour, before the diurnal curve. */
  readonly sessionsPerHour: number;
  readonly stepsMean: number;
  readonly thinkMedianMs: number;
  /** Share of peak load kept at night (1 = flat, automated all day). */
  readonly diurnalFloor: number;
  readonly peakHourUtc: number;
  readonly pageSize: number;
  /** Per-endpoint response-size factor: each agent asks for somewhat different shapes. */
  readonly sizeFactor: Float64Array;
  readonly benignCase: BenignCase | undefined;
  /** Sends only a handful of requests a day. */
  readonly lowTraffic: boolean;
  /** Attack kind, compromise time and variant (where a kind has several). */
  readonly attack: { kind: AttackKind; at: number; variant: string | undefined } | undefined;
}

/** Last token derived per agent: consecutive requests almost always share it. */
const lastToken = new WeakMap<TokenHolder, { epoch: number; token: string }>();

/** What token rotation needs of an agent (agents of every world have it). */
export type TokenHolder = Pick<Agent, "seed" | "tokenTtlMs" | "tokenPhaseMs">;

/** The token the agent holds at time `t`: rotates every `tokenTtlMs`, derived, never stored. */
export function tokenAt(agent: TokenHolder, t: number): string {
  const epoch = Math.floor((t + agent.tokenPhaseMs) / agent.tokenTtlMs);
  const cached = lastToken.get(agent);
  if (cached?.epoch === epoch) return cached.token;
  const token = `tok_${Rng.derive(agent.seed, `token:${epoch}`).base62(22)}`;
  lastToken.set(agent, { epoch, token });
  return token;
}

/** When the token held at `t` expires. */
export function tokenExpiry(agent: TokenHolder, t: number): number {
  const epoch = Math.floor((t + agent.tokenPhaseMs) / agent.tokenTtlMs);
  return (epoch + 1) * agent.tokenTtlMs - agent.tokenPhaseMs;
}

/** Private and cloud ranges agents run from. */
const HOME_NETWORKS = ["10.20", "10.31", "172.18", "34.117", "35.203", "52.14"];

/** Addresses of one agent's workers: a network and 1..n hosts in it. */
export function agentAddresses(rng: Rng, count: number): string[] {
  const net = rng.pick(HOME_NETWORKS);
  const third = rng.int(0, 254);
  const out: string[] = [];
  while (out.length < count) {
    const ip = `${net}.${third}.${rng.int(2, 250)}`;
    if (!out.includes(ip)) out.push(ip);
  }
  return out;
}

const FRAMEWORKS = [
  "langchain-js/0.3.5",
  "openai-agents/0.0.17",
  "llamaindex/0.11.2",
  "autogen/0.4.7",
  "crewai/0.86.0",
];

export function agentUserAgent(rng: Rng, persona: string): string {
  return `${persona}/${rng.int(1, 4)}.${rng.int(0, 12)}.${rng.int(0, 9)} (+${rng.pick(FRAMEWORKS)}; node/20)`;
}

/** End users an agent acts for; service agents act for nobody in particular (empty). */
export function agentUsers(rng: Rng, persona: string): string[] {
  if (persona === "catalog-sync") return [""];
  const n = rng.int(3, 40);
  return Array.from({ length: n }, () => `u_${(hash32(rng.hex(8)) % 900000) + 100000}`);
}
