/**
 * enumeration: sequential and guessed-id walks, fast or slow, judged against the agent's and endpoint's own
 * reads.
 */
import { describe, expect, it } from "vitest";
import { enumeration } from "../../detectors/enumeration.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { benignStream, ev, HOUR, MINUTE, SECOND, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

const walk = (start: number, count: number, gapMs: number, status: (i: number) => number, first = 5000) =>
  Array.from({ length: count }, (_, i) =>
    ev({
      agentId: "intruder",
      timestamp: start + i * gapMs,
      path: `/v1/customers/${first + i}`,
      status: status(i),
    }),
  );

describe("enumeration", () => {
  it("catches a fast sequential walk on a brand-new agent within the first ten requests", () => {
    const run = runDetector(
      enumeration,
      walk(T0, 30, 200, (i) => (i % 10 === 0 ? 200 : 404)),
    );
    expect(run.findings.length).toBeGreaterThan(0);
    expect(run.findings[0]?.at).toBeLessThan(10);
    const last = run.findings.at(-1);
    expect(last?.detail).toMatch(/GET \/v1\/customers\/\{id\}: 16 distinct ids in the last 16 requests/);
    expect(last?.detail).toMatch(/in a sequential run \(step 1\), 9\d% answered 401\/403\/404/);
    expect(last?.score).toBeGreaterThan(0.8);
  });

  it("catches a slow walk, one id every 5 minutes among the agent's ordinary reads of the same endpoint", () => {
    const ordinary = benignStream(600, { agentId: "intruder" });
    const slow = walk(T0 + 30 * MINUTE, 12, 5 * MINUTE, () => 200);
    const mixed = [...ordinary, ...slow].sort((a, b) => a.timestamp - b.timestamp);
    const run = runDetector(enumeration, mixed);
    const hits = run.findings.filter((f) => f.detail.includes("sequential run"));
    expect(hits.length).toBeGreaterThan(0);
  });

  it("catches many distinct non-numeric ids answered 404", () => {
    const ids = Array.from(
      { length: 20 },
      (_, i) => `${(i * 7919).toString(16).padStart(8, "0")}-aaaa-bbbb-cccc-dddddddddddd`,
    );
    const events = ids.map((id, i) =>
      ev({ agentId: "x", timestamp: T0 + i * SECOND, path: `/v1/docs/${id}`, status: 404 }),
    );
    const run = runDetector(enumeration, events);
    expect(run.findings.length).toBeGreaterThan(0);
    expect(run.findings.at(-1)?.detail).toMatch(/distinct ids .* 100% answered 401\/403\/404/);
  });

  it("is silent for an agent re-reading a pool of ids, and for random ids answered 200", () => {
    const pool = benignStream(800);
    expect(runDetector(enumeration, pool).findings).toEqual([]);
    let seed = 11;
    const random: NormalizedEvent[] = Array.from({ length: 200 }, (_, i) => {
      seed = (seed * 48271) % 2147483647;
      return ev({
        agentId: "crm",
        timestamp: T0 + i * 30 * SECOND,
        path: `/v1/customers/${seed % 1_000_000}`,
      });
    });
    expect(runDetector(enumeration, random).findings).toEqual([]);
  });

  it("escalates a guess-and-check walk that goes on from the agent's first request, though it becomes the endpoint's history", () => {
    let seed = 5;
    const events = Array.from({ length: 120 }, (_, i) => {
      seed = (seed * 48271) % 2147483647;
      return ev({
        agentId: "fresh",
        timestamp: T0 + i * 20 * SECOND,
        path: `/v1/accounts/${100_000 + (seed % 900_000)}`,
        status: i % 2 === 0 ? 404 : 200,
      });
    });
    const run = runDetector(enumeration, events);
    const early = run.findings.find((f) => f.at < 20);
    const late = run.findings.filter((f) => f.at >= 100);
    expect(early?.score).toBeLessThan(0.5);
    // Still reported after the walk has filled the endpoint's own ~100-access history, and stronger.
    expect(late.length).toBe(20);
    expect(Math.min(...late.map((f) => f.score))).toBeGreaterThan(0.65);
  });

  it("weighs a third of guessed ids failing by how improbable that is for the agent's own reads there", () => {
    let seed = 17;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    // A day of ordinary reads of a pool of records that never fail, then guessed record ids, 6 in 16 failing.
    const ordinary = Array.from({ length: 200 }, (_, i) =>
      ev({ agentId: "clerk", timestamp: T0 + i * MINUTE, path: `/v1/records/${1000 + (next() % 30)}` }),
    );
    const guessed = Array.from({ length: 16 }, (_, i) =>
      ev({
        agentId: "clerk",
        timestamp: T0 + (200 + i) * MINUTE,
        path: `/v1/records/${100_000 + (next() % 900_000)}`,
        status: i % 8 < 3 ? 404 : 200,
      }),
    );
    const last = runDetector(enumeration, [...ordinary, ...guessed]).findings.at(-1);
    expect(last?.at).toBe(215);
    expect(last?.detail).toMatch(
      /16 distinct ids in the last 16 requests.*38% answered 401\/403\/404 \(agent's usual here: \d+% new ids, \d% errors\)/,
    );
    // The share alone would give 0.1 + 0.7 * 0.375 = 0.36; six failures in sixteen where none ever fail is more.
    expect(last?.score).toBeGreaterThan(0.5);
  });

  it("does not treat failures among re-read ids (stale records) as improbable guessing", () => {
    let seed = 23;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed;
    };
    const ordinary = Array.from({ length: 200 }, (_, i) =>
      ev({ agentId: "sync", timestamp: T0 + i * MINUTE, path: `/v1/records/${1000 + (next() % 30)}` }),
    );
    // Sixteen reads of eleven ids, six of them answered 404: records deleted under the agent.
    const stale = Array.from({ length: 16 }, (_, i) =>
      ev({
        agentId: "sync",
        timestamp: T0 + (200 + i) * 5 * SECOND,
        path: `/v1/records/${50_000 + (i % 11) * 37}`,
        status: i % 8 < 3 ? 404 : 200,
      }),
    );
    const last = runDetector(enumeration, [...ordinary, ...stale]).findings.at(-1);
    expect(last?.score ?? 0).toBeLessThan(0.4);
  });

  it("is silent for an endpoint that always reads new ids with a few failures", () => {
    let seed = 9;
    const events = Array.from({ length: 300 }, (_, i) => {
      seed = (seed * 48271) % 2147483647;
      return ev({
        agentId: "feed",
        timestamp: T0 + i * 20 * SECOND,
        path: `/v1/accounts/${100_000 + (seed % 900_000)}`,
        status: i % 12 === 0 ? 404 : 200,
      });
    });
    expect(runDetector(enumeration, events).findings).toEqual([]);
  });

  it("does not flag runs no longer than the agent's own usual ones", () => {
    const pages: NormalizedEvent[] = [];
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 8; i++) {
        pages.push(
          ev({
            agentId: "pager",
            timestamp: T0 + (batch * 20 + i) * MINUTE,
            path: `/v1/pages/${batch * 100 + i}`,
          }),
        );
      }
    }
    const run = runDetector(enumeration, pages);
    const late = run.findings.filter((f) => f.at >= 80);
    expect(late).toEqual([]);
  });

  describe("over the long horizon (a slow, patient walk of opaque ids)", () => {
    const uuid = (i: number) => {
      const h = ((i + 1) * 2654435761) >>> 0;
      return `${h.toString(16).padStart(8, "0")}-1111-4222-8333-${((h ^ 0x5bd1e995) >>> 0).toString(16).padStart(12, "0")}`;
    };
    /** 120 ordinary re-reads of a small pool (failing `usualEvery`-th), then 60 new ids, every `failEvery`-th failing, 3 min apart. */
    const stream = (failEvery: number, usualEvery = 0) => [
      ...Array.from({ length: 120 }, (_, i) =>
        ev({
          agentId: "patient",
          timestamp: T0 + i * MINUTE,
          path: `/v2/records/${uuid(i % 6)}`,
          status: usualEvery > 0 && i % usualEvery === 0 ? 404 : 200,
        }),
      ),
      ...Array.from({ length: 60 }, (_, i) =>
        ev({
          agentId: "patient",
          timestamp: T0 + 3 * HOUR + i * 3 * MINUTE,
          path: `/v2/records/${uuid(1000 + i)}`,
          status: i % failEvery === 0 ? 404 : 200,
        }),
      ),
    ];
    const top = (findings: { score: number }[]) => Math.max(0, ...findings.map((f) => f.score));

    it("accumulates failures on new ids beyond any one window, to block level", () => {
      const run = runDetector(enumeration, stream(3));
      expect(top(run.findings)).toBeGreaterThanOrEqual(0.7);
      expect(run.findings.at(-1)?.detail).toMatch(
        /over the last ~\d+ new ids here 3\d% failed vs \d+% usual before them/,
      );
      // Without the long horizon, the windows alone stay below it.
      const windows = runDetector(enumeration, stream(3), { walkAccesses: 1e9 });
      expect(top(windows.findings)).toBeLessThan(0.7);
    });

    it("judges against the endpoint's own failure share before the walk", () => {
      // The agent's reads here fail one in four anyway (records deleted under it): the same failure
      // share on new ids is its habit, not a walk.
      const run = runDetector(enumeration, stream(4, 4));
      expect(run.findings.filter((f) => f.detail.includes("new ids here"))).toEqual([]);
    });
  });

  it("counts a GraphQL read answered 200 with a small errors body as not found, each unlogged call a distinct object", () => {
    const call = (i: number, responseBytes: number) =>
      ev({
        timestamp: T0 + i * 2 * SECOND,
        method: "POST",
        path: "/graphql",
        template: "/graphql#GetOrder",
        operation: "GetOrder",
        operationAccess: "read",
        status: 200,
        responseBytes,
      });
    const ordinary = Array.from({ length: 30 }, (_, i) => call(i, 1500 + (i % 7) * 40));
    const walk = Array.from({ length: 20 }, (_, i) => call(30 + i, 118));
    expect(runDetector(enumeration, ordinary).findings).toEqual([]);
    const found = runDetector(enumeration, [...ordinary, ...walk]).findings;
    expect(Math.max(...found.map((f) => f.score))).toBeGreaterThanOrEqual(0.5);
    // The same small bodies on a REST GET are ordinary responses, not failures.
    const rest = [...ordinary, ...walk].map((e) => ({ ...e, operationAccess: undefined, template: "/v1/x" }));
    expect(runDetector(enumeration, rest).findings).toEqual([]);
  });
});
