/** rare-transition: chains of improbable hops between the agent's known endpoints within a session. */
import { describe, expect, it } from "vitest";
import { rareTransition } from "../../detectors/rare-transition.js";
import { benignStream, SECOND } from "../helpers/events.js";
import { runDetector } from "./harness.js";

const steps = ["/v1/a", "/v1/b", "/v1/c", "/v1/d", "/v1/e", "/v1/f"];

describe("rare-transition", () => {
  const warm = benignStream(600, { steps });
  const next = (warm.at(-1)?.timestamp ?? 0) + 20 * SECOND;
  // The agent always walks a -> b -> c -> d -> e -> f; these chains break that order.
  const chain = (order: string[]) =>
    benignStream(order.length, { steps: order, start: next, seed: 3 }).map((e) => ({
      ...e,
      requestId: `x-${e.requestId}`,
    }));

  it("lets one odd hop pass", () => {
    const run = runDetector(rareTransition, warm);
    expect(run.feed(chain(["/v1/a", "/v1/d", "/v1/e", "/v1/f", "/v1/a", "/v1/b"]))).toEqual([]);
  });

  it("flags a chain of improbable hops, naming observed vs usual probability", () => {
    const run = runDetector(rareTransition, warm);
    const found = run.feed(chain(["/v1/a", "/v1/f", "/v1/c", "/v1/e", "/v1/b", "/v1/d"]));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.detail).toMatch(/-> GET \/v1\/\w: \d of the last \d hops were improbable/);
    expect(found[0]?.detail).toMatch(/agent's usual hop p≈/);
    expect(found[0]?.score).toBeLessThanOrEqual(0.6);
  });

  it("does not apply across a session gap", () => {
    const run = runDetector(rareTransition, warm);
    const spaced = chain(["/v1/a", "/v1/f", "/v1/c", "/v1/e", "/v1/b"]).map((e, i) => ({
      ...e,
      timestamp: next + i * 3_600_000,
    }));
    expect(run.feed(spaced)).toEqual([]);
  });

  it("leaves hops into endpoints the agent never used to new-endpoint", () => {
    const run = runDetector(rareTransition, warm);
    expect(run.feed(chain(["/v1/x1", "/v1/x2", "/v1/x3", "/v1/x4", "/v1/x5", "/v1/x6"]))).toEqual([]);
  });
});
