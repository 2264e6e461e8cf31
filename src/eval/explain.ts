/**
 * `eval --explain <agentId>`: follows one agent through the run and prints its malicious requests
 * and every alert agentwatch raised on it, with the reasons. This is how one finds out *why* an
 * attack was missed or a healthy agent was throttled, without a debugger.
 */
import type { Alert } from "../engine/types.js";
import type { NormalizedEvent } from "../events/event.js";
import type { AgentLabel } from "../sim/labels.js";
import type { AlertSource } from "./evaluate.js";

export class AgentTrace {
  private readonly lines: string[] = [];
  private omitted = 0;

  constructor(
    private readonly agentId: string,
    private readonly malicious: ReadonlySet<string>,
    private readonly maxLines = 80,
  ) {}

  /** The engine, reporting to this trace on the way. */
  wrap(engine: AlertSource): AlertSource {
    return {
      process: (e) => {
        const alert = engine.process(e);
        if (e.agentId === this.agentId) this.note(e, alert);
        return alert;
      },
    };
  }

  private note(e: NormalizedEvent, alert: Alert | undefined): void {
    const bad = this.malicious.has(e.requestId);
    if (!bad && !alert) return;
    if (this.lines.length >= this.maxLines) {
      this.omitted++;
      return;
    }
    let line = `${new Date(e.timestamp).toISOString()} ${bad ? "MAL" : "   "} ${e.method} ${e.template} ${e.status}`;
    if (alert) {
      const reasons = alert.reasons
        .map((r) => `${r.detector}(${r.score.toFixed(2)}): ${r.detail}`)
        .join("; ");
      line += `\n    -> ${alert.severity} risk ${alert.riskScore.toFixed(2)}: ${reasons}`;
    }
    this.lines.push(line);
  }

  format(label: AgentLabel | undefined): string {
    const head = label
      ? `${this.agentId}: ${label.kind}${label.benignCase ? ` (${label.benignCase})` : ""}${label.compromisedAt ? `, compromised ${label.compromisedAt}` : ""}, ${label.events} requests, ${label.maliciousRequestIds.length} malicious`
      : `${this.agentId}: not in the labels`;
    const tail = this.omitted > 0 ? [`... ${this.omitted} more lines`] : [];
    const body = this.lines.length > 0 ? this.lines : ["(no malicious requests and no alerts)"];
    return [head, ...body, ...tail].join("\n");
  }
}
