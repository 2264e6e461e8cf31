/**
 * destructive-burst: DELETEs and admin writes escalating from a fresh or unhabituated agent, not routine
 * deletes.
 */
import { describe, expect, it } from "vitest";
import { destructiveBurst } from "../../detectors/destructive-burst.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { benignStream, ev, HOUR, MINUTE, SECOND, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

describe("destructive-burst", () => {
  it("escalates DELETEs and admin writes from an agent with no history, blocking-level by the third", () => {
    const start = T0 + 5 * MINUTE;
    const events: NormalizedEvent[] = [
      ev({ agentId: "new", timestamp: T0, path: "/v1/tickets" }),
      ev({ agentId: "new", timestamp: T0 + MINUTE, path: "/v1/tickets/42" }),
      ev({ agentId: "new", timestamp: start, method: "PUT", path: "/v1/admin/settings", requestBytes: 90 }),
      ev({ agentId: "new", timestamp: start + 8 * SECOND, method: "DELETE", path: "/v1/customers/7" }),
      ev({ agentId: "new", timestamp: start + 40 * SECOND, method: "DELETE", path: "/v1/documents/9" }),
    ];
    const run = runDetector(destructiveBurst, events);
    expect(run.findings.map((f) => f.at)).toEqual([2, 3, 4]);
    const [one, two, three] = run.findings.map((f) => f.score) as [number, number, number];
    expect(one).toBeLessThan(0.5);
    expect(two).toBeGreaterThan(one);
    expect(three).toBeGreaterThanOrEqual(0.7);
    expect(run.findings[2]?.detail).toMatch(
      /~2\.\d+ destructive\/privileged calls among the last ~\d\.?\d* requests .*usual share: \d(\.\d)?%/,
    );
  });

  it("does not count ordinary writes", () => {
    const events = Array.from({ length: 6 }, (_, i) =>
      ev({ agentId: "writer", timestamp: T0 + i * SECOND, method: "PUT", path: `/v1/tickets/${i}` }),
    );
    expect(runDetector(destructiveBurst, events).findings).toEqual([]);
  });

  it("is silent for an agent that deletes as part of its routine, at its usual pace", () => {
    const events: NormalizedEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const t = T0 + i * 30 * SECOND;
      events.push(
        i % 5 === 4
          ? ev({ agentId: "cleaner", timestamp: t, method: "DELETE", path: `/v1/drafts/${1000 + i}` })
          : ev({ agentId: "cleaner", timestamp: t, path: `/v1/drafts/${1000 + i}` }),
      );
    }
    const late = runDetector(destructiveBurst, events).findings.filter((f) => f.at > 300);
    expect(late).toEqual([]);
  });

  it("fires for a warm agent with no habit of privileged calls repeating one within minutes", () => {
    const routine = benignStream(300, { agentId: "reader" });
    const at = (routine.at(-1) as NormalizedEvent).timestamp + HOUR;
    const run = runDetector(destructiveBurst, [
      ...routine,
      ev({ agentId: "reader", timestamp: at, method: "PATCH", path: "/v1/internal/flags", requestBytes: 40 }),
      ev({ agentId: "reader", timestamp: at + 10 * SECOND, method: "PATCH", path: "/v1/internal/flags" }),
    ]);
    expect(run.findings.map((f) => f.at)).toEqual([300, 301]);
    expect(run.findings[1]?.score).toBeGreaterThan(0.5);
  });
});
