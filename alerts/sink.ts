/**
 * The sink contract. One sink type = one file in `alerts/` exporting a `SinkDescriptor`: its
 * options schema (zod, `.strict()`, discriminated by `type`), the role that decides which events
 * the router hands it, and a factory. Inside a sink file, building the payload is a pure exported
 * function; `deliver` is the thin part that sends it. Retries, backoff, timeouts, the circuit
 * breaker, concurrency, batching windows and dedup are the delivery layer's (`src/actions/`),
 * never a sink's.
 */
import type { Logger } from "pino";
import { z } from "zod";
import { durationSchema } from "../src/actions/duration.js";
import type { HttpRequest } from "../src/actions/http.js";
import type { PolicyOutcome } from "../src/actions/policy.js";
import type { Decision, DecisionType, EndReason } from "../src/actions/records.js";
import type { TierRecovery } from "../src/engine/engine.js";
import { type Alert, SEVERITIES } from "../src/engine/types.js";

/**
 * What a sink is for; the router's table in `src/actions/router.ts` maps roles to events:
 * `audit` gets everything, `notify` alerts whose tier says notify (and those incidents' recovery),
 * `events` those plus every recovery and decision end, `page` new, escalated or reopened incidents
 * whose tier says page (and their resolution), `gateway` enforced decisions and their ends
 * (a throttle lifted on recovery included), `revoke` enforced revocations.
 */
export type SinkRole = "audit" | "notify" | "events" | "page" | "gateway" | "revoke";

export interface AlertEvent {
  kind: "alert";
  alert: Alert;
  /** Decision in force after this alert (undefined when none). */
  decision: Decision | undefined;
  change: PolicyOutcome["change"];
  /** The agent or its address is allowlisted: nothing was decided or enforced. */
  allowlisted: boolean;
  /** Allowlisted only: what the tier would have decided (decide-and-log). */
  wouldDecide?: DecisionType;
}

export interface EndedEvent {
  kind: "ended";
  decision: Decision;
  reason: EndReason;
  /** A newer decision (another incident) already replaced it: enforcement must not be lifted. */
  superseded: boolean;
  /** Event time of the end. */
  at: number;
}

/** An agent with an open incident fell back below every tier (see `recover` in `policy.ts`). */
export interface RecoveredEvent {
  kind: "recovered";
  recovery: TierRecovery;
  /** The decision recovered from, `recoveredAt` set. */
  decision: Decision;
  /** True: the throttle was lifted (gateways remove it); false: the block or revoke stays in force. */
  lifted: boolean;
}

/** `POST /v1/test`: a harmless event each sink turns into its own kind of ping. */
export interface TestEvent {
  kind: "test";
  at: number;
}

export type SinkEvent = AlertEvent | RecoveredEvent | EndedEvent | TestEvent;

export interface DeliveryContext {
  /** Stable across retries of the same delivery (Standard Webhooks `webhook-id`, idempotency keys). */
  id: string;
  /** Wall-clock time of this attempt (signature timestamps are about sending, not about events). */
  now: number;
  /** Performs one HTTP call with the configured timeout; throws `DeliveryError` unless 2xx. */
  send(request: HttpRequest): Promise<{ status: number; text: string }>;
  logger: Logger;
}

export interface DeliveryResult {
  outcome: "delivered" | "skipped";
  detail: string;
}

export interface Sink {
  readonly name: string;
  readonly type: string;
  readonly role: SinkRole;
  readonly filter: SinkFilter;
  /** Events with the same `key` arriving within `windowMs` are delivered together (one message). */
  readonly batch?: { windowMs: number; max: number; key(event: SinkEvent): string };
  /**
   * Deliveries with the same key are made one after another, in order, retries included (a
   * gateway must not see an agent's removal overtake its upsert).
   */
  readonly orderKey?: (event: SinkEvent) => string | undefined;
  /** Spacing between requests to this sink (Slack allows one message per second per webhook). */
  readonly minIntervalMs?: number;
  /** Per-sink overrides of the delivery defaults. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  deliver(events: readonly SinkEvent[], ctx: DeliveryContext): Promise<DeliveryResult>;
}

export interface SinkFilter {
  minSeverity: (typeof SEVERITIES)[number];
  detectors?: readonly string[];
  agentLabels?: readonly string[];
}

export interface SinkDescriptor<Schema extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly role: SinkRole;
  /** One line for the README. */
  readonly description: string;
  readonly options: Schema;
  create(options: z.output<Schema>, env: { logger: Logger }): Sink;
}

/** Fields every sink has; spread into each sink's `z.object({...}).strict()`. */
export const sinkBaseShape = {
  /** Unique name, used in metrics, logs, dead letters and `POST /v1/test` results. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' and '-' only"),
  /** Alerts below this severity never reach the sink. */
  minSeverity: z.enum(SEVERITIES).default("low"),
  /** Further narrowing: any listed detector among the alert's reasons, any listed label on the agent. */
  match: z
    .object({
      /** Only alerts with a finding from one of these detectors. */
      detectors: z.array(z.string().min(1)).min(1).optional(),
      /** Only agents carrying one of these labels (see `actions.agentLabels`). */
      agentLabels: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict()
    .optional(),
  /** Parallel requests to this sink (default: `delivery.concurrency`). */
  concurrency: z.number().int().positive().max(64).optional(),
  /** Per-request timeout for this sink (default: `delivery.timeout`). */
  timeout: durationSchema.optional(),
} as const;

type BaseOptions = {
  name: string;
  minSeverity: SinkFilter["minSeverity"];
  match?: { detectors?: string[] | undefined; agentLabels?: string[] | undefined } | undefined;
  concurrency?: number | undefined;
  timeout?: number | undefined;
};

/** The common part of a `Sink`, from the common options. */
export function sinkBase(type: string, role: SinkRole, options: BaseOptions) {
  return {
    name: options.name,
    type,
    role,
    filter: {
      minSeverity: options.minSeverity,
      ...(options.match?.detectors ? { detectors: options.match.detectors } : {}),
      ...(options.match?.agentLabels ? { agentLabels: options.match.agentLabels } : {}),
    },
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
  };
}
