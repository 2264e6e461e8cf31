/** payload-size: request and response bodies far above the agent's usual size for that endpoint. */
import { describe, expect, it } from "vitest";
import { payloadSize } from "../../detectors/payload-size.js";
import { benignStream, ev, SECOND } from "../helpers/events.js";
import { runDetector } from "./harness.js";

describe("payload-size", () => {
  const warm = benignStream(400);
  const next = (warm.at(-1)?.timestamp ?? 0) + 20 * SECOND;

  it("flags a response far above the agent's usual size for that endpoint", () => {
    const run = runDetector(payloadSize, warm);
    const found = run.feed([ev({ timestamp: next, path: "/v1/orders", responseBytes: 600_000 })]);
    expect(found).toHaveLength(1);
    expect(found[0]?.detail).toMatch(
      /GET \/v1\/orders: response of 585\.9 KB vs this agent's usual \d+ B here/,
    );
    expect(found[0]?.score).toBeGreaterThan(0.6);
  });

  it("flags an oversized request body", () => {
    const run = runDetector(payloadSize, warm);
    const found = run.feed([ev({ timestamp: next, path: "/v1/inventory", requestBytes: 80_000 })]);
    expect(found[0]?.detail).toMatch(/request of 78\.1 KB/);
  });

  it("ignores ordinary variation, small absolute differences and error bodies", () => {
    const run = runDetector(payloadSize, warm);
    const found = run.feed([
      ev({ timestamp: next, path: "/v1/orders", responseBytes: 1_100 }),
      ev({ timestamp: next + 1000, path: "/v1/orders", responseBytes: 3_900 }),
      ev({ timestamp: next + 2000, path: "/v1/orders", status: 500, responseBytes: 90_000 }),
    ]);
    expect(found).toEqual([]);
  });

  it("judges each endpoint against its own sizes", () => {
    const big = benignStream(400, { steps: ["/v1/export", "/v1/orders"] }).map((e) =>
      e.template === "/v1/export" ? { ...e, responseBytes: 2_000_000 + (e.responseBytes % 7) * 1000 } : e,
    );
    const run = runDetector(payloadSize, big);
    expect(run.feed([ev({ timestamp: next, path: "/v1/export", responseBytes: 2_100_000 })])).toEqual([]);
    expect(
      run.feed([ev({ timestamp: next + 1000, path: "/v1/orders", responseBytes: 2_100_000 })]),
    ).toHaveLength(1);
  });
});
