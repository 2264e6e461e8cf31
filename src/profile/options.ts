/**
 * Options of the profile store: its bounds, and the horizons over which a profile remembers.
 * Everything is in event time. Derived per-millisecond rates are computed once in `profileParams`.
 */
import { z } from "zod";
import { duration } from "../config/duration.js";
import { EventCursor } from "./cursor.js";
import { TemplateInterner } from "./interner.js";

const positive = () => z.number().positive();
const count = () => z.number().int().positive();

export const profileStoreOptionsSchema = z
  .object({
    /** Most agents tracked at once; past it the least recently active profile is dropped. */
    maxAgents: count().default(200_000),
    /** A profile not seen for this long (event time) is dropped; the agent starts over as new. */
    idleExpiryMinutes: duration("m", { positive: true }).default(7 * 24 * 60),
    /** Distinct method+template endpoints remembered per agent; further ones share one overflow slot. */
    maxEndpointsPerAgent: z.number().int().min(4).max(1024).default(32),
    /** Distinct endpoint-to-endpoint transitions remembered per agent; past it old counts are halved and the rarest dropped. */
    maxTransitionsPerAgent: z.number().int().min(8).max(4096).default(128),
    /**
     * Size of the global template table shared by all agents; past it new templates are pooled as "(other)".
     * At most 2^20, so an endpoint key (template id * 16 + method) is exact in a profile's Float32 slots.
     */
    maxTemplates: count()
      .max(2 ** 20)
      .default(100_000),
    /** Templates per agent whose object ids are tracked (for enumeration); the least recently used is recycled. */
    maxObjectTemplatesPerAgent: z.number().int().min(1).max(64).default(4),
    /** Client networks, user agents and token ids remembered per agent (each list). */
    identityListSize: z.number().int().min(1).max(32).default(3),
    /** A gap longer than this ends a session: the next request starts a new endpoint chain. */
    sessionGapMinutes: duration("m", { positive: true }).default(30),
    /** Half-life of the endpoint distribution, so old habits fade. */
    endpointHalfLifeHours: duration("h", { positive: true }).default(72),
    /** Half-life of status-class rates (401/403/404/405/5xx share of requests). */
    statusHalfLifeHours: duration("h", { positive: true }).default(24),
    /** A profile is warm (baseline detectors act) after this many events... */
    warmupEvents: count().default(50),
    /** ...spread over at least this much event time. */
    warmupMinutes: duration("m").default(30),
    /** Short rate horizon: how fast a burst is noticed. */
    rateShortSeconds: duration("s", { positive: true }).default(60),
    /** Long rate horizon: the agent's ordinary pace, for request rate and response volume. */
    rateLongMinutes: duration("m", { positive: true }).default(360),
    /** Half-life of the agent's own peak rate and peak volume, so a burst it always has is remembered for days. */
    peakHalfLifeHours: duration("h", { positive: true }).default(7 * 24),
    /** Sliding window over which response bytes are summed (exfiltration). */
    volumeWindowMinutes: duration("m", { positive: true }).default(10),
    /** Window over which error responses across distinct endpoints count as one probing burst. */
    probeWindowMinutes: duration("m", { positive: true }).default(10),
    /** Additive smoothing of the transition model, in pseudo-counts spread by endpoint popularity. */
    transitionSmoothing: positive().default(1),
  })
  .strict();

export type ProfileStoreOptions = z.output<typeof profileStoreOptionsSchema>;

/** Options turned into the numbers the hot path uses, plus the shared template table. */
export interface ProfileParams {
  readonly interner: TemplateInterner;
  /** Scratch for the event being processed, shared by the store's profiles. */
  readonly cursor: EventCursor;
  readonly maxEndpoints: number;
  readonly maxTransitions: number;
  readonly maxObjectTemplates: number;
  readonly identityListSize: number;
  readonly sessionGapMs: number;
  readonly endpointLambda: number;
  readonly statusLambda: number;
  readonly peakLambda: number;
  readonly warmupEvents: number;
  readonly warmupMs: number;
  readonly shortTauMs: number;
  readonly longTauMs: number;
  readonly volumeTauMs: number;
  readonly probeTauMs: number;
  readonly probeWindowMs: number;
  readonly transitionSmoothing: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const halfLife = (ms: number) => Math.LN2 / ms;

export function profileParams(o: ProfileStoreOptions): ProfileParams {
  return {
    interner: new TemplateInterner(o.maxTemplates),
    cursor: new EventCursor(),
    maxEndpoints: o.maxEndpointsPerAgent,
    maxTransitions: o.maxTransitionsPerAgent,
    maxObjectTemplates: o.maxObjectTemplatesPerAgent,
    identityListSize: o.identityListSize,
    sessionGapMs: o.sessionGapMinutes * MINUTE,
    endpointLambda: halfLife(o.endpointHalfLifeHours * HOUR),
    statusLambda: halfLife(o.statusHalfLifeHours * HOUR),
    peakLambda: halfLife(o.peakHalfLifeHours * HOUR),
    warmupEvents: o.warmupEvents,
    warmupMs: o.warmupMinutes * MINUTE,
    shortTauMs: o.rateShortSeconds * 1000,
    longTauMs: o.rateLongMinutes * MINUTE,
    volumeTauMs: o.volumeWindowMinutes * MINUTE,
    probeTauMs: o.probeWindowMinutes * MINUTE,
    probeWindowMs: o.probeWindowMinutes * MINUTE,
    transitionSmoothing: o.transitionSmoothing,
  };
}
