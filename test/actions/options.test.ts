/** Configuration: embedded defaults, loud failures, secrets that never print. */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ACTIONS_REDACT_PATHS, actionsOptionsSchema } from "../../src/actions/index.js";
import { HOOK_SECRET } from "../fakes/signed-hook.js";

const issues = (input: unknown) => {
  const result = actionsOptionsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("actions options", () => {
  it("defaults to the embedded mode: log sink only, default tiers, on-disk queue, no Redis", () => {
    const options = actionsOptionsSchema.parse({});
    expect(options.sinks).toEqual([{ type: "log", name: "log", minSeverity: "low" }]);
    expect(options.tiers).toEqual({
      low: ["log"],
      medium: ["throttle"],
      high: ["block", "notify"],
      critical: ["block", "revoke", "notify", "page"],
    });
    expect(options.redis).toBeUndefined();
    expect(options.shadow).toBe(false);
    expect(options.delivery).toMatchObject({
      dataDir: "./data/actions",
      timeout: 10_000,
      backoffBase: 500,
      maxAttempts: 20,
      breaker: { failureRate: 0.8, window: 20, minimumCalls: 5, openFor: 30_000, halfOpenCalls: 3 },
    });
    expect(options.decisions.ttl).toEqual({ throttle: 900_000, block: 3_600_000, revoke: 86_400_000 });
  });

  it("stops on an unknown sink type, a duplicate name, a typo, a bad duration, a bad CIDR or a bad signing secret", () => {
    expect(issues({ sinks: [{ type: "teams", name: "x" }] }).join()).toMatch(/^sinks\.0\.type/);
    expect(
      issues({
        sinks: [
          { type: "log", name: "a" },
          { type: "log", name: "a" },
        ],
      }),
    ).toEqual(['sinks.1.name: duplicate sink name "a"']);
    expect(issues({ shadw: true }).join()).toContain("shadw");
    expect(issues({ sinks: [{ type: "log", name: "a", minSeverty: "high" }] }).join()).toContain(
      "minSeverty",
    );
    expect(issues({ delivery: { timeout: "10 sec" } }).join()).toMatch(/^delivery\.timeout/);
    expect(issues({ allowlist: { cidrs: ["10.0.0.0/33"] } }).join()).toMatch(/^allowlist\.cidrs\.0/);
    expect(
      issues({ sinks: [{ type: "webhook", name: "w", url: "https://x.test/h", secret: "plain" }] }).join(),
    ).toContain("whsec_");
    expect(issues({ sinks: [{ type: "slack", name: "s", url: "ftp://x" }] }).join()).toMatch(
      /^sinks\.0\.url/,
    );
  });

  it("parses durations in ms or with units", () => {
    const options = actionsOptionsSchema.parse({
      decisions: { ttl: { block: "90m" }, decayAfter: 5000 },
      delivery: { timeout: "2.5s" },
    });
    expect(options.decisions.ttl.block).toBe(5_400_000);
    expect(options.decisions.decayAfter).toBe(5000);
    expect(options.delivery.timeout).toBe(2500);
  });

  it("keeps secrets out of any printed form of the config", () => {
    const url = "https://hooks.slack.com/services/T1/B2/verysecrettoken";
    const options = actionsOptionsSchema.parse({
      redis: { url: "redis://:hunter2@redis:6379/0" },
      sinks: [
        { type: "slack", name: "s", url },
        { type: "pagerduty", name: "p", routingKey: "R0123456789abcdef0123456789abcd0" },
        { type: "gateway", name: "g", url: "https://gw.internal/hook?key=abc", secret: HOOK_SECRET },
      ],
    });
    for (const printed of [
      JSON.stringify(options),
      inspect(options, { depth: 10 }),
      String(options.redis?.url),
    ]) {
      expect(printed).not.toContain("verysecrettoken");
      expect(printed).not.toContain("hunter2");
      expect(printed).not.toContain("R0123456789abcdef");
      expect(printed).not.toContain("key=abc");
      expect(printed).not.toContain(HOOK_SECRET.slice(6));
    }
    expect(JSON.stringify(options)).toContain("[redacted]");
    const slack = options.sinks[0];
    expect(slack?.type === "slack" && slack.url.reveal()).toBe(url);
    expect(ACTIONS_REDACT_PATHS).toContain("*.routingKey");
  });

  it("resolves env: and file: secret references once, and names a missing one", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "aw-secret-"));
    await writeFile(join(dir, "key"), "R0123456789abcdef0123456789abcd0\n");
    process.env.AW_TEST_SLACK_URL = "https://hooks.slack.com/services/T1/B2/fromenv";
    const options = actionsOptionsSchema.parse({
      sinks: [
        { type: "slack", name: "s", url: "env:AW_TEST_SLACK_URL" },
        { type: "pagerduty", name: "p", routingKey: `file:${join(dir, "key")}` },
      ],
    });
    const [slack, pd] = options.sinks;
    expect(slack?.type === "slack" && slack.url.reveal()).toBe(
      "https://hooks.slack.com/services/T1/B2/fromenv",
    );
    expect(pd?.type === "pagerduty" && pd.routingKey.reveal()).toBe("R0123456789abcdef0123456789abcd0");
    expect(issues({ sinks: [{ type: "slack", name: "s", url: "env:AW_TEST_UNSET_VAR" }] })).toEqual([
      "sinks.0.url: environment variable AW_TEST_UNSET_VAR is not set",
    ]);
    expect(
      issues({ sinks: [{ type: "pagerduty", name: "p", routingKey: "file:/nonexistent/key" }] }).join(),
    ).toContain("cannot read secret file /nonexistent/key");
    delete process.env.AW_TEST_SLACK_URL;
  });
});
