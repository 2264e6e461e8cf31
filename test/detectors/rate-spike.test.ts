/**
 * rate-spike: request rates far above the agent's own pace, except its habitual bursts and under the floor.
 */
import { describe, expect, it } from "vitest";
import { rateSpike } from "../../detectors/rate-spike.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { benignStream, ev, HOUR, MINUTE, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

const burst = (start: number, count: number, gapMs: number): NormalizedEvent[] =>
  Array.from({ length: count }, (_, i) => ev({ timestamp: start + i * gapMs, path: "/v1/orders" }));

describe("rate-spike", () => {
  it("flags a burst far above the agent's pace, with observed vs usual rates", () => {
    const warm = benignStream(400); // 3 requests/min for 2h13
    const run = runDetector(rateSpike, warm);
    const found = run.feed(burst((warm.at(-1)?.timestamp ?? 0) + 1000, 200, 300));
    expect(found.length).toBeGreaterThan(50);
    const last = found.at(-1);
    expect(last?.detail).toMatch(/\d+ requests\/min over the last ~60 s vs this agent's usual [\d.]+\/min/);
    expect(last?.detail).toMatch(/its own peak/);
  });

  it("does not flag the nightly burst the agent always has", () => {
    const events: NormalizedEvent[] = [];
    const nightStarts: number[] = [];
    for (let day = 0; day < 6; day++) {
      const dayStart = T0 + day * 24 * HOUR;
      events.push(...benignStream(600, { start: dayStart, gapMs: 2 * MINUTE, seed: day + 1 }));
      const night = dayStart + 20 * HOUR + 30 * MINUTE;
      nightStarts.push(events.length);
      events.push(...burst(night, 300, 1000)); // 60/min for 5 minutes
    }
    const run = runDetector(rateSpike, events);
    const laterNights = run.findings.filter((f) => f.at >= (nightStarts[2] ?? 0));
    expect(laterNights).toEqual([]);
  });

  it("stays quiet below the absolute floor", () => {
    const slow = benignStream(200, { gapMs: 10 * MINUTE });
    const run = runDetector(rateSpike, slow);
    expect(run.feed(burst((slow.at(-1)?.timestamp ?? 0) + 1000, 10, 6000))).toEqual([]);
  });
});
