/**
 * Talks to the status API on this page's own origin with the key the user typed. The key lives in
 * sessionStorage only: it is gone when the tab closes, never in a URL (which ends up in history and
 * logs) and never in localStorage (which outlives the session).
 */

const KEY_ITEM = "agentwatch.apiKey";

export const getKey = (): string | null => sessionStorage.getItem(KEY_ITEM);
export const setKey = (key: string): void => sessionStorage.setItem(KEY_ITEM, key);
export const clearKey = (): void => sessionStorage.removeItem(KEY_ITEM);

/** An answer other than 2xx, with the API's error code. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${getKey() ?? ""}` };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers,
      cache: "no-store",
      credentials: "omit",
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiFailure(0, "UNREACHABLE", "agentwatch does not answer");
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code: string; message: string } }
    | undefined;
  if (!response.ok) {
    const retry = Number(response.headers.get("retry-after"));
    throw new ApiFailure(
      response.status,
      body?.error?.code ?? "ERROR",
      body?.error?.message ?? response.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return body as T;
}

/** What to tell a person about a failed call, in plain words. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof ApiFailure)) return "Something went wrong in the console.";
  switch (error.status) {
    case 0:
      return "agentwatch does not answer. Is `agentwatch run` still running?";
    case 401:
      return "This API key was not accepted. Check it and enter it again.";
    case 403:
      return `This API key may not do that (${error.message}).`;
    case 404:
      return `Not found: ${error.message}.`;
    case 429:
      return `Too many requests; try again in ${error.retryAfter ?? 1} s.`;
    default:
      return `agentwatch answered ${error.status}: ${error.message}`;
  }
}

// ---- shapes of the answers the console reads ----

export type Severity = "low" | "medium" | "high" | "critical";
export type Tier = Severity | "none";

export interface Session {
  key: string;
  scopes: Array<"read" | "admin" | "gateway">;
  tiers: Record<Severity, number>;
}

export interface AgentRow {
  agentId: string;
  risk: number;
  tier: Tier;
  lastSeen: string;
  identityKind: string | null;
  decision: "throttle" | "block" | "revoke" | null;
  history: Array<[string, number]>;
}

export interface Finding {
  detector: string;
  score: number;
  detail: string;
}

export interface Alert {
  id: string;
  agentId: string;
  identitySource: string;
  severity: Severity;
  riskScore: number;
  timestamp: string;
  action: string;
  reasons: Finding[];
  request: { method: string; template: string; status: number; clientIp: string };
}

export interface Decision {
  agentId: string;
  type: "throttle" | "block" | "revoke";
  ratePerMinute?: number;
  since: string;
  expiresAt: string;
  severity: Severity;
  riskScore: number;
  shadow: boolean;
  reason: string;
  /** What it applies to: how the agent is recognised and its id (or address/CIDR for `ip`). */
  identity?: { kind: string; value: string };
  tokenHashes?: string[];
  notRevoked?: string;
}

export interface SizeSummary {
  typicalBytes: number;
  spreadFactor: number;
  samples: number;
}

export interface Profile {
  events: number;
  warm: boolean;
  firstSeen: string;
  lastSeen: string;
  endpoints: Array<{
    method: string;
    template: string;
    share: number;
    requests: number;
    requestSize: SizeSummary;
    responseSize: SizeSummary;
  }>;
  transitions: Array<{ from: string; to: string; count: number }>;
  rate: { recentPerMinute: number; usualPerMinute: number; peakPerMinute: number };
  risk: {
    score: number;
    tier: string;
    history: Array<{ timestamp: string; score: number }>;
    reasons: Finding[];
  };
}

export interface AgentDetail {
  agent: { agentId: string; risk: number; tier: Tier; lastSeen: string };
  profile: Profile;
  decision: Decision | null;
  recentAlerts: Alert[];
}

export interface Delivery {
  at: string;
  sink: string;
  kind: string;
  recordId: string;
  agentId: string;
  outcome: string;
}

export interface DeadLetter {
  at: string;
  sink: string;
  sinkType: string;
  agentId: string;
  code: string;
  reason: string;
  attempts: number;
  status?: number;
}
