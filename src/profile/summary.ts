/**
 * A profile as a plain JSON object a person can read (status API, `agentwatch` debugging): what
 * the agent usually does, from where, with what, and how risky it looks. Everything is as of the
 * agent's latest event (event time), never the wall clock. Token ids appear only as digests.
 */
import type { Finding } from "../engine/types.js";
import { METHOD_NAMES } from "./keys.js";
import {
  I_COUNT,
  I_FIRST,
  I_KEY,
  I_LAST,
  ID_NET,
  ID_TOKEN,
  ID_UA,
  S_EVENTS,
  S_FIRST,
  S_HOURS,
  S_LAST,
  S_RATE_LONG,
  S_RATE_PEAK,
  S_RATE_SHORT,
  S_RISK,
  S_ST_5XX,
  S_ST_401,
  S_ST_403,
  S_ST_404,
  S_ST_405,
  S_ST_N,
  S_VOL_PEAK,
  S_VOL_WINDOW,
  SZ_DEV,
  SZ_N,
  T_HITS,
  T_LAST,
  T_REQ_N,
  T_RESP_N,
  T_STRIDE,
} from "./layout.js";
import type { AgentProfile } from "./profile.js";
import { MAD_TO_SIGMA, typicalBytes } from "./robust.js";
import type { ProfileStoreContext } from "./store.js";

const TOP = 10;

export interface SizeSummary {
  /** Typical size in bytes (robust location on log scale). */
  typicalBytes: number;
  /** Typical multiplicative spread around it (1.0 = always the same size). */
  spreadFactor: number;
  samples: number;
}

export interface IdentitySummary {
  /** Network (/24 or /64), truncated user agent, or token digest (truncated SHA-256). */
  value: string;
  firstSeen: string;
  lastSeen: string;
  requests: number;
}

export interface ProfileSummary {
  agentId: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  /** Whether baseline detectors judge this agent yet. */
  warm: boolean;
  endpoints: {
    method: string;
    template: string;
    /** Share of recent (decayed) requests. */
    share: number;
    requests: number;
    lastSeen: string;
    requestSize: SizeSummary;
    responseSize: SizeSummary;
  }[];
  transitions: { from: string; to: string; count: number }[];
  rate: { recentPerMinute: number; usualPerMinute: number; peakPerMinute: number };
  volume: { windowMinutes: number; recentBytes: number; usualBytes: number; peakBytes: number };
  /** Share of recent requests answered with each status class. */
  statuses: {
    unauthorized: number;
    forbidden: number;
    notFound: number;
    methodNotAllowed: number;
    serverError: number;
  };
  /** Share of activity per UTC hour (index 0 = 00:00-00:59). */
  hourOfDay: number[];
  networks: IdentitySummary[];
  userAgents: IdentitySummary[];
  tokens: IdentitySummary[];
  risk: { score: number; tier: string; history: { timestamp: string; score: number }[]; reasons: Finding[] };
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The size series starting at `t[i]` (see `robust.ts`). */
function size(t: Float32Array, i: number): SizeSummary {
  return {
    typicalBytes: Math.round(typicalBytes(t, i)),
    spreadFactor: round(Math.exp(MAD_TO_SIGMA * (t[i + SZ_DEV] as number)), 2),
    samples: t[i + SZ_N] as number,
  };
}

function identities(p: AgentProfile, list: number): IdentitySummary[] {
  const out: (IdentitySummary & { order: number })[] = [];
  const n = p.params.identityListSize;
  for (let i = 0; i < n; i++) {
    const o = p.identityOffset(list, i);
    if (p.s[o + I_KEY] === 0) continue;
    out.push({
      value: p.labels[list * n + i] ?? "",
      firstSeen: iso(p.s[o + I_FIRST] as number),
      lastSeen: iso(p.s[o + I_LAST] as number),
      requests: p.s[o + I_COUNT] as number,
      order: p.s[o + I_LAST] as number,
    });
  }
  return out.sort((a, b) => b.order - a.order).map(({ order: _, ...rest }) => rest);
}

export function summarizeProfile(p: AgentProfile, context: ProfileStoreContext): ProfileSummary {
  const s = p.s;
  const now = s[S_LAST] as number;
  const endpoints: ProfileSummary["endpoints"] = [];
  for (let slot = 0; slot < p.slots; slot++) {
    const b = slot * T_STRIDE;
    endpoints.push({
      method: METHOD_NAMES[p.methodOf(slot)] ?? "?",
      template: p.templateOf(slot),
      share: round(p.endpointShare(slot)),
      requests: p.f[b + T_HITS] as number,
      lastSeen: iso((s[S_FIRST] as number) + (p.f[b + T_LAST] as number)),
      requestSize: size(p.f, b + T_REQ_N),
      responseSize: size(p.f, b + T_RESP_N),
    });
  }
  endpoints.sort((a, b) => b.share - a.share);

  const transitions: ProfileSummary["transitions"] = [];
  const stride = p.params.maxEndpoints;
  for (let i = 0; i < p.trCount; i++) {
    const key = p.f[p.trBase + i * 2] as number;
    transitions.push({
      from: p.templateOf(Math.floor(key / stride)),
      to: p.templateOf(key % stride),
      count: p.f[p.trBase + i * 2 + 1] as number,
    });
  }
  transitions.sort((a, b) => b.count - a.count);

  const stN = Math.max(s[S_ST_N] as number, 1e-9);
  const share = (i: number) => round((s[i] as number) / stN);
  let hourTotal = 0;
  for (let h = 0; h < 24; h++) hourTotal += s[S_HOURS + h] as number;

  const history: ProfileSummary["risk"]["history"] = [];
  const reasons: Finding[] = [];
  if (p.risk) {
    const h = p.risk.numbers;
    for (let i = p.risk.historyAt; i < h.length; i += 2) {
      if ((h[i] as number) > 0)
        history.push({ timestamp: iso(h[i] as number), score: round(h[i + 1] as number) });
    }
    history.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    for (const f of p.risk.lastFindings) if (f) reasons.push(f);
    reasons.sort((a, b) => b.score - a.score);
  }
  const params = p.params;
  return {
    agentId: p.agentId,
    firstSeen: iso(s[S_FIRST] as number),
    lastSeen: iso(now),
    events: s[S_EVENTS] as number,
    warm: p.isWarm(),
    endpoints: endpoints.slice(0, TOP),
    transitions: transitions.slice(0, TOP),
    rate: {
      recentPerMinute: round(p.perMinute(s[S_RATE_SHORT] as number, params.shortTauMs, now), 2),
      usualPerMinute: round(p.perMinute(s[S_RATE_LONG] as number, params.longTauMs, now), 2),
      peakPerMinute: round(s[S_RATE_PEAK] as number, 2),
    },
    volume: {
      windowMinutes: params.volumeTauMs / 60_000,
      recentBytes: Math.round(s[S_VOL_WINDOW] as number),
      usualBytes: Math.round(p.usualWindowVolume(now)),
      peakBytes: Math.round(s[S_VOL_PEAK] as number),
    },
    statuses: {
      unauthorized: share(S_ST_401),
      forbidden: share(S_ST_403),
      notFound: share(S_ST_404),
      methodNotAllowed: share(S_ST_405),
      serverError: share(S_ST_5XX),
    },
    hourOfDay: Array.from({ length: 24 }, (_, h) =>
      hourTotal > 0 ? round((s[S_HOURS + h] as number) / hourTotal) : 0,
    ),
    networks: identities(p, ID_NET),
    userAgents: identities(p, ID_UA),
    tokens: identities(p, ID_TOKEN),
    risk: { score: round(s[S_RISK] as number), tier: context.tierOf(s[S_RISK] as number), history, reasons },
  };
}
