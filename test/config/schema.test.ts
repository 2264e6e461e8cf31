// The root configuration: defaults are consistent, and an alert's action label comes from the one
// tier map the action layer enforces (actions.tiers), so the two cannot disagree.
import { describe, expect, it } from "vitest";
import { alertActionsOf } from "../../src/actions/policy.js";
import { configSchema } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { ev } from "../helpers/events.js";

describe("configSchema", () => {
  it("accepts the defaults, whose tiers label alerts log / throttle / block / block-and-revoke", () => {
    const config = configSchema.parse({});
    expect(alertActionsOf(config.actions.tiers)).toEqual({
      low: "log",
      medium: "throttle",
      high: "block",
      critical: "block-and-revoke",
    });
  });

  it("has no second tier map: engine.risk.actions is an unknown key", () => {
    const result = configSchema.safeParse({ engine: { risk: { actions: { medium: "block" } } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["engine", "risk"]);
  });

  it("labels an alert with what its tier's action list enforces", () => {
    const config = configSchema.parse({ actions: { tiers: { critical: ["block", "notify"] } } });
    const engine = createEngine(config.engine, { alertActions: alertActionsOf(config.actions.tiers) });
    let alert: ReturnType<typeof engine.process>;
    for (let i = 0; i < 40 && alert?.severity !== "critical"; i++) {
      alert = engine.process(ev({ path: `/v1/users/1' OR '1'='1--/${i}`, status: 500 })) ?? alert;
    }
    expect(alert?.severity).toBe("critical");
    expect(alert?.action).toBe("block");
  });
});
