/**
 * The shape of a rule file (`rules/*.yaml`): a pack name, a description, and a list of rules. Each
 * rule says what requests it matches, optionally how many of them an agent must send (a window
 * count or a leaky bucket, as CrowdSec scenarios do), and the finding it produces. Strict at every
 * level, so a typo is an error that names its file, line and field (see `load.ts`).
 */
import { z } from "zod";
import { duration } from "../config/duration.js";
import type { IdentitySource } from "../events/event.js";

const durationSchema = duration("ms");

const IDENTITY_KINDS = [
  "agent",
  "header",
  "jwt",
  "consumer",
  "apikey",
  "ip",
] as const satisfies readonly IdentitySource[];

const patternList = z.array(z.string().min(1).max(2048)).min(1).max(500);

function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source, "i");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Regular expressions, checked when the file is read: a rule that cannot compile never loads. */
const regexList = z
  .array(
    z
      .string()
      .min(1)
      .max(2048)
      .superRefine((source, ctx) => {
        const problem = regexProblem(source);
        if (problem !== undefined)
          ctx.addIssue({ code: "custom", message: `invalid regular expression: ${problem}` });
        // A backreference would point at another pattern's group once patterns are combined.
        else if (/\\[1-9]|\\k</.test(source))
          ctx.addIssue({ code: "custom", message: "backreferences are not supported" });
      }),
  )
  .min(1)
  .max(500);

/**
 * Text conditions. `glob` matches the whole value (`*` within one path segment, `**` across
 * segments, `{a,b}` either); `contains` a substring; `regex` a JavaScript regular expression
 * anywhere in the value. All case-insensitive. Any one pattern matching is a match.
 */
const textMatch = z
  .object({
    glob: patternList.optional(),
    contains: patternList.optional(),
    regex: regexList.optional(),
  })
  .strict()
  .refine((m) => m.glob !== undefined || m.contains !== undefined || m.regex !== undefined, {
    message: "give at least one of glob, contains or regex",
  });

/** A path condition: globs as a plain list, or the full form. */
const pathMatch = z.union([patternList.transform((glob) => ({ glob })), textMatch]);
/** Query, user agent and request line: substrings as a plain list, or the full form. */
const substringMatch = z.union([patternList.transform((contains) => ({ contains })), textMatch]);

const STATUS_CLASS = /^[1-5]xx$/;
const statusEntry = z.union([
  z.number().int().min(0).max(999),
  z.string().regex(STATUS_CLASS, "expected a status code or a class such as 4xx"),
]);

const sizeRange = z
  .object({ min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, { message: "give min, max or both" })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: "min exceeds max",
  });

/** Every condition given must hold (AND); within one condition, any listed value matches (OR). */
export const ruleMatchSchema = z
  .object({
    /** HTTP methods, upper case (`-` is the method of a request line that could not be read). */
    method: z
      .array(z.string().regex(/^(?:[A-Z]+|-)$/, "expected an upper-case HTTP method"))
      .min(1)
      .optional(),
    /** The request path without its query string, as sent (not decoded). */
    path: pathMatch.optional(),
    /** The query string after `?`, as sent. */
    query: substringMatch.optional(),
    userAgent: substringMatch.optional(),
    /** Response status codes or classes (`404`, `4xx`). */
    status: z.array(statusEntry).min(1).optional(),
    requestBytes: sizeRange.optional(),
    responseBytes: sizeRange.optional(),
    /** How the agent was identified: agent, header, jwt, consumer, apikey or ip. */
    identity: z.array(z.enum(IDENTITY_KINDS)).min(1).optional(),
    /**
     * true: only requests whose request line could not be read as `METHOD target HTTP/x`
     * (a TLS or SSH handshake sent to an HTTP port, garbage); false: only well-formed ones.
     */
    malformed: z.boolean().optional(),
    /** The unreadable request line as the gateway logged it (nginx writes bytes as `\xHH`). */
    requestLine: substringMatch.optional(),
  })
  .strict()
  .refine((m) => Object.keys(m).length > 0, { message: "a rule must match on something" });

const LEAK_RATE = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?(?:ms|s|m|h|d))$/;

/** Count matching requests per agent within a window that opens on the first of them. */
const windowCount = z
  .object({
    /** The window, e.g. `5m`. */
    window: durationSchema.refine((ms) => ms > 0, { message: "window must be positive" }),
    /** Matching requests within the window at which the rule fires (and keeps firing until it closes). */
    threshold: z.number().int().min(1).max(1_000_000),
  })
  .strict();

/**
 * A leaky bucket per agent: each matching request pours one in, `leakRate` drains it (`1/10s`:
 * one request every ten seconds), and the rule fires while the level exceeds `capacity`.
 */
const leakyBucket = z
  .object({
    capacity: z.number().int().min(0).max(1_000_000),
    leakRate: z
      .string()
      .regex(LEAK_RATE, "expected requests per duration, such as 1/10s or 30/1m")
      .transform((text) => {
        const [, amount, per] = LEAK_RATE.exec(text) as unknown as [string, string, string];
        return { amount: Number(amount), perMs: durationSchema.parse(per) as number };
      })
      .refine((r) => r.amount > 0 && r.perMs > 0, { message: "leak rate must be positive" }),
  })
  .strict();

export const PLACEHOLDERS = [
  "rule",
  "method",
  "path",
  "query",
  "status",
  "userAgent",
  "clientIp",
  "agent",
  "identity",
  "requestBytes",
  "responseBytes",
  "requestLine",
  "count",
] as const;
export const ruleSchema = z
  .object({
    /** Unique across all loaded rules; lower case, digits, `.`, `_`, `-`. */
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "expected lower-case letters, digits, '.', '_' or '-'"),
    description: z.string().min(1).max(500),
    /** Where the rule's knowledge comes from: advisory, CVE record, vendor documentation (URLs). */
    source: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    enabled: z.boolean().default(true),
    match: ruleMatchSchema,
    /** Count matching requests per agent in a window; absent (and no bucket): every match fires. */
    count: windowCount.optional(),
    bucket: leakyBucket.optional(),
    /** Score of the finding, in (0, 1]: 0.5 throttles on its own with the default tiers, 0.7 blocks. */
    score: z.number().gt(0).max(1),
    /**
     * The finding's text. Placeholders: {rule} {method} {path} {query} {status} {userAgent}
     * {clientIp} {agent} {identity} {requestBytes} {responseBytes} {requestLine} {count}.
     */
    reason: z
      .string()
      .min(1)
      .max(500)
      .superRefine((text, ctx) => {
        for (const [, name] of text.matchAll(/\{([^}]*)\}/g)) {
          if (!(PLACEHOLDERS as readonly string[]).includes(name as string))
            ctx.addIssue({
              code: "custom",
              message: `unknown placeholder {${name}}; known: ${PLACEHOLDERS.join(", ")}`,
            });
        }
      }),
  })
  .strict()
  .refine((r) => r.count === undefined || r.bucket === undefined, {
    message: "give count or bucket, not both",
    path: ["bucket"],
  });

export const ruleFileSchema = z
  .object({
    /** Name of the pack this file holds, for listings. */
    pack: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected lower-case letters, digits and '-'"),
    description: z.string().min(1),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();

export type Placeholder = (typeof PLACEHOLDERS)[number];

export type Rule = z.output<typeof ruleSchema>;
export type RuleMatch = z.output<typeof ruleMatchSchema>;
export type TextMatch = { glob?: string[]; contains?: string[]; regex?: string[] };
