/**
 * enumeration (the Optus pattern): one endpoint walked through object ids, either as a run of
 * numeric ids with a constant step or as many distinct ids answered 401/403/404, or (for an
 * endpoint with a history) far more distinct ids than the agent ever touches there. Counted over
 * the agent's recent requests to that endpoint, not per minute, so slow walks are caught as
 * surely as fast ones, from about the tenth request. Needs no baseline; uses one when there is.
 */
import { z } from "zod";
import { clamp, pct, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import {
  bitCount,
  O_ERR_BASE,
  O_ERR_MASK,
  O_FILL,
  O_GAP,
  O_N,
  O_NOVEL_BASE,
  O_NOVEL_MASK,
  O_POS,
  O_RING,
  O_RUN_BASE,
  O_SIZE,
  O_WALK_ERR,
  O_WALK_N,
  WALK_HORIZON,
} from "../src/profile/layout.js";
import { learnedShare } from "../src/profile/profile.js";

const options = detectorOptions({
  /** Ids in a constant-step run that make it an enumeration (longer than any run the agent completed here). */
  minRun: z.number().int().min(3).default(6),
  /** Distinct ids among the endpoint's recent requests needed for the distinct-id signals. */
  minDistinct: z.number().int().min(2).max(O_RING).default(8),
  /** Share of those requests answered 401/403/404 that makes distinct ids a guess-and-check walk. */
  minErrorShare: z.number().min(0).max(1).default(0.3),
  /**
   * Score when nearly every recent id is new while the agent usually re-reads the same objects
   * here, with no run and no errors: a change worth logging, weak on its own.
   */
  cardinalityScore: z.number().min(0).max(1).default(0.3),
  /** Share of failures on new ids taken as ordinary where the agent has no history of its own. */
  priorErrorShare: z.number().gt(0).lt(1).default(0.05),
  /** A window whose failures are this many decades improbable (binomial tail) scores 1, before caps. */
  errorDecades: z.number().positive().default(8),
  /**
   * Added to the guess-and-check score when the endpoint's whole history is such a walk (nearly
   * all new ids, at least `minErrorShare` failing), growing to the full boost over four windows.
   */
  sustainedBoost: z.number().min(0).max(1).default(0.25),
  /** Accesses of an endpoint before its own share of new ids is trusted as a baseline. */
  baselineAccesses: z.number().int().min(1).default(50),
  /**
   * New-id accesses (decayed over the profile's long walk horizon) before the same failure test is
   * also run over that longer horizon: a walk too slow or too patient for one window adds up there.
   */
  walkAccesses: z.number().positive().default(32),
  /** Over the long horizon, this many decades of improbability score 1 (capped at 0.9): the scale of `errorDecades`. */
  walkDecades: z.number().positive().default(8),
});

export const enumeration: DetectorDescriptor<typeof options> = {
  name: "enumeration",
  description:
    "Sequential or high-cardinality object ids on one endpoint, usually with 401/403/404, at any speed",
  kind: "baseline-free",
  options,
  create(o) {
    return {
      name: "enumeration",
      inspect(event, profile, out) {
        const idx = profile.cursor.obj;
        if (idx < 0 || profile.cursor.objKey === 0) return;
        const t = profile.f;
        const b = profile.objBase + idx * O_SIZE;
        // The window as it will be once this access is in it.
        const err = profile.cursor.missed;
        const fill = t[b + O_FILL] as number;
        let n = fill + 1;
        let novel = bitCount(t[b + O_NOVEL_MASK] as number) + (profile.cursor.objSeen ? 0 : 1);
        let errors = bitCount(t[b + O_ERR_MASK] as number) + (err ? 1 : 0);
        if (fill === O_RING) {
          const bit = 1 << (t[b + O_POS] as number);
          n = O_RING;
          if ((t[b + O_NOVEL_MASK] as number) & bit) novel--;
          if ((t[b + O_ERR_MASK] as number) & bit) errors--;
        }
        const runLength = profile.cursor.run;
        const runBase = t[b + O_RUN_BASE] as number;
        const errShare = errors / n;
        const accesses = t[b + O_N] as number;
        const novelBase = t[b + O_NOVEL_BASE] as number;
        const errBase = t[b + O_ERR_BASE] as number;

        let score = 0;
        // Walks by one are what enumeration looks like and what chance rarely produces; a chain with
        // a larger step must be longer before random reads of a small id pool could not explain it.
        const minRun = Math.abs(profile.cursor.runStep) === 1 ? o.minRun : o.minRun + 4;
        // A walk keeps finding ids the window has not seen; re-reading a small pool does not.
        if (runLength >= minRun && runLength > runBase * 2 && novel >= n * 0.5)
          score = 0.35 + 0.06 * (runLength - minRun);
        if (novel >= o.minDistinct && errShare >= o.minErrorShare) {
          // The endpoint's history excuses failures only if it is not itself such a walk: nearly all
          // new ids with this share failing is the walk's own record (as with an agent compromised
          // within its first requests), not a habit; and a walk that long is stronger evidence.
          const walking =
            accesses > O_RING &&
            learnedShare(novelBase, accesses) >= 0.8 &&
            learnedShare(errBase, accesses) >= o.minErrorShare;
          // How unlikely this many failures among the window's new ids are at the rate the agent
          // usually sees here (its own, once it has one and unless this walk is that history; never
          // below `priorErrorShare`): a binomial tail, in decades.
          const usualErr = accesses >= o.baselineAccesses && !walking ? learnedShare(errBase, accesses) : 0;
          const decades = -log10BinomialTail(errors, n, Math.max(o.priorErrorShare, usualErr));
          if (walking || (errShare > errBase + 0.25 && decades > 0)) {
            // Guesses are all different ids; failures among re-read ids (stale records) are not guessing.
            const improbable = novel >= n - 1 ? Math.min(decades / o.errorDecades, 0.8) : 0;
            let s = Math.max(0.1 + 0.7 * errShare, improbable) * Math.min(1, novel / 12);
            if (walking) s += o.sustainedBoost * Math.min(1, (accesses - O_RING) / (3 * O_RING));
            score = score > 0 ? Math.max(score, s) + 0.1 : s;
          }
        }
        // The same question over the endpoint's last ~WALK_HORIZON new ids: against the failure share
        // the agent had here before them (the walk must not excuse itself), how improbable are they?
        const keep = 1 - 1 / WALK_HORIZON;
        const novelNow = !profile.cursor.objSeen;
        const walkN = (t[b + O_WALK_N] as number) * (novelNow ? keep : 1) + (novelNow ? 1 : 0);
        const walkErr = (t[b + O_WALK_ERR] as number) * (novelNow ? keep : 1) + (novelNow && err ? 1 : 0);
        let walkUsual = o.priorErrorShare;
        let walkScore = 0;
        if (walkN >= o.walkAccesses) {
          const before = accesses - walkN;
          if (before >= o.baselineAccesses)
            walkUsual = Math.max(
              walkUsual,
              Math.min(1, Math.max(0, learnedShare(errBase, accesses) * accesses - walkErr) / before),
            );
          const share = walkErr / walkN;
          if (share >= 2 * walkUsual && share >= walkUsual + 0.1) {
            const decades = -log10BinomialTail(Math.round(walkErr), Math.round(walkN), walkUsual);
            walkScore = Math.min(decades / o.walkDecades, 0.9);
          }
        }
        if (walkScore > score) score = walkScore;
        if (
          score === 0 &&
          accesses >= o.baselineAccesses &&
          novel >= Math.min(O_RING, o.minDistinct * 1.5) &&
          novel / n >= 0.9 &&
          novelBase < 0.3
        ) {
          score = o.cardinalityScore;
        }
        if (score === 0) return;
        const gap = t[b + O_GAP] as number;
        const runText =
          runLength >= 3 ? `, ${runLength} in a sequential run (step ${profile.cursor.runStep})` : "";
        const usual =
          accesses >= o.baselineAccesses
            ? `agent's usual here: ${pct(novelBase)} new ids, ${pct(errBase)} errors`
            : `no baseline yet: ${accesses} earlier requests here`;
        out.push({
          detector: "enumeration",
          score: clamp(score, 0, 0.95),
          detail:
            `${event.method} ${event.template}: ${novel} distinct ids in the last ${n} requests` +
            `${gap > 0 ? ` (recent pace: one every ${span(gap)})` : ""}${runText}, ${pct(errShare)} answered 401/403/404 (${usual})` +
            (walkScore > 0
              ? `; over the last ~${Math.round(walkN)} new ids here ${pct(walkErr / walkN)} failed vs ${pct(walkUsual)} usual before them`
              : ""),
        });
      },
    };
  },
};

/** log10 of P(X >= k) for X ~ Binomial(n, p); n is at most a ring's worth, so the sum is short. */
function log10BinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (p >= 1) return 0;
  let logC = 0; // log C(n, j), built up from j = 0
  for (let j = 1; j <= k; j++) logC += Math.log((n - j + 1) / j);
  let total = 0;
  const lp = Math.log(p);
  const lq = Math.log(1 - p);
  for (let j = k; j <= n; j++) {
    total += Math.exp(logC + j * lp + (n - j) * lq);
    logC += Math.log((n - j) / (j + 1));
  }
  return total > 0 ? Math.min(0, Math.log10(total)) : Number.NEGATIVE_INFINITY;
}
