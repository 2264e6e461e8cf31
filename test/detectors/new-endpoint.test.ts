/**
 * new-endpoint: weight of an endpoint the agent never used, by method, agent maturity and bursts of new ones.
 */
import { describe, expect, it } from "vitest";
import { newEndpoint } from "../../detectors/new-endpoint.js";
import { benignStream, ev, MINUTE, SECOND } from "../helpers/events.js";
import { runDetector } from "./harness.js";

describe("new-endpoint", () => {
  // 300 requests over 25 hours: a settled agent whose history spans its whole day.
  const warm = benignStream(300, { gapMs: 5 * MINUTE });
  const after = (warm.at(-1)?.timestamp ?? 0) + 20 * SECOND;

  it("gives a new read endpoint of a warm agent at most a low score", () => {
    const run = runDetector(newEndpoint, warm);
    const found = run.feed([ev({ timestamp: after, path: "/v1/shipments" })]);
    expect(found).toHaveLength(1);
    expect(found[0]?.score).toBeLessThanOrEqual(0.3);
    expect(found[0]?.detail).toMatch(/GET \/v1\/shipments: first call to this endpoint after 300 requests/);
    expect(found[0]?.detail).toMatch(/4 known endpoints/);
  });

  it("weighs a new DELETE on an admin-looking route far higher", () => {
    const run = runDetector(newEndpoint, warm);
    const found = run.feed([ev({ timestamp: after, method: "DELETE", path: "/v1/admin/users/77" })]);
    expect(found[0]?.score).toBeGreaterThanOrEqual(0.7);
    expect(found[0]?.detail).toMatch(/DELETE \/v1\/admin\/users\/\{id\}.*administrative/);
  });

  it("ranks write above read", () => {
    const run = runDetector(newEndpoint, warm);
    const [read] = run.feed([ev({ timestamp: after, path: "/v1/reports" })]);
    const [write] = run.feed([ev({ timestamp: after + 1000, method: "POST", path: "/v1/refunds" })]);
    expect(write?.score).toBeGreaterThan(read?.score ?? 1);
  });

  it("is silent while the agent is new, and for endpoints it knows", () => {
    const run = runDetector(newEndpoint, [
      ev({ path: "/v1/a" }),
      ev({ path: "/v1/b", method: "DELETE", timestamp: warm[0]?.timestamp ?? 0 }),
    ]);
    expect(run.findings).toEqual([]);
    const known = runDetector(newEndpoint, warm).feed([ev({ timestamp: after, path: "/v1/orders/1001" })]);
    expect(known).toEqual([]);
  });

  it("gives little weight to new endpoints of an agent still discovering its own", () => {
    // Every tenth request goes to an endpoint the agent calls only once: new endpoints are its normal.
    const explorer = benignStream(300, { gapMs: 5 * MINUTE }).map((e, i) =>
      i % 10 === 0 ? { ...e, template: `/v1/thing${i}`, path: `/v1/thing${i}` } : e,
    );
    const steady = runDetector(newEndpoint, warm).feed([
      ev({ timestamp: after, method: "POST", path: "/v1/refunds" }),
    ]);
    const exploring = runDetector(newEndpoint, explorer).feed([
      ev({ timestamp: after, method: "POST", path: "/v1/refunds" }),
    ]);
    expect(steady[0]?.detail).toMatch(/estimated chance of a new endpoint: 0\.3% per request/);
    expect(exploring[0]?.score ?? 0).toBeLessThan((steady[0]?.score ?? 0) * 0.5);
  });

  it("counts an agent's first hours less: a batch of requests is not a settled workflow, except for destructive calls", () => {
    // The same 300 requests, within the agent's first 100 minutes.
    const young = benignStream(300);
    const youngAfter = (young.at(-1)?.timestamp ?? 0) + 20 * SECOND;
    const [settledWrite] = runDetector(newEndpoint, warm).feed([
      ev({ timestamp: after, method: "PATCH", path: "/v1/orders/1001" }),
    ]);
    const [youngWrite] = runDetector(newEndpoint, young).feed([
      ev({ timestamp: youngAfter, method: "PATCH", path: "/v1/orders/1001" }),
    ]);
    expect(youngWrite?.score ?? 0).toBeLessThan((settledWrite?.score ?? 0) * 0.5);
    const [settledDelete] = runDetector(newEndpoint, warm).feed([
      ev({ timestamp: after, method: "DELETE", path: "/v1/orders/1001" }),
    ]);
    const [youngDelete] = runDetector(newEndpoint, young).feed([
      ev({ timestamp: youngAfter, method: "DELETE", path: "/v1/orders/1001" }),
    ]);
    expect(youngDelete?.score).toBeCloseTo(settledDelete?.score ?? 0, 2);
  });

  it("compounds a burst of new endpoints within minutes", () => {
    const run = runDetector(newEndpoint, warm);
    const found = run.feed(
      ["/v1/refunds", "/v1/credits", "/v1/disputes", "/v1/payouts"].map((path, i) =>
        ev({ timestamp: after + i * 5000, method: "POST", path }),
      ),
    );
    expect(found).toHaveLength(4);
    expect(found[3]?.score).toBeGreaterThan((found[0]?.score ?? 1) * 1.5);
    expect(found[3]?.detail).toMatch(/3 other new endpoints in the last minutes/);
  });

  it("keeps a new read below the throttle tier, unless it is part of a burst of new endpoints", () => {
    const run = runDetector(newEndpoint, warm);
    const [single] = run.feed([ev({ timestamp: after, path: "/v1/admin/audit-log" })]);
    expect(single?.score).toBeLessThanOrEqual(0.45);
    const burst = run.feed(
      ["/v1/a1", "/v1/a2", "/v1/a3", "/v1/a4", "/v1/a5", "/v1/a6", "/v1/a7", "/v1/a8"].map((path, i) =>
        ev({ timestamp: after + (i + 1) * SECOND, path }),
      ),
    );
    expect(burst.at(-1)?.score).toBeGreaterThan(0.5);
  });

  it("scores a burst of new reads by its improbability under the agent's own chance of a new endpoint", () => {
    const burstOf = (agentId: string, history: ReturnType<typeof benignStream>) => {
      const start = (history.at(-1)?.timestamp ?? 0) + 20 * SECOND;
      const run = runDetector(newEndpoint, history);
      return run.feed(
        ["/v1/b1/{n}", "/v1/b2/{n}", "/v1/b3/{n}", "/v1/b4/{n}", "/v1/b5/{n}", "/v1/b6/{n}"].map((t, i) =>
          ev({ agentId, timestamp: start + i * 2 * SECOND, path: t.replace("{n}", String(500 + i)) }),
        ),
      );
    };
    // Settled: 1,200 requests over four endpoints in 30 h; young: 60 requests, as few endpoints.
    const settled = burstOf("settled", benignStream(1200, { agentId: "settled", gapMs: 90 * SECOND }));
    const young = burstOf("young", benignStream(60, { agentId: "young", gapMs: 40 * SECOND }));
    // Many requests but all within its first hour (a first batch): no more a habit than the young one's.
    const batch = burstOf("batch", benignStream(1200, { agentId: "batch", gapMs: 3 * SECOND }));
    expect(batch.at(-1)?.score ?? 0).toBeLessThanOrEqual(0.45);
    expect(settled.at(-1)?.score).toBeGreaterThanOrEqual(0.6);
    expect(young.at(-1)?.score ?? 0).toBeLessThan(0.3);
    // Below the burst size the rule for single new reads still caps it.
    expect(settled[2]?.score).toBeLessThanOrEqual(0.45);
  });
});
