/**
 * data-volume: responses adding up far beyond the agent's usual volume, not its recurring heavy hour or a
 * rate burst.
 */
import { describe, expect, it } from "vitest";
import { dataVolume } from "../../detectors/data-volume.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { benignStream, ev, HOUR, MINUTE, SECOND, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

describe("data-volume", () => {
  const warm = benignStream(600); // ~800 B every 20 s
  const next = (warm.at(-1)?.timestamp ?? 0) + 20 * SECOND;

  it("flags many ordinary-looking responses that add up far beyond the agent's usual volume", () => {
    const run = runDetector(dataVolume, warm);
    const pull = Array.from({ length: 60 }, (_, i) =>
      ev({ timestamp: next + i * 5 * SECOND, path: "/v1/orders", responseBytes: 150_000 }),
    );
    const found = run.feed(pull);
    expect(found.length).toBeGreaterThan(10);
    expect(found.at(-1)?.detail).toMatch(
      /^[\d.]+ MB of responses in the last ~10 min \([\d.]+ KB per request\) vs this agent's usual [\d.]+ KB per 10 min \([\d.]+ K?B per request\)/,
    );
  });

  it("is silent on the agent's own recurring heavy hour", () => {
    const events: NormalizedEvent[] = [];
    for (let day = 0; day < 5; day++) {
      const start = T0 + day * 24 * HOUR;
      events.push(...benignStream(300, { start, seed: day + 3 }));
      events.push(
        ...Array.from({ length: 40 }, (_, i) =>
          ev({ timestamp: start + 12 * HOUR + i * 15 * SECOND, path: "/v1/report", responseBytes: 400_000 }),
        ),
      );
    }
    const run = runDetector(dataVolume, events);
    const laterDays = run.findings.filter((f) => (events[f.at]?.timestamp ?? 0) > T0 + 2 * 24 * HOUR);
    expect(laterDays).toEqual([]);
  });

  it("ignores volumes under the absolute floor", () => {
    const run = runDetector(dataVolume, warm);
    const small = Array.from({ length: 20 }, (_, i) =>
      ev({ timestamp: next + i * MINUTE, path: "/v1/orders", responseBytes: 30_000 }),
    );
    expect(run.feed(small)).toEqual([]);
  });

  it("leaves a burst of ordinary-size responses to rate-spike", () => {
    const run = runDetector(dataVolume, warm);
    const burst = Array.from({ length: 2000 }, (_, i) =>
      ev({ timestamp: next + i * 100, path: "/v1/orders", responseBytes: 800 }),
    );
    expect(run.feed(burst)).toEqual([]);
  });
});
