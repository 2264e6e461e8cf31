/**
 * Durations in config: a number of milliseconds or a string such as `250ms`, `30s`, `15m`, `1h`, `7d`.
 * Parsed once by zod, so the rest of the action layer only ever sees milliseconds.
 */
import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export const durationSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(PATTERN, "expected a duration such as 500ms, 30s, 15m, 1h or 7d")
    .transform((text) => {
      const [, amount, unit] = PATTERN.exec(text) as unknown as [string, string, keyof typeof UNIT_MS];
      return Math.round(Number(amount) * UNIT_MS[unit]);
    }),
]);
