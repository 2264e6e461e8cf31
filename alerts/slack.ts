/**
 * Slack incoming webhook. A burst of alerts for one agent becomes one Block Kit message (header,
 * facts, top reasons with observed vs baseline, the decision taken) with a plain `text` fallback
 * for notifications; an incident whose risk fell back gets a short "recovered" note. Slack
 * accepts about one message per second per webhook and answers 429 with
 * `Retry-After`; the delivery layer spaces and retries, this file only builds and sends.
 * Agent ids, paths, request ids and details come from attackers: they reach Slack only as
 * `plain_text` or as escaped inline code with `verbatim` set (slack-text.ts), never as live mrkdwn.
 */
import { z } from "zod";
import { durationSchema } from "../src/actions/duration.js";
import { secretUrlSchema } from "../src/actions/secret.js";
import { SEVERITIES } from "../src/engine/types.js";
import { describeOutcome, describeRecovery, formatRisk } from "./describe.js";
import {
  type AlertEvent,
  type RecoveredEvent,
  type SinkDescriptor,
  sinkBase,
  sinkBaseShape,
} from "./sink.js";
import { mrkdwnCode, slackPlainText } from "./slack-text.js";

export const slackSinkOptionsSchema = z
  .object({
    type: z.literal("slack"),
    ...sinkBaseShape,
    /** Incoming webhook URL (`https://hooks.slack.com/services/...`); a secret, never logged. */
    url: secretUrlSchema,
    /** Alerts for one agent within this window are grouped into one message. */
    groupWindow: durationSchema.prefault("5s"),
    /** At most this many alerts in one message; more start a new one. */
    groupMax: z.number().int().min(1).max(100).default(20),
    /** Minimum spacing between messages on this webhook (Slack: one per second). */
    minInterval: durationSchema.prefault("1s"),
    /** Reasons listed per message. */
    maxReasons: z.number().int().min(1).max(10).default(5),
  })
  .strict();

const EMOJI = {
  low: ":information_source:",
  medium: ":warning:",
  high: ":rotating_light:",
  critical: ":fire:",
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** Pure: one message for a burst of alert events about the same agent. */
export function buildSlackMessage(events: readonly AlertEvent[], maxReasons = 5): SlackMessage {
  const worst = events.reduce((a, b) =>
    SEVERITIES.indexOf(b.alert.severity) > SEVERITIES.indexOf(a.alert.severity) ||
    (b.alert.severity === a.alert.severity && b.alert.riskScore > a.alert.riskScore)
      ? b
      : a,
  );
  const latest = events[events.length - 1] as AlertEvent;
  const { alert } = worst;
  const agent = mrkdwnCode(clip(alert.agentId, 200));
  const decision = describeOutcome(latest);
  const burst = events.length > 1 ? ` (${events.length} alerts)` : "";
  // Clip before escaping so an entity is never cut in half, leaving room for the entities.
  const header = clip(
    slackPlainText(
      clip(`${alert.severity.toUpperCase()} risk ${formatRisk(alert)}: agent ${alert.agentId}${burst}`, 100),
    ),
    150,
  );
  const reasons = alert.reasons
    .slice(0, maxReasons)
    // Escaped one by one: a newline inside a detail is shown as `\n`, only ours break lines.
    .map((r) => slackPlainText(`• ${r.detector} (${r.score.toFixed(2)}): ${clip(r.detail, 400)}`))
    .join("\n");
  const req = alert.request;
  const first = events[0] as AlertEvent;
  const span =
    events.length > 1 ? `${first.alert.timestamp} – ${latest.alert.timestamp}` : `${alert.timestamp}`;
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: header, emoji: false } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Agent*\n${agent} (${alert.identitySource})`, verbatim: true },
        { type: "mrkdwn", text: `*Tier*\n${EMOJI[alert.severity]} ${alert.severity}` },
        { type: "mrkdwn", text: `*Risk*\n${formatRisk(alert)}` },
        { type: "plain_text", text: clip(slackPlainText(`Decision\n${decision}`), 2000), emoji: false },
      ],
    },
    {
      type: "section",
      text: {
        type: "plain_text",
        text: clip(`Top reasons (observed vs baseline)\n${reasons || "—"}`, 3000),
        emoji: false,
      },
    },
    {
      type: "context",
      elements: [
        {
          type: "plain_text",
          text: clip(
            slackPlainText(
              `${req.method} ${req.template} → ${req.status} from ${req.clientIp || "unknown address"} · ${span}${alert.requestId ? ` · request ${alert.requestId}` : ""}`,
            ),
            2000,
          ),
          emoji: false,
        },
      ],
    },
  ];
  const topReason = alert.reasons[0]
    ? ` Top reason: ${alert.reasons[0].detector}: ${mrkdwnCode(clip(alert.reasons[0].detail, 400))}`
    : "";
  const text = clip(
    `agentwatch: ${alert.severity} risk ${formatRisk(alert)} for agent ${agent}${burst}. Decision: ${slackPlainText(decision)}.${topReason}`,
    3000,
  );
  return { text, blocks };
}

/** Pure: the note that an agent Slack was alerted about has fallen back below every tier. */
export function buildSlackRecoveryMessage(event: RecoveredEvent): SlackMessage {
  const { recovery, decision } = event;
  const agent = mrkdwnCode(clip(recovery.agentId, 200));
  const what = slackPlainText(describeRecovery(event));
  const risk = recovery.riskScore.toFixed(2);
  const text = `:white_check_mark: agentwatch: agent ${agent} recovered, risk fell back to ${risk} (was ${recovery.previousSeverity}). ${what}.`;
  const context = `incident ${decision.incidentKey} · ${recovery.timestamp}`;
  return {
    text: clip(text, 3000),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: clip(text, 3000), verbatim: true } },
      {
        type: "context",
        elements: [{ type: "plain_text", text: clip(slackPlainText(context), 2000), emoji: false }],
      },
    ],
  };
}

function buildSlackTestMessage(): SlackMessage {
  const text = "agentwatch test message: this webhook is configured correctly.";
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
}

export const slackSink: SinkDescriptor<typeof slackSinkOptionsSchema> = {
  type: "slack",
  role: "notify",
  description: "Posts a Block Kit message per burst of alerts for an agent to a Slack incoming webhook.",
  options: slackSinkOptionsSchema,
  create(options) {
    return {
      ...sinkBase("slack", "notify", options),
      batch: {
        windowMs: options.groupWindow,
        max: options.groupMax,
        key: (event) =>
          event.kind === "alert"
            ? event.alert.agentId
            : event.kind === "recovered"
              ? `recovered:${event.recovery.agentId}`
              : event.kind,
      },
      minIntervalMs: options.minInterval,
      async deliver(events, ctx) {
        const alerts = events.filter((e): e is AlertEvent => e.kind === "alert");
        // Batches are per kind and agent: a recovery batch holds one agent's recoveries, the latest tells.
        const recovered = events.findLast((e): e is RecoveredEvent => e.kind === "recovered");
        if (alerts.length === 0 && !recovered && !events.some((e) => e.kind === "test")) {
          return { outcome: "skipped", detail: "nothing for chat" };
        }
        const message =
          alerts.length > 0
            ? buildSlackMessage(alerts, options.maxReasons)
            : recovered
              ? buildSlackRecoveryMessage(recovered)
              : buildSlackTestMessage();
        await ctx.send({
          url: options.url.reveal(),
          headers: { "content-type": "application/json" },
          body: JSON.stringify(message),
        });
        return { outcome: "delivered", detail: `${Math.max(alerts.length, 1)} in one message` };
      },
    };
  },
};
