// Config loading: YAML + env overrides + strict validation that names the exact path.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { applyEnvOverrides, loadConfig } from "../../src/config/load.js";
import { AgentwatchError } from "../../src/errors.js";

const schema = z
  .object({
    api: z
      .object({ port: z.number().int().default(8080), host: z.string().default("127.0.0.1") })
      .strict()
      .prefault({}),
    kafka: z
      .object({ brokers: z.array(z.string()).default([]) })
      .strict()
      .prefault({}),
  })
  .strict();

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aw-config-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, text);
  return file;
}

describe("loadConfig", () => {
  it("fills defaults and freezes the result", () => {
    const config = loadConfig(schema, undefined, {});
    expect(config.api).toEqual({ port: 8080, host: "127.0.0.1" });
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it("applies AGENTWATCH_ environment overrides over the file", () => {
    const file = yamlFile("api:\n  port: 9000\n");
    const config = loadConfig(schema, file, {
      AGENTWATCH_API__PORT: "9100",
      AGENTWATCH_KAFKA__BROKERS: "[a:9092, b:9092]",
    });
    expect(config.api.port).toBe(9100);
    expect(config.kafka.brokers).toEqual(["a:9092", "b:9092"]);
  });

  it("maps snake case env segments onto camelCase keys", () => {
    expect(applyEnvOverrides({}, { AGENTWATCH_ENGINE__MAX_AGENTS: "5" })).toEqual({
      engine: { maxAgents: 5 },
    });
  });

  it("stops on a typo with the exact path of the problem", () => {
    const file = yamlFile("api:\n  prot: 9000\n");
    expect(() => loadConfig(schema, file, {})).toThrowError(AgentwatchError);
    expect(() => loadConfig(schema, file, {})).toThrowError(/api/);
    expect(() => loadConfig(schema, file, {})).toThrowError(/prot/);
  });

  it("stops on a wrong type with the path", () => {
    const file = yamlFile("api:\n  port: nine\n");
    expect(() => loadConfig(schema, file, {})).toThrowError(/api\.port/);
  });

  it("reports unreadable and non-YAML files clearly", () => {
    expect(() => loadConfig(schema, "/nonexistent/agentwatch.yaml", {})).toThrowError(/cannot read/);
    expect(() => loadConfig(schema, yamlFile("api: [unclosed"), {})).toThrowError(/not valid YAML/);
  });
});
