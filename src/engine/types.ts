/**
 * Contracts of the pure core: what a detector is, what it reports, and what the engine emits.
 * Everything here is synchronous and free of I/O and clock reads; time is the event's timestamp.
 */
import type { z } from "zod";
import type { NormalizedEvent } from "../events/event.js";
import type { AgentProfile } from "../profile/profile.js";

/** One reason an event looks wrong. */
export interface Finding {
  /** Name of the detector that produced it. */
  detector: string;
  /** How strongly this detector believes the agent misbehaves, in [0, 1]. */
  score: number;
  /** Observed vs baseline, in words a security engineer understands. */
  detail: string;
  /** The declarative rule that produced it (detector `rules` only), so alerts and `rules test` can name it. */
  rule?: string;
}

export interface Detector {
  readonly name: string;
  /**
   * Inspect `event` against `profile` as it stood *before* this event, pushing findings (if any)
   * into `out`. Must not allocate on the common no-finding path, and must not mutate the profile
   * (the profile store absorbs the event after all detectors ran).
   */
  inspect(event: NormalizedEvent, profile: AgentProfile, out: Finding[]): void;
  /**
   * For a detector that owns state of its own in the profile (rather than in the shared layout):
   * update it for `event`, after every detector inspected it and before the profile absorbs it.
   * Called for every event `inspect` was called for, right after.
   */
  absorb?(event: NormalizedEvent, profile: AgentProfile): void;
}

/** Self-description of a detector; `detectors/index.ts` lists one per file. */
export interface DetectorDescriptor<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for the README and `agentwatch detectors`. */
  readonly description: string;
  /** `baseline` detectors wait until the agent's profile is warm; `baseline-free` act from the first event. */
  readonly kind: "baseline" | "baseline-free";
  /** Options with defaults; `.strict()` so a typo in config is an error. */
  readonly options: Schema;
  create(options: z.output<Schema>): Detector;
}

export type Severity = "low" | "medium" | "high" | "critical";
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];

/** What a tier asks the action layer to do. */
export type TierAction = "log" | "throttle" | "block" | "block-and-revoke";

export interface Alert {
  /** Deterministic id (agent + tier + triggering event), so re-processing the same events yields the same ids. */
  id: string;
  agentId: string;
  identitySource: NormalizedEvent["identitySource"];
  /**
   * The identity was vouched for, not just claimed (`NormalizedEvent.authenticated` of the
   * triggering event). An alert without it never revokes a token: its tier's revoke becomes a block.
   */
  authenticated: boolean;
  severity: Severity;
  riskScore: number;
  /** Event time of the triggering event, ISO 8601. */
  timestamp: string;
  requestId?: string;
  action: TierAction;
  /** Strongest findings first. */
  reasons: Finding[];
  /** Triggering request, for the analyst: method, path template, status, client address. */
  request: {
    method: string;
    template: string;
    status: number;
    clientIp: string;
    /** How the template was formed, when it holds a parameter learned from the traffic. */
    templateSource?: string;
  };
  /** Hashed token id (never the token itself), when the event had one. */
  tokenHash?: string;
}
