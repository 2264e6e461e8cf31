/**
 * TEMPORARY stand-in for the core decoder and engine while they are being written: decodes the
 * canonical JSON events and counts events per agent, alerting on the first /admin request.
 */
import type { Alert } from "../../../src/engine/types.js";
import type { NormalizedEvent } from "../../../src/events/event.js";
import type { DetectionEngine } from "../../../src/kafka/detect.js";
import type { LineDecoder } from "../../../src/kafka/pipeline.js";

export function stubDecoder(): LineDecoder {
  return (line, out) => {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line);
    } catch {
      return { code: "MALFORMED_JSON", message: "not JSON" };
    }
    if (typeof raw.agentId !== "string" || raw.agentId === "")
      return { code: "MISSING_IDENTITY", message: "no agent" };
    out.push({
      ...(raw as object),
      identitySource: "agent",
      template: String(raw.path),
      queryKeys: [],
      objectId: undefined,
      objectNumber: undefined,
    } as unknown as NormalizedEvent);
    return undefined;
  };
}

export function stubEngine(): DetectionEngine {
  const profiles = new Map<string, { count: number; alerted: boolean }>();
  return {
    process(event: NormalizedEvent): Alert | undefined {
      let p = profiles.get(event.agentId);
      if (!p) {
        p = { count: 0, alerted: false };
        profiles.set(event.agentId, p);
      }
      p.count++;
      if (!event.path.startsWith("/admin") || p.alerted) return undefined;
      p.alerted = true;
      return {
        id: `${event.agentId}:${event.requestId}`,
        agentId: event.agentId,
        identitySource: event.identitySource,
        severity: "high",
        riskScore: 0.9,
        timestamp: new Date(event.timestamp).toISOString(),
        action: "block",
        reasons: [{ detector: "stub", score: 0.9, detail: "admin path" }],
        request: {
          method: event.method,
          template: event.template,
          status: event.status,
          clientIp: event.clientIp,
        },
      };
    },
    profiles: {
      serialize: (agentId) => profiles.get(agentId),
      restore: (agentId, data) => profiles.set(agentId, data as { count: number; alerted: boolean }),
    },
  };
}
