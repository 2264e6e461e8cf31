/**
 * The canonical-event check on the hot path, compiled from `accessEventSchema`.
 *
 * `accessEventSchema.safeParse` costs about as much per event as `JSON.parse` of the whole
 * line, which alone would eat the pipeline's throughput budget. But parsers have already typed
 * every value (numbers are numbers, times are epoch ms), so what is left to check is each
 * field's type and bounds. Those bounds are read from the zod schema at start-up (string
 * min/max length, number min/max/integer), so the schema stays the one definition; fields
 * of other kinds (`scopes`) are checked by their own zod schema. Only when a check fails is
 * the full zod parse run, to report the exact issue in zod's words.
 */
import { z } from "zod";
import { type AccessEventInput, accessEventSchema } from "../events/event.js";

interface StringRule {
  kind: "string";
  key: string;
  optional: boolean;
  min: number;
  max: number;
}
interface NumberRule {
  kind: "number";
  key: string;
  optional: boolean;
  min: number;
  max: number;
  int: boolean;
}
interface ZodRule {
  kind: "zod";
  key: string;
  optional: boolean;
  schema: z.ZodType;
}
type Rule = StringRule | NumberRule | ZodRule;

function numberRule(key: string, optional: boolean, schema: z.ZodNumber): Rule {
  return {
    kind: "number",
    key,
    optional,
    min: schema.minValue ?? Number.NEGATIVE_INFINITY,
    max: schema.maxValue ?? Number.POSITIVE_INFINITY,
    int: schema.isInt,
  };
}

function compileRule(key: string, field: z.ZodType): Rule {
  let optional = false;
  let inner = field;
  if (inner instanceof z.ZodOptional) {
    optional = true;
    inner = inner.unwrap() as z.ZodType;
  }
  if (inner instanceof z.ZodString) {
    return {
      kind: "string",
      key,
      optional,
      min: inner.minLength ?? 0,
      max: inner.maxLength ?? Number.POSITIVE_INFINITY,
    };
  }
  if (inner instanceof z.ZodNumber) return numberRule(key, optional, inner);
  if (inner instanceof z.ZodUnion) {
    // The timestamp: parsers always hand over epoch ms, i.e. the union's numeric branch.
    const numeric = inner.options.find((option) => option instanceof z.ZodNumber);
    if (numeric) return numberRule(key, optional, numeric as z.ZodNumber);
  }
  return { kind: "zod", key, optional, schema: inner };
}

const RULES: readonly Rule[] = Object.entries(accessEventSchema.shape).map(([key, field]) =>
  compileRule(key, field as z.ZodType),
);

function stringRule(key: keyof AccessEventInput): { min: number; max: number } {
  const rule = RULES.find((r) => r.key === key);
  if (rule?.kind !== "string") throw new Error(`accessEventSchema.${key} is not a string field`);
  return rule;
}

/** Length limits the decoder needs before checking (truncation, identity candidates). */
export const LIMITS = {
  agentId: stringRule("agentId").max,
  tokenId: stringRule("tokenId").max,
  path: stringRule("path").max,
  userAgent: stringRule("userAgent").max,
} as const;

/**
 * Generates the check as straight-line code, one `if` per field with the bounds inlined. A loop
 * over the rules reads `event[rule.key]` with a different key each time, which V8 cannot
 * specialise; named reads of constant keys it can, and this check runs on every event. The
 * source is built only from the schema's own keys and numbers (keys through JSON.stringify).
 */
function compileCheck(
  rules: readonly Rule[],
): (event: Readonly<Record<string, unknown>>) => string | undefined {
  const schemas: z.ZodType[] = [];
  const body = rules.map((rule) => {
    const key = JSON.stringify(rule.key);
    const absent = rule.optional ? "false" : "true";
    if (rule.kind === "string") {
      return `v = e[${key}]; if (typeof v === "string" ? v.length < ${rule.min} || v.length > ${rule.max} : v !== undefined || ${absent}) return ${key};`;
    }
    if (rule.kind === "number") {
      const integer = rule.int ? " && Number.isInteger(v)" : "";
      return `v = e[${key}]; if (typeof v === "number" ? !(Number.isFinite(v) && v >= ${rule.min} && v <= ${rule.max}${integer}) : v !== undefined || ${absent}) return ${key};`;
    }
    schemas.push(rule.schema);
    return `v = e[${key}]; if (v === undefined ? ${absent} : !schemas[${schemas.length - 1}].safeParse(v).success) return ${key};`;
  });
  const source = `return function firstInvalidField(e) {\n  let v;\n  ${body.join("\n  ")}\n  return undefined;\n};`;
  return new Function("schemas", source)(schemas);
}

/**
 * A field of `event` that `accessEventSchema` would refuse, or undefined when it would accept
 * the event. `event` must carry epoch-ms timestamps (the decoder's form, not the ISO input form).
 */
export const firstInvalidField = compileCheck(RULES);

/** zod's own description of why `event` is invalid (run only after `firstInvalidField` failed). */
export function describeInvalid(event: Readonly<Record<string, unknown>>): string {
  const result = accessEventSchema.safeParse(event);
  if (result.success) return "invalid event";
  const issue = result.error.issues[0];
  return issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid event";
}
