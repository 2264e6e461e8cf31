/**
 * zod schemas of every status API input and output. Inputs are parsed with them (so a bad
 * parameter is a 400 naming the field); outputs are declared with them and the OpenAPI document is
 * generated from both, so the docs cannot drift from what the code accepts and returns.
 */
import { z } from "zod";
import { duration } from "../config/duration.js";
import { SEVERITIES } from "../engine/types.js";

/** Largest page any listing serves. */
export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;

const TIERS = ["none", ...SEVERITIES] as const;
// C0 controls and DEL never occur in ids the parsers produce; rejecting them keeps them out of logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** An agent id or allowlist entry id as it arrives in a path or query (already URL-decoded). */
export const idSchema = z
  .string()
  .min(1, "must not be empty")
  .max(256, "must be at most 256 characters")
  .refine((value) => !CONTROL_CHARS.test(value), "must not contain control characters");

const pageCursorSchema = z
  .string()
  .max(512, "must be at most 512 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "must be a cursor returned by a previous page");

const limitSchema = z
  .string()
  .regex(/^\d{1,9}$/, "must be a whole number")
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
  .default(DEFAULT_PAGE_SIZE);

/** Epoch milliseconds or ISO 8601 with offset. */
const timeSchema = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

const riskParamSchema = z
  .string()
  .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, "must be a number between 0 and 1")
  .transform(Number);

export const idParamsSchema = z.object({ id: idSchema }).strict();

// Query fields carry `.describe()` rather than TSDoc: the text lands in the OpenAPI document.
const cursorParam = pageCursorSchema.optional().describe("`nextCursor` of the previous page");
const limitParam = limitSchema.describe(`Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`);

export const agentListQuerySchema = z
  .object({
    tier: z.enum(TIERS).optional().describe("Only agents in this risk tier"),
    minRisk: riskParamSchema.optional().describe("Only agents whose risk is at least this, 0 to 1"),
    seenSince: timeSchema
      .optional()
      .describe("Only agents seen at or after this time (ISO 8601 or epoch ms)"),
    cursor: cursorParam,
    limit: limitParam,
  })
  .strict();

export const alertListQuerySchema = z
  .object({
    severity: z
      .string()
      .max(64)
      .transform((value) => value.split(","))
      .pipe(z.array(z.enum(SEVERITIES)).min(1))
      .optional()
      .describe("Comma-separated severities to keep, e.g. `high,critical`"),
    agent: idSchema.optional().describe("Only this agent's alerts"),
    since: timeSchema
      .optional()
      .describe("Only alerts whose event time is at or after this (ISO 8601 or epoch ms)"),
    cursor: cursorParam,
    limit: limitParam,
  })
  .strict();

export const decisionsQuerySchema = z
  .object({
    since: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be a cursor returned by a previous answer")
      .optional()
      .describe("`cursor` of a previous answer: return only what changed since"),
  })
  .strict();

export const decisionCheckQuerySchema = z
  .object({
    agent: idSchema
      .optional()
      .describe("The agent id; may come in the `X-Agentwatch-Agent` header instead (no URL escaping)"),
  })
  .strict();

export const unblockBodySchema = z
  .object({
    /** Why, for the audit log. */
    reason: z.string().max(512).optional(),
  })
  .strict()
  .optional();

/** An agent id, or a network when it contains `/` (the allowlist's own rule). */
export const allowlistBodySchema = z
  .object({
    entry: z.union([
      z.cidrv4(),
      z.cidrv6(),
      idSchema.refine((value) => !value.includes("/"), "an entry containing '/' must be a CIDR"),
    ]),
  })
  .strict();

/** An operator's decision: `agentwatch decisions add`. */
export const decisionAddBodySchema = z
  .object({
    agentId: idSchema,
    type: z.enum(["throttle", "block", "revoke"]),
    /** How long it stays in force, e.g. `4h` (or milliseconds). */
    duration: duration("ms", { positive: true, max: "365d" }),
    /** Why, shown with the decision and in the audit log. */
    reason: z.string().min(1).max(512),
    /** Throttle only: requests per minute let through. */
    ratePerMinute: z.number().int().positive().max(1_000_000).optional(),
  })
  .strict();

// ---- outputs ----

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export const healthSchema = z.object({ status: z.literal("ok") });
export const readinessSchema = z.object({ ready: z.boolean(), checks: z.record(z.string(), z.boolean()) });

const tierSchema = z.enum(TIERS);
export const agentBriefSchema = z.object({
  agentId: z.string(),
  risk: z.number().min(0).max(1),
  tier: tierSchema,
  /** ISO 8601 event time of the latest event. */
  lastSeen: z.string(),
});

const findingSchema = z.object({ detector: z.string(), score: z.number(), detail: z.string() });
export const alertSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  identitySource: z.enum(["agent", "header", "jwt", "consumer", "apikey", "ip"]),
  /** Whether the identity was vouched for (gateway, verified JWT, API key) rather than claimed; only such alerts revoke. */
  authenticated: z.boolean().optional(),
  severity: z.enum(SEVERITIES),
  riskScore: z.number(),
  timestamp: z.string(),
  requestId: z.string().optional(),
  action: z.enum(["log", "throttle", "block", "block-and-revoke"]),
  reasons: z.array(findingSchema),
  request: z.object({
    method: z.string(),
    template: z.string(),
    status: z.number(),
    clientIp: z.string(),
    templateSource: z.string().optional(),
  }),
  tokenHash: z.string().optional(),
});

/** A decision as the API shows it: the store's record with event times as ISO 8601. */
export const decisionSchema = z.object({
  agentId: z.string(),
  /** `revoke` also blocks. */
  type: z.enum(["throttle", "block", "revoke"]),
  /** Requests per minute let through while throttled. */
  ratePerMinute: z.number().optional(),
  since: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  /** `reopened`: a new offence after the agent had recovered while its block stood. */
  change: z.enum(["created", "escalated", "reopened"]),
  /** When the agent's risk fell back while this (block/revoke) decision stayed in force. */
  recoveredAt: z.string().optional(),
  alertId: z.string(),
  severity: z.enum(SEVERITIES),
  riskScore: z.number(),
  level: z.number(),
  /** Decided and reported, never enforced: gateways ignore it. */
  shadow: z.boolean(),
  incidentKey: z.string(),
  reason: z.string(),
  /**
   * What the decision applies to: `kind` is how the log pipeline recognised the agent (`agent`,
   * `header`, `jwt`, `consumer`, `apikey`, `ip`), `value` its id (`ip`: an address or a CIDR).
   */
  identity: z.object({ kind: z.string(), value: z.string() }).optional(),
  /** Hashes of the credentials seen in the incident (`sha256:` + 16 hex of the token id's digest). */
  tokenHashes: z.array(z.string()).optional(),
  /** Why a revoke was asked for but a block decided. */
  notRevoked: z.string().optional(),
});

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const agentListSchema = page(agentBriefSchema);
export const alertListSchema = page(alertSchema);

export const agentDetailSchema = z.object({
  agent: agentBriefSchema,
  /** The engine's readable profile (endpoints, sizes, transitions, rates, risk history...). */
  profile: z.record(z.string(), z.unknown()),
  decision: decisionSchema.nullable(),
  recentAlerts: z.array(alertSchema),
});

export const decisionsSnapshotSchema = z.object({ decisions: z.array(decisionSchema), cursor: z.string() });
export const decisionsChangesSchema = z.object({
  added: z.array(decisionSchema),
  /** Agent ids whose decision ended. */
  removed: z.array(z.string()),
  cursor: z.string(),
  /** The cursor was too old: `added` is the full active set, drop everything else. */
  reset: z.boolean(),
});

export const unblockResultSchema = z.object({ agentId: z.string(), unblocked: z.literal(true) });
export const allowlistResultSchema = z.object({
  entry: z.string(),
  /** Whether an active decision against the agent was lifted. */
  unblocked: z.boolean(),
});
export const allowlistListSchema = z.object({
  items: z.array(z.object({ entry: z.string(), source: z.enum(["config", "api"]) })),
});
export const keyListSchema = z.object({
  items: z.array(z.object({ name: z.string(), scopes: z.array(z.string()) })),
});
export const sinkTestSchema = z.object({
  ok: z.boolean(),
  results: z.array(z.object({ sink: z.string(), ok: z.boolean(), detail: z.string() })),
});
