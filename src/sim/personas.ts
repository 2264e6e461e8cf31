/**
 * Benign personas: what each kind of agent works on, how busy it is and how it paces itself, and
 * the function that turns a persona plus a seed into one concrete agent.
 */
import type { Agent } from "./agent.js";
import { agentAddresses, agentUserAgent, agentUsers } from "./agent.js";
import { Rng } from "./rng.js";
import type { ArchetypeName, AttackKind, BenignCase, SimulationSettings } from "./settings.js";
import type { Endpoint, ResourceRole, Surface } from "./surface.js";
import { resourceByRole } from "./surface.js";
import { buildWorkflow, type WorkflowShape } from "./workflow.js";

interface Archetype {
  roles: ResourceRole[];
  subsPerResource: [number, number];
  writeWeight: number;
  searchWeight: number;
  adminReadWeight: number;
  sessionsPerHour: [number, number];
  steps: [number, number];
  thinkSeconds: [number, number];
  diurnalFloor: [number, number];
  pageSize: number[];
}

const ARCHETYPES: Record<ArchetypeName, Archetype> = {
  "support-assistant": {
    roles: ["ticket", "party", "transaction"],
    subsPerResource: [1, 3],
    writeWeight: 0.12,
    searchWeight: 0.5,
    adminReadWeight: 0,
    sessionsPerHour: [3, 10],
    steps: [5, 12],
    thinkSeconds: [1, 6],
    diurnalFloor: [0.05, 0.25],
    pageSize: [20, 25, 50],
  },
  "billing-reconciler": {
    roles: ["billing", "transaction", "party"],
    subsPerResource: [1, 2],
    writeWeight: 0.06,
    searchWeight: 0,
    adminReadWeight: 0,
    sessionsPerHour: [2, 6],
    steps: [8, 20],
    thinkSeconds: [0.5, 3],
    diurnalFloor: [0.1, 0.4],
    pageSize: [50, 100],
  },
  "sales-copilot": {
    roles: ["party", "product", "transaction"],
    subsPerResource: [2, 4],
    writeWeight: 0.04,
    searchWeight: 1,
    adminReadWeight: 0,
    sessionsPerHour: [2, 8],
    steps: [4, 10],
    thinkSeconds: [2, 10],
    diurnalFloor: [0.02, 0.15],
    pageSize: [10, 20],
  },
  "doc-summarizer": {
    roles: ["document", "party"],
    subsPerResource: [1, 2],
    writeWeight: 0.02,
    searchWeight: 0.8,
    adminReadWeight: 0,
    sessionsPerHour: [2, 7],
    steps: [3, 8],
    thinkSeconds: [3, 15],
    diurnalFloor: [0.05, 0.3],
    pageSize: [10, 20],
  },
  "ops-auditor": {
    roles: ["user"],
    subsPerResource: [1, 2],
    writeWeight: 0,
    searchWeight: 0,
    adminReadWeight: 2,
    sessionsPerHour: [0.5, 2],
    steps: [3, 8],
    thinkSeconds: [2, 8],
    diurnalFloor: [0.1, 0.3],
    pageSize: [50],
  },
  "catalog-sync": {
    roles: ["product", "transaction"],
    subsPerResource: [1, 1],
    writeWeight: 0.1,
    searchWeight: 0,
    adminReadWeight: 0,
    sessionsPerHour: [1, 3],
    steps: [25, 60],
    thinkSeconds: [0.5, 2],
    diurnalFloor: [0.7, 1],
    pageSize: [100, 200],
  },
};

export interface AgentPlan {
  index: number;
  persona: ArchetypeName;
  benignCase: BenignCase | undefined;
  lowTraffic: boolean;
  attack: { kind: AttackKind; at: number; variant: string | undefined } | undefined;
}

/** Persona, hard case and attack of every agent, decided up front so they are spread evenly. */
export function planAgents(
  settings: SimulationSettings,
  rng: Rng,
  startMs: number,
  endMs: number,
): AgentPlan[] {
  const names = Object.keys(settings.benign.mix) as ArchetypeName[];
  const weights = names.map((n) => settings.benign.mix[n] ?? 0);
  const n = settings.agents;
  const attacked = Math.round(n * settings.attackedFraction);
  // Attacked agents are spread over the index range rather than clustered at the start.
  const attackedIdx = new Set<number>();
  for (let k = 0; k < attacked; k++) attackedIdx.add(Math.floor(((k + 0.5) * n) / attacked));
  let kindCursor = 0;
  const plans: AgentPlan[] = [];
  const [w0, w1] = settings.attacks.compromiseWindow;
  for (let i = 0; i < n; i++) {
    const persona = names[rng.weighted(weights)] as ArchetypeName;
    const lowTraffic = rng.chance(settings.benign.lowTrafficFraction);
    let attack: AgentPlan["attack"];
    let benignCase: BenignCase | undefined;
    if (attackedIdx.has(i)) {
      const kind = settings.attackKinds[kindCursor++ % settings.attackKinds.length] as AttackKind;
      const at = Math.round(startMs + (endMs - startMs) * rng.uniform(w0, w1));
      const variant =
        kind === "exfiltration"
          ? rng.chance(settings.attacks.exfiltration.oversizedShare)
            ? "oversized"
            : "frequent"
          : undefined;
      attack = { kind, at, variant };
    } else if (lowTraffic) {
      benignCase = "low-traffic";
    } else if (rng.chance(settings.benign.driftFraction)) {
      benignCase = "drift";
    } else if (rng.chance(settings.benign.nightlyBurstFraction)) {
      benignCase = "nightly-burst";
    }
    plans.push({ index: i, persona, benignCase, lowTraffic, attack });
  }
  return plans;
}

/** One concrete agent from its plan: every random choice comes from the agent's own stream. */
export function createAgent(
  plan: AgentPlan,
  surface: Surface,
  settings: SimulationSettings,
  startMs: number,
  endMs: number,
): Agent {
  const seed = Rng.derive(settings.seed, `agent:${plan.index}`).u32();
  const rng = new Rng(seed);
  const a = ARCHETYPES[plan.persona];
  const home = a.roles.map((role) => resourceByRole(surface, role));
  const shape: WorkflowShape = {
    home,
    subsPerResource: a.subsPerResource,
    writeWeight: a.writeWeight,
    searchWeight: a.searchWeight,
    adminReadWeight: a.adminReadWeight,
  };
  const workflow = buildWorkflow(surface, shape, rng);
  let drifted: Agent["drifted"];
  if (plan.benignCase === "drift") {
    const candidates = surface.endpoints.filter(
      (e: Endpoint) => (e.kind === "sub" || e.kind === "get") && !workflow.endpoints.has(e.index),
    );
    const extra = rng.pick(candidates);
    const driftWorkflow = buildWorkflow(surface, shape, new Rng(seed), extra);
    drifted = {
      at: Math.round(startMs + (endMs - startMs) * rng.uniform(0.3, 0.7)),
      workflow: driftWorkflow,
      endpoint: `${extra.method} ${extra.template}`,
    };
  }
  const sizeFactor = new Float64Array(surface.endpoints.length);
  for (let i = 0; i < sizeFactor.length; i++) sizeFactor[i] = rng.uniform(0.6, 1.6);
  const lowTrafficDivisor = plan.lowTraffic ? rng.uniform(25, 80) : 1;
  const peakHourUtc = rng.uniform(9, 17);
  return {
    id: `${plan.persona}-${rng.hex(4)}-${String(plan.index).padStart(4, "0")}`,
    index: plan.index,
    seed,
    persona: plan.persona,
    addresses: agentAddresses(rng, rng.intBetween(settings.benign.addresses)),
    userAgent: agentUserAgent(rng, plan.persona),
    users: agentUsers(rng, plan.persona),
    tokenTtlMs: Math.round(rng.between(settings.benign.tokenTtlMinutes) * 60_000),
    tokenPhaseMs: rng.int(0, 3_600_000),
    workflow,
    drifted,
    sessionsPerHour: (rng.between(a.sessionsPerHour) * settings.rateScale) / lowTrafficDivisor,
    stepsMean: plan.lowTraffic ? rng.uniform(2, 4) : rng.between(a.steps),
    thinkMedianMs: rng.between(a.thinkSeconds) * 1000,
    diurnalFloor: rng.between(a.diurnalFloor),
    peakHourUtc,
    pageSize: rng.pick(a.pageSize),
    sizeFactor,
    benignCase: plan.benignCase,
    lowTraffic: plan.lowTraffic,
    attack:
      plan.attack?.kind === "token-replay"
        ? { ...plan.attack, at: busyTime(plan.attack.at, peakHourUtc, endMs) }
        : plan.attack,
  };
}

/**
 * A token leaks while the agent is busy (within three hours of its peak): the next such time at
 * or after `t`, or `t` itself when the run ends first.
 */
function busyTime(t: number, peakHourUtc: number, endMs: number): number {
  for (let at = t; at < endMs; at += 600_000) {
    const d = Math.abs(((at / 3_600_000) % 24) - peakHourUtc);
    if (Math.min(d, 24 - d) <= 3) return at;
  }
  return t;
}
