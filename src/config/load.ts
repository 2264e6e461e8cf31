/**
 * Loads configuration once, loudly: YAML file -> environment overrides -> zod validation with
 * defaults -> deep freeze. A bad config stops startup with the exact path of every problem.
 *
 * Environment overrides use `AGENTWATCH_` + the config path in upper snake case with `__`
 * between levels, e.g. `AGENTWATCH_API__PORT=9090` or `AGENTWATCH_KAFKA__BROKERS=a:9092,b:9092`.
 * Values are parsed as YAML scalars/flow collections, so numbers, booleans and `[a, b]` work.
 * A problem with a value set this way names the variable; a misspelt key gets a "did you mean".
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { AgentwatchError } from "../errors.js";
import { childSchema, objectKeys } from "./duration.js";

const ENV_PREFIX = "AGENTWATCH_";

/** Where a value came from: the environment variable that set a config path, by dotted path. */
type EnvOrigins = ReadonlyMap<string, string>;

/**
 * Turns a zod error into one line per problem: `kafka.brokers: Expected array, received string`.
 * With the schema, a misspelt key gets the nearest known key ("did you mean"); with the origins,
 * a value set by an environment variable names it.
 */
export function formatConfigIssues(
  error: z.ZodError,
  schema?: z.ZodType,
  origins: EnvOrigins = new Map(),
): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
      let message = issue.message;
      const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
      if (schema && unknownKeys.length > 0) {
        const known = objectKeys(schemaAt(schema, issue.path));
        const hints = unknownKeys.flatMap((key) => {
          const near = nearest(key, known);
          return near ? [`"${key}": did you mean "${near}"?`] : [];
        });
        if (hints.length > 0) message += ` (${hints.join("; ")})`;
      }
      const dotted = issue.path.map(String);
      const variables = [
        ...new Set(
          (unknownKeys.length > 0 ? unknownKeys.map((key) => [...dotted, key]) : [dotted]).flatMap((p) =>
            envOrigin(p, origins),
          ),
        ),
      ];
      if (variables.length > 0) message += ` (set by ${variables.join(", ")})`;
      return `  - ${path}: ${message}`;
    })
    .join("\n");
}

/** The variable that set `path` or one of its parents. */
function envOrigin(path: readonly string[], origins: EnvOrigins): string[] {
  for (let n = path.length; n > 0; n--) {
    const variable = origins.get(path.slice(0, n).join("."));
    if (variable) return [variable];
  }
  return [];
}

function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType {
  let node: z.ZodType | undefined = schema;
  for (const key of path) node = node && childSchema(node, key as string | number);
  return node ?? schema;
}

/** The known key closest to a misspelt one, if it is close enough to be what was meant. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
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
  origins = new Map<string, string>(),
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
    if (leaf) {
      node[leaf] = parseYaml(value);
      origins.set(path.join("."), name);
    }
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
function validateConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  origin: string,
  envOrigins: EnvOrigins,
): Readonly<z.output<S>> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new AgentwatchError(
      "INVALID_CONFIG",
      `${origin}\n${formatConfigIssues(result.error, schema, envOrigins)}`,
    );
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
      // The parser's first line names the problem and its position; the lines after it quote the
      // source, which may hold a secret (`whsec_...`): they are never printed.
      const problem = ((error as Error).message.split("\n")[0] ?? "").replace(/:$/, "");
      throw new AgentwatchError("INVALID_CONFIG", `${file} is not valid YAML: ${problem}`);
    }
    if (!isPlainObject(raw))
      throw new AgentwatchError("INVALID_CONFIG", `${file}: top level must be a mapping`);
  }
  const envOrigins = new Map<string, string>();
  const merged = merge(applyEnvOverrides(raw as Record<string, unknown>, env, envOrigins), flags);
  return validateConfig(schema, merged, file ?? "configuration", envOrigins);
}
