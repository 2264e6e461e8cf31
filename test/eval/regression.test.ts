// Keeps agentwatch's detection quality on the default simulation from silently getting worse.
//
// The thresholds below are the figures measured with
//   agentwatch eval            (= runEval({}): preset "default", seed 1, 200 agents, 48 h, ~222k events)
// on 2026-11-23 against the engine in the tree at that time (see RECORDED_AT). When a change makes
// a figure better, tighten the threshold to the new value in the same commit; when a change to
// the simulator alters the stream (the pinned counts fail), re-measure and re-record all of them.
import { beforeAll, describe, expect, it } from "vitest";
import type { EvalReport } from "../../src/eval/report.js";
import { runEval } from "../../src/eval/run.js";

// Measured on the committed tree (a `git archive HEAD` copy, so work in progress elsewhere in the
// shared tree did not leak in). From here on, only ever tighten them.
const RECORDED_AT =
  "branch detect (record-harvest, long-horizon enumeration, new-endpoint maturity): block recall 1; median TTD 3 (see below)";

/** The stream the thresholds were measured on. */
const STREAM = {
  events: 222_204,
  agents: 200,
  activeAgents: 198,
  attackedAgents: 32,
  maliciousEvents: 6_988,
};

const THRESHOLDS = {
  /** Recall over attacked agents at the block level (high or critical alert), at least. */
  blockRecall: 1,
  /** Share of active agents falsely throttled (medium or worse before/without an attack), at most. */
  falseThrottleRate: 0,
  /** Share of active agents falsely blocked, at most. */
  falseBlockRate: 0,
  /** Median malicious requests before the first throttle-level alert, at most. */
  // Was 2.5: the two aggregation agents that were missed are now detected, late in their harvest
  // (aggregation median 24 throttle / 49 block), and joining the median moves it to 3.
  medianTimeToDetect: 3,
  /** Destructive-injection agents blocked (of 4), at least. */
  destructiveBlocked: 4,
  /** Worst blocked destructive-injection agent: malicious requests until blocked, at most. */
  destructiveBlockedWithin: 2,
};

/**
 * The baselines do not depend on the engine: on the pinned stream their figures are exact, so a
 * change here means the simulator, the decoder's route templating (the z-score baseline's
 * new-endpoint check reads templates) or the evaluation itself changed. Re-record deliberately.
 */
const BASELINES = {
  "rate-limit": { throttle: [4, 3, 85.5], block: [4, 3, 172] },
  "size-zscore": { throttle: [28, 173, 3.5], block: [25, 161, 5] },
};

describe(`detection quality on the default simulation (recorded ${RECORDED_AT})`, () => {
  let report: EvalReport;
  beforeAll(async () => {
    report = await runEval({ quiet: true });
  });

  it("runs on the stream the figures were recorded on, and the baselines score it as recorded", () => {
    expect(report.stream).toMatchObject(STREAM);
    for (const sys of report.systems.filter((s) => s.name !== "agentwatch")) {
      const m = sys.metrics;
      const figures = (l: typeof m.throttle) => [l.detected, l.falsePositiveAgents, l.medianTimeToDetect];
      expect({ throttle: figures(m.throttle), block: figures(m.block) }, sys.name).toEqual(
        BASELINES[sys.name as keyof typeof BASELINES],
      );
    }
  });

  it("agentwatch does not regress", () => {
    const aw = report.systems.find((s) => s.name === "agentwatch")?.metrics;
    if (!aw) throw new Error("agentwatch was not evaluated");
    expect(aw.block.recall).toBeGreaterThanOrEqual(THRESHOLDS.blockRecall);
    expect(aw.throttle.falsePositiveRate).toBeLessThanOrEqual(THRESHOLDS.falseThrottleRate);
    expect(aw.block.falsePositiveRate).toBeLessThanOrEqual(THRESHOLDS.falseBlockRate);
    expect(aw.throttle.medianTimeToDetect).not.toBeNull();
    expect(aw.throttle.medianTimeToDetect as number).toBeLessThanOrEqual(THRESHOLDS.medianTimeToDetect);
    const destructive = aw.byKind["destructive-injection"];
    expect(destructive?.block.detected).toBeGreaterThanOrEqual(THRESHOLDS.destructiveBlocked);
    expect(destructive?.block.maxTimeToDetect as number).toBeLessThanOrEqual(
      THRESHOLDS.destructiveBlockedWithin,
    );
  });
});
