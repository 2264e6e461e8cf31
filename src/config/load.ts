/**
 * Loads configuration once, loudly: YAML file -> environment overrides -> zod validation with
 * defaults -> deep freeze. A bad config stops startup with the exact path of every problem.
 *
 * Environment overrides use `AGENTWATCH_` + the config path in upper snake case with `__`
 * between levels, e.g. `AGENTWATCH_API__PORT=9090` or `AGENTWATCH_KAFKA__BROKERS=a:9092,b:9092`.
 * Values are parsed as YAML scalars/flow collections, so numbers, booleans and `[a, b]` work.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { AgentwatchError } from "../errors.js";

const ENV_PREFIX = "AGENTWATCH_";

/** Turns a zod error into one line per problem: `kafka.brokers: Expected array, received string`. */
export function formatConfigIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  - ${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("\n");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function snakeToCamel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Applies `AGENTWATCH_A__B_C=value` as `a.bC = value` onto a copy of `raw`. */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const result = structuredClone(raw);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split("__").map(snakeToCamel);
    let node: Record<string, unknown> = result;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (!isPlainObject(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    if (leaf) node[leaf] = parseYaml(value);
  }
  return result;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Validates `raw` (already merged with env) against `schema`; throws INVALID_CONFIG listing every problem. */
function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, origin: string): Readonly<z.output<S>> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new AgentwatchError("INVALID_CONFIG", `${origin}\n${formatConfigIssues(result.error)}`);
  }
  return deepFreeze(result.data);
}

/** Deep-merges plain objects; anything else in `override` replaces what `base` has. */
function merge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return result;
}

/**
 * Reads the YAML file (if any), applies environment overrides, then `flags` (command-line
 * options, which win over both), and validates the result once.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  flags: Record<string, unknown> = {},
): Readonly<z.output<S>> {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new AgentwatchError("INVALID_CONFIG", `cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      throw new AgentwatchError("INVALID_CONFIG", `${file} is not valid YAML: ${(error as Error).message}`);
    }
    if (!isPlainObject(raw))
      throw new AgentwatchError("INVALID_CONFIG", `${file}: top level must be a mapping`);
  }
  const merged = merge(applyEnvOverrides(raw as Record<string, unknown>, env), flags);
  return validateConfig(schema, merged, file ?? "configuration");
}
