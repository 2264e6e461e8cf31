/**
 * Fake PagerDuty Events API v2 (`POST /v2/enqueue`): checks what the real API checks (32-character
 * routing_key, event_action, payload.summary/source/severity on trigger, dedup_key length) and
 * answers 202 `{"status":"success","message":"Event processed","dedup_key":...}` or 400
 * `{"status":"invalid event","message":"Event object is invalid","errors":[...]}`. Keeps the
 * incidents it would have, keyed by dedup_key, so tests can count pages and resolutions.
 */
import { randomUUID } from "node:crypto";
import { FakeServer, json } from "./server.js";

export const PD_ROUTING_KEY = "R0123456789abcdef0123456789abcd0";

export interface FakeIncident {
  status: "triggered" | "resolved";
  triggers: number;
  resolves: number;
  severity?: string;
  summary?: string;
}

interface PdBody {
  routing_key?: unknown;
  event_action?: unknown;
  dedup_key?: unknown;
  payload?: { summary?: unknown; source?: unknown; severity?: unknown };
}

export function fakePagerDuty() {
  const incidents = new Map<string, FakeIncident>();
  const invalid = (errors: string[]) =>
    json(400, { status: "invalid event", message: "Event object is invalid", errors });
  const server = new FakeServer(({ method, path, body }) => {
    if (method !== "POST" || path !== "/v2/enqueue") return json(404, { status: "not found" });
    let event: PdBody;
    try {
      event = JSON.parse(body);
    } catch {
      return invalid(["Event object is not valid JSON"]);
    }
    const errors: string[] = [];
    if (typeof event.routing_key !== "string" || event.routing_key.length !== 32) {
      errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    }
    if (!["trigger", "acknowledge", "resolve"].includes(String(event.event_action)))
      errors.push("'event_action' is invalid");
    if (
      event.dedup_key !== undefined &&
      (typeof event.dedup_key !== "string" || event.dedup_key.length > 255)
    ) {
      errors.push("'dedup_key' is invalid");
    }
    if (event.event_action === "trigger") {
      const p = event.payload ?? {};
      if (typeof p.summary !== "string" || p.summary.length === 0 || p.summary.length > 1024)
        errors.push("'payload.summary' is missing or blank");
      if (typeof p.source !== "string" || p.source.length === 0)
        errors.push("'payload.source' is missing or blank");
      if (!["critical", "error", "warning", "info"].includes(String(p.severity)))
        errors.push("'payload.severity' is invalid");
    } else if (typeof event.dedup_key !== "string") {
      errors.push("'dedup_key' is required for acknowledge and resolve");
    }
    if (errors.length > 0) return invalid(errors);
    const key = typeof event.dedup_key === "string" ? event.dedup_key : randomUUID().replace(/-/g, "");
    const incident = incidents.get(key) ?? { status: "triggered", triggers: 0, resolves: 0 };
    if (event.event_action === "trigger") {
      incident.status = "triggered";
      incident.triggers++;
      incident.severity = String(event.payload?.severity);
      incident.summary = String(event.payload?.summary);
      incidents.set(key, incident);
    } else if (event.event_action === "resolve" && incidents.has(key)) {
      incident.status = "resolved";
      incident.resolves++;
    }
    return json(202, { status: "success", message: "Event processed", dedup_key: key });
  });
  return Object.defineProperties(
    server as FakeServer & { incidents: Map<string, FakeIncident>; readonly enqueueUrl: string },
    {
      incidents: { value: incidents },
      enqueueUrl: { get: () => `${server.url}/v2/enqueue` },
    },
  );
}
