/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). A new or escalated incident is a `trigger`; all
 * events of one agent incident share a `dedup_key` (the decision's incident key), so re-alerts
 * and escalations update the open alert instead of opening new ones; the agent's risk falling
 * back, or the decision's end (expiry or manual unblock) if that comes first, sends `resolve` with
 * the same key. Severity maps to PagerDuty's
 * critical|error|warning|info. Success is 202 `{"status":"success","dedup_key":...}`.
 */
import { z } from "zod";
import { secretSchema } from "../src/actions/secret.js";
import type { Severity } from "../src/engine/types.js";
import { visibleText } from "../src/events/visible-text.js";
import { describeOutcome, formatRisk } from "./describe.js";
import {
  type AlertEvent,
  type EndedEvent,
  type RecoveredEvent,
  type SinkDescriptor,
  sinkBase,
  sinkBaseShape,
} from "./sink.js";

export const pagerDutySinkOptionsSchema = z
  .object({
    type: z.literal("pagerduty"),
    ...sinkBaseShape,
    /** Integration key of an Events API v2 integration (32 characters); a secret. */
    routingKey: secretSchema,
    /** Events API endpoint; change it only for the EU service region or a proxy. */
    url: z.url({ protocol: /^https?$/ }).default("https://events.pagerduty.com/v2/enqueue"),
    /** `payload.source`: where the problem is, shown in PagerDuty. */
    source: z.string().min(1).max(255).default("agentwatch"),
    /** Link shown with each incident, e.g. the agentwatch status API or a dashboard. */
    clientUrl: z.url().optional(),
  })
  .strict();

export type PagerDutyOptions = z.output<typeof pagerDutySinkOptionsSchema>;

export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, "critical" | "error" | "warning" | "info">> = {
  critical: "critical",
  high: "error",
  medium: "warning",
  low: "info",
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
}

/** The incident an alert belongs to: its decision's, or one of its own when nothing was decided. */
function dedupKeyFor(event: AlertEvent): string {
  return (
    event.decision?.incidentKey ??
    `agentwatch/${event.alert.agentId.slice(0, 64)}/alert/${event.alert.id}`.slice(0, 255)
  );
}

/** Pure: the trigger for an alert. */
export function buildTrigger(
  event: AlertEvent,
  routingKey: string,
  options: Pick<PagerDutyOptions, "source" | "clientUrl">,
): PagerDutyEvent {
  const { alert } = event;
  const top = alert.reasons[0];
  const summary = `[agentwatch] ${alert.severity} risk ${formatRisk(alert)} for agent ${alert.agentId}${top ? `: ${top.detail}` : ""}`;
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKeyFor(event),
    payload: {
      // Alerts carry visible text already (risk/alert.ts); the summary is checked again as it is what pages show.
      summary: visibleText(summary).slice(0, 1024),
      source: options.source,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.timestamp,
      component: alert.agentId.slice(0, 255),
      group: "agentwatch",
      class: top?.detector ?? "risk",
      custom_details: {
        agent: alert.agentId,
        identity_source: alert.identitySource,
        tier: alert.severity,
        risk: Number(formatRisk(alert)),
        decision: describeOutcome(event),
        reasons: alert.reasons
          .slice(0, 10)
          .map((r) => ({ detector: r.detector, score: r.score, detail: r.detail })),
        request: alert.request,
        alert_id: alert.id,
        ...(alert.tokenHash ? { token_hash: alert.tokenHash } : {}),
      },
    },
    client: "agentwatch",
    ...(options.clientUrl ? { client_url: options.clientUrl } : {}),
  };
}

/** Pure: the resolve for a recovery or an ended decision (the incident is the decision's). */
export function buildResolve(event: RecoveredEvent | EndedEvent, routingKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: "resolve", dedup_key: event.decision.incidentKey };
}

export const pagerDutySink: SinkDescriptor<typeof pagerDutySinkOptionsSchema> = {
  type: "pagerduty",
  role: "page",
  description: "Triggers, updates and resolves PagerDuty incidents (Events API v2) per agent incident.",
  options: pagerDutySinkOptionsSchema,
  create(options) {
    const post = (ctx: Parameters<import("./sink.js").Sink["deliver"]>[1], body: PagerDutyEvent) =>
      ctx.send({
        url: options.url,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    return {
      ...sinkBase("pagerduty", "page", options),
      async deliver(events, ctx) {
        const key = options.routingKey.reveal();
        for (const event of events) {
          if (event.kind === "alert") await post(ctx, buildTrigger(event, key, options));
          else if (event.kind === "ended" || event.kind === "recovered")
            await post(ctx, buildResolve(event, key));
          else {
            const test: AlertEvent = {
              kind: "alert",
              alert: testAlert(event.at),
              decision: undefined,
              change: "none",
              allowlisted: false,
            };
            const trigger = buildTrigger(test, key, options);
            await post(ctx, trigger);
            await post(ctx, { routing_key: key, event_action: "resolve", dedup_key: trigger.dedup_key });
          }
        }
        return { outcome: "delivered", detail: `${events.length} event(s) accepted` };
      },
    };
  },
};

function testAlert(at: number) {
  return {
    id: `test-${at}`,
    agentId: "agentwatch-test",
    identitySource: "agent" as const,
    authenticated: false,
    severity: "low" as const,
    riskScore: 0,
    timestamp: new Date(at).toISOString(),
    action: "log" as const,
    reasons: [{ detector: "test", score: 0, detail: "agentwatch test event, resolved immediately" }],
    request: { method: "GET", template: "/", status: 200, clientIp: "127.0.0.1" },
  };
}
