/**
 * new-endpoint: a warm agent calls a method + route it has never used. A new read is a small
 * signal (agents drift); a new write, and above all a DELETE or an admin/internal-looking route,
 * is what a hijacked agent does. How surprising "new" is depends on the agent: one still
 * discovering its own workflow is expected to call unseen endpoints, one that settled is not.
 */
import { z } from "zod";
import { duration } from "../src/config/duration.js";
import { clamp, pct, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { isWriteMethodCode } from "../src/profile/keys.js";
import { S_EVENTS, S_FIRST, S_NEW_RECENT, S_PR_N, T_HITS, T_LAST, T_STRIDE } from "../src/profile/layout.js";
import { isSensitiveRoute } from "../src/profile/scanner-paths.js";

const score = () => z.number().min(0).max(1);

const options = detectorOptions({
  /** Score of a first call to a new read endpoint (GET, HEAD, OPTIONS): drift, not an attack. */
  readScore: score().default(0.15),
  /** Score of a first call to a new POST, PUT or PATCH endpoint. */
  writeScore: score().default(0.28),
  /** Score of a first call to a new DELETE endpoint. */
  deleteScore: score().default(0.55),
  /** Added when the route looks administrative, internal, debug or credential-related (half of it for reads). */
  sensitiveBoost: score().default(0.3),
  /** Highest score for a new endpoint that is neither a DELETE nor a privileged write, unless it is part of a burst... */
  maxReadScore: score().default(0.45),
  /** ...of at least this many new endpoints within the last minutes. */
  burstCount: z.number().int().min(2).default(5),
  /**
   * A burst scores by its improbability under the agent's own chance of a new endpoint: this many
   * decades (a Poisson tail of 10^-burstDecades) score 1, before the `maxBurstScore` cap.
   */
  burstDecades: z.number().positive().default(12),
  /** Span of history (hours) before an agent's request count fully backs its estimated chance of a new endpoint (ordinary endpoints and bursts). */
  burstMaturityHours: duration("h", { positive: true }).default(24),
  /** Highest score of a burst of new read endpoints on improbability alone. */
  maxBurstScore: score().default(0.75),
  /**
   * An agent whose estimated chance of calling an endpoint it never used is at least this share
   * of its requests (Good-Turing: endpoints called exactly once / requests) is still discovering
   * its own workflow: a new endpoint then scores nothing...
   */
  unsurprisingShare: z.number().gt(0).lt(1).default(0.05),
  /** ...and at or below this share, a new endpoint gets its full score (log-interpolated between). */
  surprisingShare: z.number().gt(0).lt(1).default(0.002),
});

export const newEndpoint: DetectorDescriptor<typeof options> = {
  name: "new-endpoint",
  description:
    "A warm agent calls an endpoint it never used; weighted up for writes, DELETE and admin-looking routes",
  kind: "baseline",
  options,
  create(o) {
    const logSpan = Math.log(o.unsurprisingShare / o.surprisingShare);
    return {
      name: "new-endpoint",
      inspect(event, profile, out) {
        if (!profile.cursor.isNew) return;
        const code = profile.cursor.key % 16;
        const sensitive = isSensitiveRoute(event.template);
        const base = code === 5 ? o.deleteScore : isWriteMethodCode(code) ? o.writeScore : o.readScore;
        // Good-Turing estimate of this agent's chance to call an unseen endpoint. Endpoints first
        // called in the last minutes do not count: they may be this very episode.
        const settled = profile.relative(profile.cursor.time) - profile.params.probeWindowMs;
        let once = 0;
        for (let b = 0; b < profile.slots * T_STRIDE; b += T_STRIDE) {
          if (profile.f[b + T_HITS] === 1 && (profile.f[b + T_LAST] as number) < settled) once++;
        }
        const events = profile.s[S_EVENTS] as number;
        const age = profile.cursor.time - (profile.s[S_FIRST] as number);
        const write = isWriteMethodCode(code);
        const privileged = code === 5 || (write && sensitive);
        // Requests of an agent's first hours (a first batch, one busy session) are not independent
        // samples of its whole workflow: for an ordinary endpoint, the history counts in full only
        // once it spans `burstMaturityHours`. A destructive or privileged call gets no such allowance.
        const maturity = Math.min(1, age / (o.burstMaturityHours * 3_600_000));
        const pNew = (once + 1) / ((privileged ? events : events * maturity) + 1);
        const surprise = clamp(Math.log(o.unsurprisingShare / pNew) / logSpan, 0, 1);
        // Several new endpoints within minutes compound: 1 - (1 - s)^(1 + companions). A new feature
        // of a workflow often brings a read and a write at once, so for ordinary endpoints the first
        // companion is free; a destructive or privileged call gets no such allowance.
        const companions = (profile.s[S_NEW_RECENT] as number) * profile.cursor.decayProbe;
        const recent = privileged ? companions : Math.max(0, companions - 1);
        const boost = sensitive ? (write ? o.sensitiveBoost : o.sensitiveBoost / 2) : 0;
        const single = clamp(base + boost, 0, 1) * surprise;
        // A few new ordinary endpoints stay below the throttle tier unless another detector agrees; a
        // burst of them (an agent suddenly calling everything it can reach) does not, and neither
        // does a destructive or privileged call.
        const cap = privileged || companions >= o.burstCount ? 1 : o.maxReadScore;
        let s = Math.min(1 - (1 - single) ** (1 + recent), cap);
        if (companions + 1 >= o.burstCount) {
          // A burst of new endpoints from an agent that rarely calls one: how unlikely is it under the
          // agent's own chance of a new endpoint (Poisson tail over the requests of the last minutes)?
          // The chance is an estimate from few singletons: judge against its upper bound (two
          // standard errors on the count), so a young agent still finding its way is not surprising.
          // Requests of an agent's first hours (a first batch, say) say little about the rest of its
          // day: the history counts in full only once it spans `burstMaturityHours`.
          const seen = events * maturity;
          const pHigh = (once + 1 + 2 * Math.sqrt(once + 1)) / (seen + 1);
          const requests = (profile.s[S_PR_N] as number) * profile.cursor.decayProbe + 1;
          const decades = -log10PoissonTail(companions + 1, pHigh * requests);
          s = Math.max(s, clamp(decades / o.burstDecades, 0, o.maxBurstScore));
        }
        if (s <= 0) return;
        out.push({
          detector: "new-endpoint",
          score: s,
          detail:
            `${event.method} ${event.template}: first call to this endpoint after ${events} requests over ${span(age)} ` +
            `to ${profile.slots} known endpoints${sensitive ? "; the route looks administrative/internal" : ""} ` +
            `(agent's estimated chance of a new endpoint: ${pct(pNew)} per request` +
            `${companions >= 0.5 ? `; ${Math.round(companions)} other new endpoints in the last minutes` : ""})`,
        });
      },
    };
  },
};

/** log10 of P(X >= k) for X ~ Poisson(lambda), k >= 1; summed in log space so tiny tails stay finite. */
function log10PoissonTail(k: number, lambda: number): number {
  if (lambda <= 0) return Number.NEGATIVE_INFINITY;
  // Terms from k upward shrink fast once k > lambda; a few dozen cover any tail we score.
  let logTerm = -lambda + Math.floor(k) * Math.log(lambda) - logFactorial(Math.floor(k));
  let sum = 0;
  const first = logTerm;
  for (let j = Math.floor(k); j < Math.floor(k) + 40; j++) {
    sum += Math.exp(logTerm - first);
    logTerm += Math.log(lambda) - Math.log(j + 1);
  }
  return Math.min(0, (first + Math.log(sum)) / Math.LN10);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}
