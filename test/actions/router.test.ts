/** Routing: roles, tiers and per-sink filters decide which sinks see an event. */
import { describe, expect, it } from "vitest";
import { createSink, sinkOptionsSchema } from "../../alerts/index.js";
import type { AlertEvent, SinkEvent } from "../../alerts/sink.js";
import { decide, decisionOptionsSchema, tiersSchema } from "../../src/actions/policy.js";
import { labelsOf, route } from "../../src/actions/router.js";
import { HOOK_SECRET } from "../fakes/signed-hook.js";
import { makeAlert, quietLogger, T0 } from "./helpers.js";

const tiers = tiersSchema.parse({});
const hook = { url: "https://h.test/x", secret: HOOK_SECRET };
const sinks = [
  { type: "log", name: "audit" },
  { type: "slack", name: "chat", url: "https://hooks.slack.test/s" },
  { type: "slack", name: "chat-critical", url: "https://hooks.slack.test/c", minSeverity: "critical" },
  { type: "slack", name: "chat-volume", url: "https://hooks.slack.test/v", match: { detectors: ["volume"] } },
  {
    type: "slack",
    name: "chat-billing",
    url: "https://hooks.slack.test/b",
    match: { agentLabels: ["team-billing"] },
  },
  { type: "pagerduty", name: "pd", routingKey: "k".repeat(32) },
  { type: "gateway", name: "gw", ...hook },
  { type: "revoke-webhook", name: "rv", ...hook },
  { type: "webhook", name: "siem", ...hook },
].map((o) => createSink(sinkOptionsSchema.parse(o), { logger: quietLogger }));
const labels = { "billing-*": ["team-billing"] };

function alertEvent(
  overrides: Parameters<typeof makeAlert>[0],
  shadow = false,
  allowlisted = false,
): AlertEvent {
  const alert = makeAlert({ at: T0, ...overrides });
  const o = decide({ strikes: 0 }, alert, tiers, decisionOptionsSchema.parse({}), shadow);
  return { kind: "alert", alert, decision: o.decision, change: o.change, allowlisted };
}
const names = (event: SinkEvent) => route(event, sinks, tiers, labels).map((s) => s.name);

describe("router", () => {
  it("low: audit only; medium: audit and the gateway (throttle)", () => {
    expect(names(alertEvent({ severity: "low" }))).toEqual(["audit"]);
    expect(names(alertEvent({ severity: "medium" }))).toEqual(["audit", "gw"]);
  });

  it("high: notify sinks by filter, gateway; critical adds pages and revocation", () => {
    expect(names(alertEvent({ severity: "high" }))).toEqual(["audit", "chat", "chat-volume", "gw", "siem"]);
    expect(names(alertEvent({ severity: "critical", agentId: "billing-bot" }))).toEqual([
      "audit",
      "chat",
      "chat-critical",
      "chat-volume",
      "chat-billing",
      "pd",
      "gw",
      "rv",
      "siem",
    ]);
    const otherDetector = alertEvent({
      severity: "high",
      reasons: [{ detector: "sequence", score: 0.9, detail: "x" }],
    });
    expect(names(otherDetector)).not.toContain("chat-volume");
  });

  it("repeats of an active decision reach people, not enforcement or pages", () => {
    const repeat = { ...alertEvent({ severity: "critical" }), change: "unchanged" as const };
    expect(names(repeat)).toEqual(["audit", "chat", "chat-critical", "chat-volume", "siem"]);
  });

  it("shadow decisions and allowlisted agents never reach enforcement", () => {
    expect(names(alertEvent({ severity: "critical" }, true))).not.toEqual(expect.arrayContaining(["gw"]));
    expect(names(alertEvent({ severity: "critical" }, true))).not.toContain("rv");
    expect(names(alertEvent({ severity: "critical" }, false, true))).toEqual(["audit"]);
  });

  it("decision ends go to audit, events, pages and gateways, except superseded ones for gateways", () => {
    const decision = alertEvent({ severity: "critical" }).decision;
    if (!decision) throw new Error("expected a decision");
    const ended: SinkEvent = {
      kind: "ended",
      decision,
      reason: "expired",
      at: decision.expiresAt,
      superseded: false,
    };
    expect(names(ended)).toEqual(["audit", "pd", "gw", "siem"]);
    expect(names({ ...ended, superseded: true })).toEqual(["audit", "pd", "siem"]);
  });

  it("resolves labels by exact id or prefix", () => {
    expect([...labelsOf("billing-7", { "billing-*": ["a"], "billing-7": ["b"], other: ["c"] })]).toEqual([
      "a",
      "b",
    ]);
  });
});
