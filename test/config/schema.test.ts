// The root configuration: defaults are consistent, and the alert's action label (pure core) may not
// disagree with what the action layer enforces for the same tier.
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";

describe("configSchema", () => {
  it("accepts the defaults", () => {
    const config = configSchema.parse({});
    expect(config.engine.risk.actions.critical).toBe("block-and-revoke");
    expect(config.actions.tiers.critical).toContain("revoke");
  });

  it("refuses a tier whose alert label and enforcement disagree, naming the path", () => {
    const result = configSchema.safeParse({ actions: { tiers: { medium: ["block", "notify"] } } });
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual(["engine", "risk", "actions", "medium"]);
    expect(issue?.message).toMatch(/"throttle".*enforces "block"/);
  });

  it("accepts the two changed together", () => {
    const result = configSchema.safeParse({
      engine: { risk: { actions: { medium: "block" } } },
      actions: { tiers: { medium: ["block", "notify"] } },
    });
    expect(result.success).toBe(true);
  });
});
