// Keeps agentwatch's detection quality on the default simulation from silently getting worse.
//
// The thresholds below are the figures measured with
//   agentwatch eval            (= runEval({}): preset "default", seed 1, 200 agents, 48 h, ~222k events)
// on 2026-11-23 against the engine in the tree at that time (see RECORDED_AT). When a change makes
// a figure better, tighten the threshold to the new value in the same commit; when a change to
// the simulator alters the stream (the pinned counts fail), re-measure and re-record all of them.
import { describe, expect, it } from "vitest";
import { runEval } from "../../src/eval/run.js";

// PROVISIONAL: the engine is being tuned in the same tree while these are recorded; they are
// re-measured at the end of the session and then only ever tightened.
const RECORDED_AT = "2026-11-23 11:25 UTC, engine working tree after commit 430d0a3";

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
  blockRecall: 0.875,
  /** Share of all agents falsely throttled (medium or worse before/without an attack), at most. */
  falseThrottleRate: 0.218,
  /** Share of all agents falsely blocked, at most. */
  falseBlockRate: 0.016,
  /** Median malicious requests before the first throttle-level alert, at most. */
  medianTimeToDetect: 2,
  /** Destructive-injection agents blocked (of 4), at least. */
  destructiveBlocked: 3,
  /** Worst blocked destructive-injection agent: malicious requests until blocked, at most. */
  destructiveBlockedWithin: 1,
};

describe(`detection quality on the default simulation (recorded ${RECORDED_AT})`, () => {
  it("does not regress", async () => {
    const report = await runEval({ quiet: true });
    expect(report.stream).toMatchObject(STREAM);
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
