/**
 * No feedback loop: a request the gateway refused because of a decision (its 403/429 while the
 * agent is under one) is counted, not handed to the detectors; the same statuses without a
 * decision, or after it expired, are evidence as usual.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { EventPipeline } from "../../src/pipeline/event-pipeline.js";

const T = Date.parse("2026-11-23T12:00:00Z");
const line = (agent: string, status: number, at: number) =>
  JSON.stringify({
    msec: (at / 1000).toFixed(3),
    remote_addr: "192.0.2.1",
    request: `GET /api/customers/${at % 1000} HTTP/1.1`,
    status,
    agent_id: agent,
  });

describe("refused requests are no evidence", () => {
  it("skips 403/429 of an agent under a decision, and only those", () => {
    const seen: NormalizedEvent[] = [];
    const pipeline = new EventPipeline(
      createLineDecoder({ format: "nginx-json" }),
      { process: (event) => void seen.push({ ...event }) },
      {
        onAlert: () => undefined,
        onReject: (record) => {
          throw new Error(record.message);
        },
        underDecision: (agentId, at) => agentId === "enum-bot" && at < T + 10_000,
      },
    );
    const lines = [
      line("enum-bot", 403, T + 1), // refused by the gateway: skipped
      line("enum-bot", 429, T + 2), // throttled by the gateway: skipped
      line("enum-bot", 200, T + 3), // let through (a throttle's share): evidence
      line("enum-bot", 404, T + 4), // the upstream's answer: evidence
      line("good-bot", 403, T + 5), // no decision: the upstream refused it, evidence
      line("enum-bot", 403, T + 20_000), // the decision expired: evidence again
    ];
    for (const [i, text] of lines.entries()) pipeline.handleLine(text, i + 1, "test");
    expect(seen.map((e) => [e.agentId, e.status])).toEqual([
      ["enum-bot", 200],
      ["enum-bot", 404],
      ["good-bot", 403],
      ["enum-bot", 403],
    ]);
    expect(pipeline.counters.refusedByDecision).toBe(2);
    expect(pipeline.counters.eventsApplied).toBe(4);
  });
});
