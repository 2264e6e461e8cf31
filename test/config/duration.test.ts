/**
 * The duration convention: strings in every unit, plain numbers in each field's own unit, bounds
 * and mistakes reported in durations, "did you mean" for misspelt keys, environment overrides named
 * in errors, and an effective config that prints durations as strings and loads back the same.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { duration, formatDuration, readableDurations } from "../../src/config/duration.js";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "aw-duration-")), "config.yaml");
  writeFileSync(file, text);
  return file;
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig(configSchema, yamlFile(text), env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("duration()", () => {
  it("reads every unit and keeps plain numbers in the field's unit", () => {
    const ms = duration("ms");
    expect(["500ms", "30s", "15m", "24h", "7d", "1.5s", 250].map((v) => ms.parse(v))).toEqual([
      500, 30_000, 900_000, 86_400_000, 604_800_000, 1_500, 250,
    ]);
    const minutes = duration("m");
    expect([30, "90s", "2h", "1d"].map((v) => minutes.parse(v))).toEqual([30, 1.5, 120, 1_440]);
    expect(duration("h").parse("3d")).toBe(72);
  });

  it("refuses what is no duration, and values out of bounds, saying so in durations", () => {
    const schema = duration("ms", { min: "100ms", max: "10m" });
    expect(schema.safeParse("15mins").error?.issues[0]?.message).toBe(
      'expected a duration such as 500ms, 30s, 15m, 24h or 7d, got "15mins"',
    );
    expect(schema.safeParse(true).error?.issues[0]?.message).toMatch(/^expected a duration such as/);
    expect(schema.safeParse("50ms").error?.issues[0]?.message).toBe('must be at least 100ms, got "50ms"');
    expect(schema.safeParse("1h").error?.issues[0]?.message).toBe('must be at most 10m, got "1h"');
    expect(duration("m", { positive: true }).safeParse(0).success).toBe(false);
    expect(duration("m").safeParse(-1).success).toBe(false);
  });

  it("formats with the largest unit that divides", () => {
    expect([500, 1_000, 90_000, 3_600_000, 604_800_000, 1_500].map(formatDuration)).toEqual([
      "500ms",
      "1s",
      "90s",
      "1h",
      "7d",
      "1500ms",
    ]);
  });
});

describe("durations in the configuration", () => {
  it("accepts strings in fields that took minutes, hours or milliseconds", () => {
    const config = loadConfig(
      configSchema,
      yamlFile(
        [
          "engine:",
          "  risk: { halfLifeMinutes: 1h, cooldownMinutes: 10 }",
          "  profiles: { idleExpiryMinutes: 3d, rateShortSeconds: 2m }",
          "actions:",
          "  decisions: { ttl: { throttle: 30m, block: 7200000 } }",
          "input: { maxFutureSkewMs: 5m }",
        ].join("\n"),
      ),
      {},
    );
    expect(config.engine.risk.halfLifeMinutes).toBe(60);
    expect(config.engine.risk.cooldownMinutes).toBe(10);
    expect(config.engine.profiles.idleExpiryMinutes).toBe(3 * 24 * 60);
    expect(config.engine.profiles.rateShortSeconds).toBe(120);
    expect(config.actions.decisions.ttl).toEqual({
      throttle: 1_800_000,
      block: 7_200_000,
      revoke: 86_400_000,
    });
    expect(config.input.maxFutureSkewMs).toBe(300_000);
  });

  it("names the field and the mistake for `ttl.throttle: 15mins`", () => {
    expect(problems("actions:\n  decisions:\n    ttl:\n      throttle: 15mins\n")).toContain(
      'actions.decisions.ttl.throttle: expected a duration such as 500ms, 30s, 15m, 24h or 7d, got "15mins"',
    );
  });

  it('suggests the key that was meant ("did you mean")', () => {
    const message = problems("engine:\n  risk:\n    halfLifeMinute: 30\n");
    expect(message).toContain(
      'engine.risk: Unrecognized key: "halfLifeMinute" ("halfLifeMinute": did you mean "halfLifeMinutes"?)',
    );
    // Nothing close: no guess.
    expect(problems("engine:\n  zebra: 1\n")).not.toContain("did you mean");
  });

  it("names the environment variable behind a bad or misspelt override", () => {
    expect(problems("{}", { AGENTWATCH_API__PROT: "9090" })).toContain(
      'api: Unrecognized key: "prot" ("prot": did you mean "port"?) (set by AGENTWATCH_API__PROT)',
    );
    expect(problems("{}", { AGENTWATCH_API__REQUEST_TIMEOUT_MS: "50ms" })).toContain(
      'api.requestTimeoutMs: must be at least 100ms, got "50ms" (set by AGENTWATCH_API__REQUEST_TIMEOUT_MS)',
    );
  });

  it("prints the effective config with durations as strings, and that output loads back the same", () => {
    const config = loadConfig(configSchema, yamlFile("engine:\n  risk:\n    cooldownMinutes: 90\n"), {});
    const printed = readableDurations(configSchema, JSON.parse(JSON.stringify(config))) as {
      engine: {
        risk: { cooldownMinutes: string; halfLifeMinutes: string };
        profiles: { idleExpiryMinutes: string };
      };
      actions: { decisions: { ttl: { throttle: string } } };
    };
    expect(printed.engine.risk.cooldownMinutes).toBe("90m");
    expect(printed.engine.risk.halfLifeMinutes).toBe("30m");
    expect(printed.engine.profiles.idleExpiryMinutes).toBe("7d");
    expect(printed.actions.decisions.ttl.throttle).toBe("15m");
    const reloaded = loadConfig(configSchema, yamlFile(stringifyYaml(printed)), {});
    expect(JSON.parse(JSON.stringify(reloaded))).toEqual(JSON.parse(JSON.stringify(config)));
    expect(parseYaml(stringifyYaml(printed)).engine.risk.cooldownMinutes).toBe("90m");
  });
});
