/**
 * The engine: the pure, synchronous core behind one call. `process(event)` looks the event up
 * against the agent's profile, runs every enabled detector on the profile as it was, lets the
 * profile absorb the event, updates the agent's risk, and returns the alert it raised, if any.
 * No I/O and no clock: time is the event's timestamp, so a replay gives the same alerts as live.
 */
import { z } from "zod";
import { DETECTORS } from "../../detectors/index.js";
import { alertActionsOf, tiersSchema } from "../actions/policy.js";
import type { NormalizedEvent } from "../events/event.js";
import { RouteTemplateLearner, templateLearningOptionsSchema } from "../normalize/route-template-learner.js";
import { S_ALERT_TIER, S_FIRST } from "../profile/layout.js";
import { profileStoreOptionsSchema } from "../profile/options.js";
import { ProfileStore } from "../profile/store.js";
import { buildAlert } from "../risk/alert.js";
import { riskOptionsSchema } from "../risk/options.js";
import { RiskScorer } from "../risk/scorer.js";
import {
  type Alert,
  type Detector,
  type DetectorDescriptor,
  type Finding,
  SEVERITIES,
  type Severity,
  type TierAction,
} from "./types.js";

/** Options of every registered detector, keyed by name; an unknown name is an error. */
export const detectorsOptionsSchema = z
  .object(Object.fromEntries(DETECTORS.map((d) => [d.name, d.options.prefault({})])))
  .strict();

export const engineOptionsSchema = z
  .object({
    /** Route templates learned from the traffic (slugs, SKUs, opaque ids no shape rule knows). */
    templates: templateLearningOptionsSchema.prefault({}),
    /** Bounds of the profile store and the horizons profiles remember over. */
    profiles: profileStoreOptionsSchema.prefault({}),
    /** Per-detector options (each has `enabled` and `weight`), keyed by detector name. */
    detectors: detectorsOptionsSchema.prefault({}),
    /** How findings combine into a risk score, the tiers, and alert repetition. */
    risk: riskOptionsSchema.prefault({}),
  })
  .strict();

export type EngineOptions = z.output<typeof engineOptionsSchema>;

export interface EngineStats {
  agents: number;
  findingsByDetector: Record<string, number>;
  alertsBySeverity: Record<Severity, number>;
  /** Detector calls that threw (a bug, counted rather than allowed to stop the stream). */
  detectorErrors: number;
}

export interface Engine {
  /** Apply one event: detectors inspect it against the profile as it was, the profile absorbs it, risk updates; returns the alert it raised, if any. */
  process(event: NormalizedEvent): Alert | undefined;
  /** For the status API: iterate, get, size, summarize, snapshot/restore. */
  readonly profiles: ProfileStore;
  stats(): EngineStats;
}

/** An agent that had been alerted on has fallen back below every tier. */
export interface TierRecovery {
  agentId: string;
  identitySource: NormalizedEvent["identitySource"];
  /** The highest tier still in force before the fall (the last one alerted, or lower after partial recovery). */
  previousSeverity: Severity;
  riskScore: number;
  /** The agent's clock at the event on which the fall was seen (never before the alert it ends), ISO 8601. */
  timestamp: string;
  requestId?: string;
}

/** Optional callbacks from the engine, called synchronously from `process()`. */
export interface EngineHooks {
  /**
   * An agent's tier fell back to none: its risk decayed below the low tier (with the risk
   * options' hysteresis) after an alert. For the action layer to resolve incidents it opened
   * (PagerDuty "resolve", lifting a throttle). Seen in event time, on the agent's next event: an
   * agent that sends nothing more is not reported, so a caller wanting a wall-clock resolution
   * must also time out on its side. Not an Alert: alerts only ever report a tier rising or staying up.
   */
  onRecovered?(recovery: TierRecovery): void;
}

/** What the engine is wired to besides its own options. */
export interface EngineWiring {
  /** Detectors to run; the built-in registry unless a test passes its own. */
  registry?: readonly DetectorDescriptor[];
  hooks?: EngineHooks;
  /**
   * The `action` label of each tier's alerts: `alertActionsOf(config.actions.tiers)`, so an alert
   * says what the action layer will do. Defaults to the labels of the default tier map.
   */
  alertActions?: Readonly<Record<Severity, TierAction>>;
}

interface EnabledOptions {
  enabled: boolean;
  weight: number;
}

const DEFAULT_ALERT_ACTIONS = alertActionsOf(tiersSchema.parse({}));

/** Builds the engine from parsed options (`engineOptionsSchema.parse(...)`). */
export function createEngine(
  options: EngineOptions,
  { registry = DETECTORS, hooks = {}, alertActions = DEFAULT_ALERT_ACTIONS }: EngineWiring = {},
): Engine {
  const detectorOptions = options.detectors as Record<string, EnabledOptions | undefined>;
  const settings = registry.map((d) => {
    const o = (detectorOptions[d.name] ?? d.options.parse({})) as EnabledOptions;
    return { descriptor: d, options: o };
  });
  const scorer = new RiskScorer(
    options.risk,
    settings.map(({ descriptor, options: o }) => ({
      name: descriptor.name,
      kind: descriptor.kind,
      weight: o.weight,
    })),
  );
  const active = settings.filter((s) => s.options.enabled && s.options.weight > 0);
  const detectors: Detector[] = active.map((s) => s.descriptor.create(s.options));
  const needsWarmProfile = active.map((s) => s.descriptor.kind === "baseline");
  /** Detectors with state of their own to update (indices into `detectors`). */
  const absorbing = detectors.flatMap((d, i) => (d.absorb === undefined ? [] : [i]));
  const names = registry.map((d) => d.name);
  const profiles = new ProfileStore(options.profiles, {
    detectorNames: names,
    tierOf: (score) => scorer.tierOf(score),
  });

  const findingCounts = new Map<string, number>(names.map((n) => [n, 0]));
  const alertCounts: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  let detectorErrors = 0;
  const findings: Finding[] = [];
  const templates = new RouteTemplateLearner(options.templates);

  function process(event: NormalizedEvent): Alert | undefined {
    const templateSource = templates.apply(event);
    const profile = profiles.acquire(event.agentId, event.timestamp);
    profile.prepare(event);
    // The agent's clock, never behind its latest event: state moves on it; the alert keeps the event's own time.
    const time = profile.cursor.time;
    findings.length = 0;
    const warm = profile.isWarm();
    for (let i = 0; i < detectors.length; i++) {
      if (needsWarmProfile[i] && !warm) continue;
      try {
        (detectors[i] as Detector).inspect(event, profile, findings);
      } catch {
        detectorErrors++;
      }
    }
    for (let i = 0; i < findings.length; i++) {
      const name = (findings[i] as Finding).detector;
      findingCounts.set(name, (findingCounts.get(name) ?? 0) + 1);
    }
    const learning = time - (profile.s[S_FIRST] as number) < scorer.learningMs;
    const risk = scorer.update(profile, findings, time, event.identitySource === "ip", learning);
    for (let i = 0; i < absorbing.length; i++) {
      const k = absorbing[i] as number;
      if (needsWarmProfile[k] && !warm) continue;
      try {
        (detectors[k] as Detector).absorb?.(event, profile);
      } catch {
        detectorErrors++;
      }
    }
    profile.absorb(event);
    if (profile.risk === undefined) return undefined;
    const before = profile.s[S_ALERT_TIER] as number;
    const decision = scorer.decide(profile, risk, time);
    if (before > 0 && profile.s[S_ALERT_TIER] === 0 && hooks.onRecovered !== undefined) {
      hooks.onRecovered({
        agentId: event.agentId,
        identitySource: event.identitySource,
        previousSeverity: SEVERITIES[before - 1] as Severity,
        riskScore: risk,
        timestamp: new Date(time).toISOString(),
        ...(event.requestId ? { requestId: event.requestId } : {}),
      });
    }
    if (decision === undefined) return undefined;
    alertCounts[decision.severity]++;
    return buildAlert(event, risk, decision, alertActions[decision.severity], templateSource);
  }

  return {
    process,
    profiles,
    stats: () => ({
      agents: profiles.size,
      findingsByDetector: Object.fromEntries(findingCounts),
      alertsBySeverity: { ...alertCounts },
      detectorErrors,
    }),
  };
}
