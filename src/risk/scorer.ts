/**
 * Risk scoring: findings in, one score in [0, 1] per agent out, and the decision to alert.
 *
 * Each detector keeps its own evidence level per agent, decaying with a half-life in event time.
 * A new finding raises it to at least its (weighted) score; a repeated one moves it further, toward
 * a ceiling that grows with the finding's strength and `repeatGain`. The agent's risk is the noisy-OR over detectors,
 * 1 - prod(1 - evidence_d): two independent signals at 0.5 make 0.75, one detector shouting
 * 0.5 twice makes less. The result maps to tiers; an alert goes out when the tier rises, and
 * again after a cool-down while it stays up.
 */
import type { Finding, Severity } from "../engine/types.js";
import {
  RISK_HISTORY,
  S_ALERT_TIER,
  S_ALERT_TIME,
  S_HIST_FILL,
  S_HIST_POS,
  S_RISK,
  S_RISK_TIME,
} from "../profile/layout.js";
import type { AgentProfile, RiskState } from "../profile/profile.js";
import type { RiskOptions } from "./options.js";

/** Risk below this is treated as none (and not recorded in history). */
const NEGLIGIBLE = 0.01;
/** A detector explains the score in an alert only with at least this much evidence left. */
const REASON_EVIDENCE = 0.05;
/**
 * Evidence summed over detectors below which an agent's risk memory has drained: its risk already
 * reads as none. It is then released, as CrowdSec drops a leaky bucket that has emptied, so memory
 * follows the agents that carry risk now rather than every agent that ever had a weak finding.
 */
const DRAINED = NEGLIGIBLE;
const HISTORY_STEP = 0.05;

export const TIER_NAMES = ["none", "low", "medium", "high", "critical"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** What the scorer needs to know about each registered detector, in registry order. */
export interface ScoredDetector {
  readonly name: string;
  readonly kind: "baseline" | "baseline-free";
  /** The detector's `weight` option. */
  readonly weight: number;
}

/** Outcome of one event for the alerting decision. */
export interface TierDecision {
  severity: Severity;
  /** Detectors' latest findings that still carry evidence, strongest first. */
  reasons: Finding[];
}

export class RiskScorer {
  private readonly lambda: number;
  private readonly thresholds: readonly number[];
  private readonly cooldownMs: number;
  private readonly indexByName = new Map<string, number>();
  private readonly weights: Float64Array;
  private readonly ipWeights: Float64Array;
  /** Per detector, 1 when it needs no baseline (acts during the learning period too). */
  private readonly baselineFree: Uint8Array;
  /** Highest risk baseline evidence may reach during the learning period (just under the tier above `maxTier`). */
  private readonly learningCap: number;
  readonly learningMs: number;
  /** Per detector, the `stamp` of the update that last set its finding. */
  private readonly setAt: Float64Array;
  private stamp = 0;

  constructor(
    private readonly options: RiskOptions,
    private readonly detectors: readonly ScoredDetector[],
  ) {
    this.lambda = Math.LN2 / (options.halfLifeMinutes * 60_000);
    const t = options.tiers;
    this.thresholds = [t.low, t.medium, t.high, t.critical];
    this.cooldownMs = options.cooldownMinutes * 60_000;
    this.weights = new Float64Array(detectors.length);
    this.ipWeights = new Float64Array(detectors.length);
    this.setAt = new Float64Array(detectors.length);
    this.baselineFree = new Uint8Array(detectors.length);
    this.learningMs = options.learning.hours * 3_600_000;
    const above = ["none", "low", "medium", "high"].indexOf(options.learning.maxTier);
    this.learningCap = (this.thresholds[above] as number) - 1e-9;
    detectors.forEach((d, i) => {
      this.baselineFree[i] = d.kind === "baseline" ? 0 : 1;
      this.indexByName.set(d.name, i);
      this.weights[i] = d.weight;
      this.ipWeights[i] = d.weight * (d.kind === "baseline" ? options.ipScopedBaselineWeight : 1);
    });
  }

  /** Tier index of a score: 0 none, 1 low .. 4 critical. */
  tierIndex(score: number): number {
    const t = this.thresholds;
    let i = 0;
    while (i < t.length && score >= (t[i] as number)) i++;
    return i;
  }

  tierOf(score: number): TierName {
    return TIER_NAMES[this.tierIndex(score)] as TierName;
  }

  /**
   * Brings the agent's evidence forward to `time`, adds `findings`, and stores and returns the new
   * risk. Allocates only when an agent without risk memory has a finding (see `DRAINED`).
   */
  update(
    p: AgentProfile,
    findings: readonly Finding[],
    time: number,
    ipScoped: boolean,
    learning = false,
  ): number {
    const s = p.s;
    let state = p.risk;
    if (state === undefined) {
      if (findings.length === 0) return 0;
      state = this.newState();
      p.risk = state;
      s[S_RISK_TIME] = time;
    }
    const ev = state.numbers;
    const n = state.historyAt;
    const dt = time - (s[S_RISK_TIME] as number);
    if (dt > 0) {
      const f = Math.exp(-this.lambda * dt);
      let total = 0;
      for (let i = 0; i < n; i++) {
        ev[i] = (ev[i] as number) * f;
        total += ev[i] as number;
      }
      s[S_RISK_TIME] = time;
      // Only once no tier is held: leaving a tier is `decide`'s to see (and to report as a recovery).
      if (total < DRAINED && findings.length === 0 && s[S_ALERT_TIER] === 0) {
        this.release(p);
        return 0;
      }
    }
    const weights = ipScoped ? this.ipWeights : this.weights;
    this.stamp++;
    const gain = this.options.repeatGain;
    for (let k = 0; k < findings.length; k++) {
      const finding = findings[k] as Finding;
      const i = this.indexByName.get(finding.detector);
      if (i === undefined) continue;
      const x = Math.min(1, Math.max(0, finding.score)) * (weights[i] as number);
      // Repetition moves evidence halfway toward a ceiling of x + (1 - x) * x * repeatGain: a strong
      // signal repeated escalates, a weak one stays weak however often it repeats, and only
      // corroboration by other detectors reaches the top. Evidence drained below DRAINED is no
      // earlier finding any more: the same whether or not the memory was released in between.
      const e = ev[i] as number;
      const hi = Math.max(x, e);
      const ceiling = x + (1 - x) * x * gain;
      ev[i] = e >= DRAINED && ceiling > hi ? hi + (ceiling - hi) * 0.5 : hi;
      // Within one event keep the detector's strongest finding; across events the newest explains best.
      const prior = state.lastFindings[i];
      if (this.setAt[i] !== this.stamp || prior === undefined || finding.score > prior.score) {
        state.lastFindings[i] = finding;
        this.setAt[i] = this.stamp;
      }
    }
    let keepFree = 1;
    let keepBaseline = 1;
    for (let i = 0; i < n; i++) {
      if (this.baselineFree[i] === 1) keepFree *= 1 - (ev[i] as number);
      else keepBaseline *= 1 - (ev[i] as number);
    }
    // Learning: baseline evidence on its own reaches at most the cap; baseline-free evidence counts
    // in full, and baseline evidence still corroborates it.
    const baseline = learning ? Math.min(1 - keepBaseline, this.learningCap) : 1 - keepBaseline;
    const combined = 1 - keepFree * (1 - baseline);
    const risk = combined < NEGLIGIBLE ? 0 : combined;
    if (findings.length > 0) this.record(state, s, time, risk);
    s[S_RISK] = risk;
    return risk;
  }

  /**
   * Whether the event that brought the agent to `risk` should raise an alert: the tier rose above
   * the last alerted one, or it stayed up for a cool-down since the last alert.
   */
  decide(p: AgentProfile, risk: number, time: number): TierDecision | undefined {
    const s = p.s;
    const tier = this.tierIndex(risk);
    let alerted = s[S_ALERT_TIER] as number;
    while (alerted > 0 && risk < (this.thresholds[alerted - 1] as number) * this.options.hysteresis)
      alerted--;
    s[S_ALERT_TIER] = alerted;
    if (tier === 0) return undefined;
    const rose = tier > alerted;
    if (!rose && !(tier === alerted && time - (s[S_ALERT_TIME] as number) >= this.cooldownMs))
      return undefined;
    s[S_ALERT_TIER] = tier;
    s[S_ALERT_TIME] = time;
    const severity = TIER_NAMES[tier] as Severity;
    return { severity, reasons: this.reasons(p) };
  }

  private reasons(p: AgentProfile): Finding[] {
    const state = p.risk as RiskState;
    const out: Finding[] = [];
    for (let i = 0; i < this.detectors.length; i++) {
      const f = state.lastFindings[i];
      if (f !== undefined && (state.numbers[i] as number) >= REASON_EVIDENCE) out.push({ ...f });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  /**
   * Forgets a drained agent's risk memory: evidence, latest findings and the history ring. The
   * alerts it raised stay in the alert log; a later finding starts afresh, as a first one.
   */
  private release(p: AgentProfile): void {
    p.risk = undefined;
    const s = p.s;
    s[S_RISK] = 0;
    s[S_HIST_POS] = 0;
    s[S_HIST_FILL] = 0;
  }

  private newState(): RiskState {
    const n = this.detectors.length;
    return {
      numbers: new Float64Array(n + RISK_HISTORY * 2),
      historyAt: n,
      lastFindings: new Array(n).fill(undefined),
    };
  }

  /** Appends (time, risk) to the agent's history ring when the risk moved noticeably. */
  private record(state: RiskState, s: Float64Array, time: number, risk: number): void {
    const h = state.numbers;
    const at = state.historyAt;
    const fill = s[S_HIST_FILL] as number;
    const pos = s[S_HIST_POS] as number;
    const lastRisk = fill > 0 ? (h[at + ((pos - 1 + RISK_HISTORY) % RISK_HISTORY) * 2 + 1] as number) : 0;
    if (Math.abs(risk - lastRisk) < HISTORY_STEP) return;
    h[at + pos * 2] = time;
    h[at + pos * 2 + 1] = risk;
    s[S_HIST_POS] = (pos + 1) % RISK_HISTORY;
    s[S_HIST_FILL] = Math.min(fill + 1, RISK_HISTORY);
  }
}
