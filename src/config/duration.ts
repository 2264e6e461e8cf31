/**
 * The one duration convention of the configuration: every duration field accepts a string such
 * as `500ms`, `30s`, `15m`, `24h` or `7d`, and a plain number in the unit the field always took
 * (milliseconds for `...Ms` and the action layer, minutes for `...Minutes`, and so on), so
 * existing configs keep working. Parsed once by zod: the code behind a field still sees a number
 * in the field's unit. `agentwatch config` prints them back as strings (`readableDurations`).
 *
 * A field changes with one call: `halfLifeMinutes: duration("m", { positive: true }).default(30)`.
 */
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const EXAMPLE = "a duration such as 500ms, 30s, 15m, 24h or 7d";

/** Milliseconds of `"15m"`, or undefined when the text is no duration. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
}

/** `"1h"` for 3600000: the largest unit that divides the duration, down to milliseconds. */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms * 1000) / 1000}ms`;
}

export interface DurationBounds {
  /** Refuse zero (`.positive()` in the field's former schema). */
  positive?: boolean;
  /** Bounds as durations, e.g. `"100ms"`, `"10m"`. */
  min?: string;
  max?: string;
}

/** The unit of each duration field's schema, for printing and for the configuration reference. */
export const durationUnits = new WeakMap<z.ZodType, DurationUnit>();

/**
 * A duration field whose plain numbers are in `unit` and whose value, once parsed, is a number in
 * `unit` (whole milliseconds when the unit is `ms`). Bounds give errors in durations.
 */
export function duration(unit: DurationUnit = "ms", bounds: DurationBounds = {}) {
  const min = bounds.min === undefined ? 0 : (parseDuration(bounds.min) as number);
  const max = bounds.max === undefined ? Number.POSITIVE_INFINITY : (parseDuration(bounds.max) as number);
  const schema = z
    .union([z.number(), z.string()], { error: `expected ${EXAMPLE}` })
    .transform((value, ctx) => {
      const ms = typeof value === "number" ? value * UNIT_MS[unit] : parseDuration(value);
      if (ms === undefined || !Number.isFinite(ms)) {
        ctx.addIssue({ code: "custom", message: `expected ${EXAMPLE}, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      const problem =
        ms < min || ms < 0
          ? `at least ${formatDuration(min)}`
          : ms > max
            ? `at most ${formatDuration(max)}`
            : bounds.positive && ms === 0
              ? "more than 0"
              : undefined;
      if (problem) {
        ctx.addIssue({ code: "custom", message: `must be ${problem}, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return unit === "ms" ? Math.round(ms) : ms / UNIT_MS[unit];
    });
  durationUnits.set(schema, unit);
  return schema;
}

/** The parts of zod's runtime definitions the walk reads. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}
const defOf = (schema: z.ZodType) => schema._zod.def as unknown as Def;
const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch"]);

/** The schema under optional/default/... wrappers and refinements, as a field's value sees it. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let inner = schema;
  for (;;) {
    if (durationUnits.has(inner)) return inner;
    const def = defOf(inner);
    if (WRAPPERS.has(def.type) && def.innerType) inner = def.innerType;
    else if (def.type === "pipe" && def.in) inner = def.in;
    else return inner;
  }
}

/** The field names an object schema knows (for "did you mean"); none for anything else. */
export function objectKeys(schema: z.ZodType): string[] {
  return Object.keys(defOf(unwrapSchema(schema)).shape ?? {});
}

/**
 * The schema of the child `key` of a value held by `schema`: an object's field, an array's element,
 * a record's value, or (for a union discriminated by `type` and the like) the option the value picks.
 */
export function childSchema(schema: z.ZodType, key: string | number, value?: unknown): z.ZodType | undefined {
  const def = defOf(unwrapSchema(schema));
  if (def.shape) return def.shape[key];
  if (def.element) return def.element;
  if (def.valueType) return def.valueType;
  if (def.options && def.discriminator && typeof value === "object" && value !== null) {
    const tag = (value as Record<string, unknown>)[def.discriminator];
    const option = def.options.find((o) => {
      const literal = defOf(unwrapSchema(o)).shape?.[def.discriminator as string];
      return literal?.safeParse(tag).success === true;
    });
    return option && childSchema(option, key);
  }
  return undefined;
}

/** A copy of a parsed configuration with every duration written back as `15m`, `24h`, ... */
export function readableDurations(schema: z.ZodType, value: unknown): unknown {
  const unit = durationUnits.get(unwrapSchema(schema));
  if (unit !== undefined && typeof value === "number") return formatDuration(value * UNIT_MS[unit]);
  if (Array.isArray(value)) return value.map((item, i) => walkChild(schema, i, item, value));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, walkChild(schema, key, child, value)]),
    );
  }
  return value;
}

function walkChild(schema: z.ZodType, key: string | number, child: unknown, parent: unknown): unknown {
  const inner = childSchema(schema, key, parent);
  return inner ? readableDurations(inner, child) : child;
}
