// The API's view of a decision: every event time as ISO 8601 (recoveredAt included), and the
// result valid against the declared response schema, including the `reopened` change.
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/actions/records.js";
import { decisionView } from "../../src/api/routes/decisions.js";
import { decisionSchema } from "../../src/api/schemas.js";

const T = Date.UTC(2026, 0, 5, 10, 0, 0);
const decision: Decision = {
  agentId: "agent-1",
  type: "block",
  since: T,
  updatedAt: T + 60_000,
  expiresAt: T + 3_600_000,
  change: "reopened",
  alertId: "a1",
  severity: "high",
  riskScore: 0.8,
  level: 1,
  shadow: false,
  incidentKey: "agent-1@1",
  reason: "enumeration",
  recoveredAt: T + 30_000,
};

describe("decisionView", () => {
  it("shows recoveredAt and the other times as ISO 8601 and matches the schema", () => {
    const view = decisionView(decision);
    expect(view.recoveredAt).toBe("2026-01-05T10:00:30.000Z");
    expect(view.expiresAt).toBe("2026-01-05T11:00:00.000Z");
    expect(decisionSchema.safeParse(view).success).toBe(true);
  });

  it("leaves recoveredAt out while the agent has not recovered", () => {
    const { recoveredAt: _, ...active } = decision;
    const view = decisionView({ ...active, change: "created" });
    expect("recoveredAt" in view).toBe(false);
    expect(decisionSchema.safeParse(view).success).toBe(true);
  });
});
