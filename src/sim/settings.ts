/**
 * Everything that shapes a simulation, as one strict zod schema with defaults, plus named presets.
 *
 * Presets change the API surface (resource names, id styles, admin prefix), the persona mix and
 * the attack parameters together, so that `agentwatch eval` can be run on streams that differ in
 * kind and not only in seed: a detector fitted to one preset's names or rates shows it on the
 * others. A settings file (JSON) is applied on top of the preset and validated the same way.
 */
import { z } from "zod";
import { formatConfigIssues } from "../config/load.js";
import { AgentwatchError } from "../errors.js";

/** The attack kinds the simulator can inject; labels and the evaluation use these names. */
export const ATTACK_KINDS = [
  "enumeration-fast",
  "enumeration-slow",
  "aggregation",
  "destructive-injection",
  "exfiltration",
  "token-replay",
  "injection-payload",
  "recon-probing",
] as const;
export type RestAttackKind = (typeof ATTACK_KINDS)[number];
/** Attack kinds of the `commerce` world only (see `commerce.ts`). */
export const COMMERCE_ONLY_ATTACK_KINDS = [
  "scrape-slow",
  "graphql-walk",
  "credential-stuffing",
  "tool-abuse",
] as const;
/** Every kind a label can carry. */
export const ALL_ATTACK_KINDS = [...ATTACK_KINDS, ...COMMERCE_ONLY_ATTACK_KINDS] as const;
export type AttackKind = (typeof ALL_ATTACK_KINDS)[number];

/** The hard benign cases: traffic that looks unusual but is legitimate. */
export const BENIGN_CASES = [
  "drift",
  "nightly-burst",
  "low-traffic",
  // commerce world: admin agents doing role changes, a nightly catalogue sync, a daily bulk export
  "routine-admin",
  "nightly-sync",
  "daily-export",
] as const;
export type BenignCase = (typeof BENIGN_CASES)[number];

export const SURFACE_NAMES = ["crm", "health", "fintech"] as const;
export const ARCHETYPE_NAMES = [
  "support-assistant",
  "billing-reconciler",
  "sales-copilot",
  "doc-summarizer",
  "ops-auditor",
  "catalog-sync",
] as const;
export type ArchetypeName = (typeof ARCHETYPE_NAMES)[number];

const range = (lo: number, hi: number) =>
  z
    .tuple([z.number().nonnegative(), z.number().nonnegative()])
    .refine(([a, b]) => a <= b, "range must be [low, high] with low <= high")
    .default([lo, hi]);

export const simulationSettingsSchema = z
  .object({
    /** Seed of every random choice: the same settings and seed give byte-identical output. */
    seed: z.number().int().nonnegative().default(1),
    /** Number of agents (benign and attacked). */
    agents: z.number().int().min(1).max(1_000_000).default(200),
    /** Simulated duration in hours. */
    hours: z
      .number()
      .positive()
      .max(24 * 366)
      .default(48),
    /** Start of the simulated period (ISO 8601, UTC). A Monday midnight, in the past. */
    start: z.iso.datetime().default("2026-01-05T00:00:00Z"),
    /** Multiplies every benign agent's request rate (benchmark input uses this to grow volume). */
    rateScale: z.number().positive().default(1),
    /**
     * `rest`: the REST surfaces of `surface.ts` (pick one with `surface`); `commerce`: the
     * e-commerce world of `commerce.ts` (slugs, GraphQL, MCP tools, routine and periodic work).
     */
    world: z.enum(["rest", "commerce"]).default("rest"),
    /** The API surface the agents call (rest world). */
    surface: z.enum(SURFACE_NAMES).default("crm"),
    /** Fraction of agents that get compromised part-way. */
    attackedFraction: z.number().min(0).max(1).default(0.16),
    /** Attack kinds to inject, assigned round-robin over the attacked agents. */
    attackKinds: z
      .array(z.enum(ALL_ATTACK_KINDS))
      .min(1)
      .default([...ATTACK_KINDS]),
    benign: z
      .object({
        /** Relative weight of each persona archetype among agents. */
        mix: z.partialRecord(z.enum(ARCHETYPE_NAMES), z.number().nonnegative()).default({
          "support-assistant": 3,
          "billing-reconciler": 2,
          "sales-copilot": 2,
          "doc-summarizer": 2,
          "ops-auditor": 1,
          "catalog-sync": 1,
        }),
        /** Fraction of benign agents that start using a new read endpoint part-way (drift). */
        driftFraction: z.number().min(0).max(1).default(0.06),
        /** Fraction of benign agents with a legitimate nightly batch burst. */
        nightlyBurstFraction: z.number().min(0).max(1).default(0.06),
        /** Fraction of agents (benign or not) that send only a handful of requests a day. */
        lowTrafficFraction: z.number().min(0).max(1).default(0.1),
        /** Lifetime of the agents' short-lived tokens, minutes (each agent draws one). */
        tokenTtlMinutes: range(15, 60),
        /** How many source addresses an agent uses. */
        addresses: range(1, 3),
        /** Probability that a benign read addresses an object that does not exist (404). */
        notFoundRate: z.number().min(0).max(1).default(0.015),
        /** Probability of a 5xx from the upstream on any request. */
        serverErrorRate: z.number().min(0).max(1).default(0.003),
      })
      .strict()
      .prefault({}),
    attacks: z
      .object({
        /** When agents get compromised, as fractions of the simulated duration. */
        compromiseWindow: range(0.35, 0.85),
        "enumeration-fast": z
          .object({
            /** Object ids requested. */
            count: range(300, 1500),
            /** Requests per second. */
            ratePerSecond: range(8, 40),
            /** Probability that the next id is the previous one + 1 (otherwise a random jump). */
            sequential: z.number().min(0).max(1).default(0.9),
          })
          .strict()
          .prefault({}),
        "enumeration-slow": z
          .object({
            count: range(60, 250),
            /** Median seconds between requests: the agent's normal pace, not a burst. */
            intervalSeconds: range(4, 30),
            sequential: z.number().min(0).max(1).default(0.85),
          })
          .strict()
          .prefault({}),
        aggregation: z
          .object({
            /** Distinct objects whose full record is collected across endpoints. */
            objects: range(12, 35),
            intervalSeconds: range(0.5, 3),
          })
          .strict()
          .prefault({}),
        "destructive-injection": z
          .object({
            /** DELETE / admin write requests issued. */
            count: range(3, 8),
            intervalSeconds: range(2, 20),
          })
          .strict()
          .prefault({}),
        exfiltration: z
          .object({
            /** Share of exfiltration attacks that pull few oversized responses (the rest pull many large pages). */
            oversizedShare: z.number().min(0).max(1).default(0.5),
            oversizedCount: range(5, 25),
            /** Response bytes of an oversized pull, in MB. */
            oversizedMegabytes: range(4, 60),
            frequentCount: range(150, 600),
            frequentRatePerSecond: range(0.8, 3),
            /** Page size multiplier over the agent's usual page size for the frequent variant. */
            frequentPageFactor: range(8, 20),
          })
          .strict()
          .prefault({}),
        "token-replay": z
          .object({
            /** Requests per second from the foreign network while the stolen token is valid. */
            ratePerSecond: range(0.1, 1.5),
            /** Upper bound on replayed requests. */
            maxCount: range(30, 300),
          })
          .strict()
          .prefault({}),
        "injection-payload": z
          .object({
            count: range(5, 30),
            intervalSeconds: range(1, 15),
            /** Share of requests with an oversized body rather than an injection string. */
            oversizedBodyShare: z.number().min(0).max(1).default(0.3),
          })
          .strict()
          .prefault({}),
        "recon-probing": z
          .object({
            count: range(25, 120),
            ratePerSecond: range(0.5, 8),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SimulationSettingsInput = z.input<typeof simulationSettingsSchema>;
export type SimulationSettings = z.output<typeof simulationSettingsSchema>;
export type AttackSettings = SimulationSettings["attacks"];

/**
 * Named starting points. `default` is what `simulate` and `eval` use without flags; the others
 * differ in surface, persona mix and attack parameters (stealthier, slower, fewer requests).
 */
export const PRESETS = {
  default: {},
  /** Clinical records API: UUID ids, `internal` admin prefix, document-heavy agents, slower attacks. */
  health: {
    surface: "health",
    benign: {
      mix: { "doc-summarizer": 4, "support-assistant": 2, "billing-reconciler": 2, "ops-auditor": 1 },
      tokenTtlMinutes: [10, 30],
    },
    attacks: {
      "enumeration-fast": { count: [150, 600], ratePerSecond: [3, 12], sequential: 0.6 },
      "enumeration-slow": { count: [40, 120], intervalSeconds: [10, 60] },
      "destructive-injection": { count: [2, 5] },
      "recon-probing": { count: [12, 40], ratePerSecond: [0.2, 2] },
    },
  },
  /** Payments API: prefixed opaque and padded ids, `ops` admin prefix, busy sync agents, quieter attacks. */
  fintech: {
    surface: "fintech",
    benign: {
      mix: { "catalog-sync": 3, "billing-reconciler": 3, "sales-copilot": 1, "support-assistant": 2 },
      nightlyBurstFraction: 0.12,
      addresses: [2, 4],
    },
    attacks: {
      compromiseWindow: [0.5, 0.9],
      aggregation: { objects: [8, 20], intervalSeconds: [2, 8] },
      exfiltration: { oversizedCount: [3, 10], oversizedMegabytes: [2, 20], frequentPageFactor: [5, 10] },
      "token-replay": { ratePerSecond: [0.05, 0.5], maxCount: [15, 120] },
      "injection-payload": { count: [3, 12] },
    },
  },
  /** Many small agents: a third send little traffic, short tokens, fast attacks on a crm surface. */
  sparse: {
    agents: 300,
    benign: { lowTrafficFraction: 0.33, driftFraction: 0.1, tokenTtlMinutes: [5, 15] },
    attacks: {
      compromiseWindow: [0.2, 0.6],
      "enumeration-fast": { ratePerSecond: [30, 120] },
      "destructive-injection": { count: [3, 4], intervalSeconds: [0.5, 4] },
    },
  },
  /**
   * An e-commerce / logistics platform unlike the REST surfaces: store slugs and SKU paths,
   * GraphQL, an MCP tool gateway, token refresh, admin and periodic jobs, and its own attacks.
   */
  commerce: {
    world: "commerce",
    attackedFraction: 0.25,
    attackKinds: [
      "scrape-slow",
      "graphql-walk",
      "credential-stuffing",
      "tool-abuse",
      "enumeration-fast",
      "exfiltration",
      "token-replay",
      "recon-probing",
    ],
  },
} as const satisfies Record<string, SimulationSettingsInput>;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** A preset name given on the command line, refused as INVALID_ARGUMENT when there is no such preset. */
export function assertPreset(name: string): void {
  if (!(PRESET_NAMES as readonly string[]).includes(name))
    throw new AgentwatchError("INVALID_ARGUMENT", `--preset: no preset ${name} (${PRESET_NAMES.join(", ")})`);
}

/**
 * Preset, then file/overrides, deep-merged and validated: one place where settings are resolved.
 * Invalid settings throw INVALID_CONFIG listing every problem with its path.
 */
export function resolveSettings(
  preset: PresetName = "default",
  ...overrides: readonly unknown[]
): SimulationSettings {
  const base = PRESETS[preset];
  if (!base)
    throw new AgentwatchError("INVALID_CONFIG", `unknown preset ${preset} (${PRESET_NAMES.join(", ")})`);
  let merged: unknown = structuredClone(base);
  for (const o of overrides) merged = deepMerge(merged, o);
  const result = simulationSettingsSchema.safeParse(merged);
  if (!result.success) {
    throw new AgentwatchError("INVALID_CONFIG", `simulation settings\n${formatConfigIssues(result.error)}`);
  }
  return result.data;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
