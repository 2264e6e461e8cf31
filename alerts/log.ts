/**
 * The audit sink: every alert, decision, recovery and decision end as one structured pino line. It is the
 * embedded default and the trace that remains when every other sink is down.
 */
import { z } from "zod";
import { type SinkDescriptor, type SinkEvent, sinkBase, sinkBaseShape } from "./sink.js";

export const logSinkOptionsSchema = z.object({ type: z.literal("log"), ...sinkBaseShape }).strict();

/** Pure: the log record for one event (no credentials, token only as its hash). */
function logRecord(event: SinkEvent): Record<string, unknown> {
  if (event.kind === "test") return { event: "test" };
  if (event.kind === "recovered") {
    const { recovery } = event;
    return {
      event: "recovered",
      agentId: recovery.agentId,
      timestamp: recovery.timestamp,
      previousSeverity: recovery.previousSeverity,
      riskScore: recovery.riskScore,
      lifted: event.lifted,
      decision: event.decision,
    };
  }
  if (event.kind === "ended") {
    return { event: "decision.ended", reason: event.reason, decision: event.decision };
  }
  const { alert } = event;
  return {
    event: "alert",
    alertId: alert.id,
    agentId: alert.agentId,
    severity: alert.severity,
    riskScore: alert.riskScore,
    timestamp: alert.timestamp,
    reasons: alert.reasons.slice(0, 5),
    request: alert.request,
    ...(alert.tokenHash ? { tokenHash: alert.tokenHash } : {}),
    change: event.change,
    allowlisted: event.allowlisted,
    ...(event.wouldDecide ? { wouldDecide: event.wouldDecide } : {}),
    ...(event.decision ? { decision: event.decision } : {}),
  };
}

export const logSink: SinkDescriptor<typeof logSinkOptionsSchema> = {
  type: "log",
  role: "audit",
  description: "Writes every alert, decision, recovery and decision end to the agentwatch log (pino).",
  options: logSinkOptionsSchema,
  create(options, env) {
    const logger = env.logger.child({ sink: options.name });
    return {
      ...sinkBase("log", "audit", options),
      async deliver(events) {
        for (const event of events)
          logger.info(logRecord(event), event.kind === "alert" ? "alert" : event.kind);
        return { outcome: "delivered", detail: `${events.length} logged` };
      },
    };
  },
};
