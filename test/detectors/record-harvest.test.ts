/** record-harvest: an agent pulling the full record (object plus sub-collections) of many objects. */
import { describe, expect, it } from "vitest";
import { recordHarvest } from "../../detectors/record-harvest.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { recordKey } from "../../src/profile/profile.js";
import { benignStream, ev, HOUR, MINUTE, SECOND, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

/** For each of `objects` ids: the object and `subs` of its sub-collections, one request every `gapMs`. */
function harvest(
  start: number,
  objects: number,
  gapMs: number,
  options: { agentId?: string; subs?: string[]; status?: number; firstId?: number } = {},
): NormalizedEvent[] {
  const subs = options.subs ?? ["", "/orders", "/addresses", "/notes"];
  const out: NormalizedEvent[] = [];
  let t = start;
  for (let k = 0; k < objects; k++) {
    const id = (options.firstId ?? 4000) + k * 37;
    for (const sub of subs) {
      out.push(
        ev({
          agentId: options.agentId ?? "agent-1",
          timestamp: t,
          path: `/v2/accounts/${id}${sub}`,
          status: options.status ?? 200,
        }),
      );
      t += gapMs;
    }
  }
  return out;
}

describe("record-harvest", () => {
  it("keys a record by its resource path and id: the object and its sub-collections are one record", () => {
    expect(recordKey("/customers/{id}", "7")).toBe(recordKey("/customers/{id}/orders", "7"));
    expect(recordKey("/customers/{id}", "7")).not.toBe(recordKey("/orders/{id}", "7"));
    expect(recordKey("/customers/{id}", "7")).not.toBe(recordKey("/customers/{id}", "8"));
  });

  it("catches an agent with no history pulling the full record of many objects, and escalates", () => {
    const run = runDetector(recordHarvest, harvest(T0, 30, 2 * SECOND));
    expect(run.findings.length).toBeGreaterThan(0);
    // Six full records are the floor: the first finding comes with the seventh.
    expect(run.findings[0]?.at).toBeLessThan(7 * 4);
    expect(run.findings.at(-1)?.score).toBeGreaterThanOrEqual(0.7);
    expect(run.findings.at(-1)?.detail).toMatch(
      /distinct records read in full \(each through 3\+ endpoints\)/,
    );
  });

  it("is silent on a few full records, on many objects read shallowly, and on failed reads", () => {
    // A task: the full record of five objects within minutes.
    expect(runDetector(recordHarvest, harvest(T0, 5, 2 * SECOND)).findings).toEqual([]);
    // A sync: hundreds of objects, each through one endpoint and one sub-collection.
    const sync = harvest(T0, 300, SECOND, { subs: ["", "/orders"] });
    expect(runDetector(recordHarvest, sync).findings).toEqual([]);
    // Guessing ids that are not there returns no record (enumeration's business, not this one's).
    expect(runDetector(recordHarvest, harvest(T0, 30, 2 * SECOND, { status: 404 })).findings).toEqual([]);
    // The ordinary benign stream of the contract test, with its pool of re-read ids.
    expect(runDetector(recordHarvest, benignStream(800)).findings).toEqual([]);
  });

  it("remembers the agent's own peak: a batch it runs every day is not flagged again", () => {
    const day1 = harvest(T0, 20, 2 * SECOND);
    const run = runDetector(recordHarvest, day1);
    expect(run.findings.length).toBeGreaterThan(0);
    // Something else in between, so the first batch's episode is over and becomes the peak.
    run.feed(benignStream(50, { start: T0 + 2 * HOUR, gapMs: MINUTE }));
    const day2 = run.feed(harvest(T0 + 24 * HOUR, 20, 2 * SECOND, { firstId: 90_000 }));
    expect(day2).toEqual([]);
    // Three times the usual batch is past the agent's own bar again.
    const bigger = run.feed(harvest(T0 + 48 * HOUR, 80, SECOND, { firstId: 200_000 }));
    expect(bigger.length).toBeGreaterThan(0);
  });
});
