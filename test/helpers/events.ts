/**
 * Builds NormalizedEvents for core tests without going through a parser: sensible defaults for
 * every field, a template and object id derived from the path the way the normalizer does
 * (numeric segments become `{id}`), and a clock helper to lay events out in event time.
 */
import type { NormalizedEvent } from "../../src/events/event.js";

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

let sequence = 0;

/** Templates a path like the normalizer would: numeric or UUID-like segments become `{id}`. */
export function templateOf(path: string): { template: string; objectId: string | undefined } {
  const [pathOnly] = path.split("?");
  let objectId: string | undefined;
  const template = (pathOnly ?? "")
    .split("/")
    .map((segment) => {
      if (
        /^\d+$/.test(segment) ||
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment)
      ) {
        objectId = segment;
        return "{id}";
      }
      return segment;
    })
    .join("/");
  return { template, objectId };
}

export function ev(overrides: Partial<NormalizedEvent> & { path?: string } = {}): NormalizedEvent {
  const path = overrides.path ?? "/v1/items";
  const { template, objectId } = templateOf(path);
  const query = path.includes("?") ? (path.split("?")[1] ?? "") : "";
  const event: NormalizedEvent = {
    timestamp: T0,
    agentId: "agent-1",
    method: "GET",
    path,
    status: 200,
    requestBytes: 0,
    responseBytes: 800,
    latencyMs: 20,
    clientIp: "10.0.0.7",
    tokenId: "tok-agent-1",
    userId: "",
    userAgent: "agent-sdk/1.4 (python)",
    requestId: `req-${++sequence}`,
    identitySource: "agent",
    authenticated: true,
    template,
    queryKeys: query
      ? query
          .split("&")
          .map((kv) => kv.split("=")[0] ?? "")
          .sort()
      : [],
    objectId,
    objectNumber: objectId !== undefined && /^\d+$/.test(objectId) ? Number(objectId) : undefined,
    ...overrides,
  };
  if (overrides.path !== undefined && overrides.template === undefined) event.template = template;
  return event;
}

/**
 * A steady benign workflow: the agent cycles through `steps` every `gapMs`, reading a small pool
 * of ids, with stable sizes. Returns events from `start` for `count` requests.
 */
export function benignStream(
  count: number,
  options: { agentId?: string; start?: number; gapMs?: number; steps?: string[]; seed?: number } = {},
): NormalizedEvent[] {
  const steps = options.steps ?? ["/v1/orders", "/v1/orders/{n}", "/v1/customers/{n}", "/v1/inventory"];
  const gap = options.gapMs ?? 20 * SECOND;
  let rng = options.seed ?? 7;
  const next = () => {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    return rng / 2147483648;
  };
  const out: NormalizedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const step = steps[i % steps.length] as string;
    const path = step.replace("{n}", String(1000 + Math.floor(next() * 40)));
    out.push(
      ev({
        agentId: options.agentId ?? "agent-1",
        timestamp: (options.start ?? T0) + i * gap + Math.floor(next() * 1000),
        path,
        responseBytes: 700 + Math.floor(next() * 200),
        requestBytes: 0,
      }),
    );
  }
  return out;
}
