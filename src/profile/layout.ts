/**
 * Where each number of a profile lives. A profile keeps its state in one ArrayBuffer seen through
 * two views, the Float64 scalar block `s` and the Float32 block `f` (no per-field boxing, trivially
 * serialized); these constants name the slots. Decayed quantities in the scalar block are all
 * brought forward to `S_LAST` on every event.
 *
 * The regions that grow with an agent's surface (endpoint slots, transitions, object trackers) are
 * in the Float32 block, to halve the bytes of the part of a profile that can reach its caps. Everything stored there fits
 * Float32: counts saturate harmlessly at 2^24, decayed weights and log-scale sizes need no more than
 * 24 bits of mantissa, keys stay below 2^24 (template ids below 2^20, see `maxTemplates`), and event
 * times are stored relative to the agent's first event (`S_FIRST`, a Float64 in the scalar block):
 * exact to the millisecond for the first 4.6 hours, within 64 ms at a week, within 2 s at a year,
 * ample for decays and windows of minutes and more. No code compares such a time for equality.
 */

// ---- scalar block `AgentProfile.s` ----
export const S_FIRST = 0; // event time of the first event
export const S_LAST = 1; // event time of the latest event
export const S_EVENTS = 2; // events absorbed
export const S_W_TOTAL = 3; // total decayed endpoint weight
export const S_RATE_SHORT = 4; // decayed request count, short horizon
export const S_RATE_LONG = 5; // decayed request count, long horizon
export const S_RATE_PEAK = 6; // decaying max of the short-horizon rate over past bursts, requests per minute
export const S_VOL_WINDOW = 7; // decayed response bytes, volume window
export const S_VOL_LONG = 8; // decayed response bytes, long horizon
export const S_VOL_PEAK = 9; // decaying max of the windowed volume over past bursts, bytes per window
export const S_ST_N = 10; // decayed requests, status horizon
export const S_ST_401 = 11;
export const S_ST_403 = 12;
export const S_ST_404 = 13;
export const S_ST_405 = 14;
export const S_ST_5XX = 15;
export const S_PR_N = 16; // decayed requests, probe window
export const S_PR_ERR = 17; // decayed 401/403/404/405 responses, probe window
export const S_PR_DISTINCT = 18; // decayed count of endpoints newly answering with such errors
export const S_PR_SCAN = 19; // decayed count of scanner-path requests
export const S_PREV_SLOT = 20; // endpoint slot of the previous request (-1: none)
export const S_NEW_RECENT = 21; // decayed count of endpoints new to the agent, probe window
export const S_TR_MEAN = 22; // running mean of the agent's own hop surprise (nats)
export const S_TR_SQ = 23; // running mean of its square
export const S_TR_N = 24; // hops observed
export const S_TR_FILL = 25; // hops in the recent-hop ring (reset at session start)
export const S_TR_POS = 26;
export const S_TR_RING = 27; // 4 recent hop surprises
export const TR_RING_SIZE = 4;
export const S_HOUR_DAY = 31; // day number the hour counters were last decayed at
export const S_HOURS = 32; // 24 decaying counters of activity by UTC hour
export const S_RISK_TIME = 56; // event time the per-detector evidence was last brought forward
export const S_RISK = 57; // risk score after the latest event
export const S_ALERT_TIER = 58; // tier index last alerted (0: none)
export const S_ALERT_TIME = 59; // event time of the last alert
export const S_HIST_POS = 60; // next write position in the risk-history ring (RISK_HISTORY points)
export const S_HIST_FILL = 61;
export const S_PREV_NET = 62; // network key of the previous request
export const S_PREV_UA = 63; // user-agent key of the previous request
export const S_RATE_EPISODE = 64; // highest short-horizon rate of the current burst, not yet in S_RATE_PEAK
export const S_VOL_EPISODE = 65; // highest windowed volume of the current burst, not yet in S_VOL_PEAK
export const S_VOL_N = 66; // decayed request count, volume window (for bytes per request)
export const S_PRIV_RECENT = 67; // decayed count of privileged calls (DELETE, writes to admin-looking routes), probe window
export const S_PRIV_LONG = 68; // decayed count of privileged calls, status horizon (the agent's habit, against S_ST_N)
export const S_REC_POS = 69; // next write position in the recent-records ring
export const S_REC_RING = 70; // REC_RING_SIZE records recently read: key * 2^21 + mask of the endpoints it was read through
export const REC_RING_SIZE = 8;
export const S_REC_FULL = 78; // decayed count of records read through at least REC_DEPTH endpoints, probe window
export const S_REC_EPISODE = 79; // highest S_REC_FULL of the current episode, not yet in S_REC_PEAK
export const S_REC_PEAK = 80; // decaying max of S_REC_FULL over past episodes (the agent's own habit)
export const S_SIZE = 81;
/** Numbers per declarative-rule counter in `AgentProfile.ruleCounters`: rule key, level, event time. */
export const RULE_COUNTER_STRIDE = 3;
/** Counters an agent keeps at most: state stays bounded however many counting rules it trips. */
export const MAX_RULE_COUNTERS = 16;
/** (event time, risk) points kept in an agent's risk-history ring (see `RiskState`). */
export const RISK_HISTORY = 16;
/**
 * A record (one object id under one resource path, e.g. `/customers/{id}` and its
 * sub-collections) counts as read in full once this many distinct read endpoints returned it.
 */
export const REC_DEPTH = 3;
/** Endpoint bits per record entry (key is 31 bits, so key * 2^21 + mask stays an exact double). */
export const REC_MASK_BITS = 21;

// ---- endpoint slots, from 0 in `AgentProfile.f` (Float32, times relative to S_FIRST), stride T_STRIDE ----
export const T_KEY = 0; // templateId * 16 + method code; OVERFLOW_KEY for the overflow slot
/** Key of the slot that pools an agent's endpoints past its cap. */
export const OVERFLOW_KEY = -1;
export const T_WEIGHT = 1; // decayed request weight, valid at T_LAST
export const T_LAST = 2; // event time of the latest request, relative to S_FIRST
export const T_HITS = 3; // requests, undecayed
export const T_OUT = 4; // transitions counted out of this endpoint
export const T_REQ_N = 5; // request-size series: three numbers, SZ_* below
export const T_RESP_N = 8; // response-size series of successful responses
export const T_OBJ = 11; // index of this endpoint's object tracker, -1 when none
export const T_ERR_TIME = 12; // event time (relative to S_FIRST) of the latest 401/403/404/405 answer here
export const T_STRIDE = 13;

// ---- a size series (`robust.ts`), offsets from its start (T_REQ_N, T_RESP_N): sizes on log scale ----
export const SZ_N = 0; // samples
export const SZ_LOC = 1; // robust location of log1p(bytes)
export const SZ_DEV = 2; // its mean absolute deviation

// ---- object trackers, from `objBase` in `AgentProfile.f`, stride O_SIZE: a header, then a ring of recent object ids ----
export const O_SLOT = 0; // endpoint slot it belongs to
export const O_POS = 1; // next ring write position
export const O_FILL = 2; // ring entries in use
export const O_RUN_BASE = 3; // longest id chain the agent has finished here (slowly decaying)
export const O_NOVEL_BASE = 4; // long-run share of novel ids here
export const O_ERR_BASE = 5; // long-run share of errors here
export const O_N = 6; // accesses tracked, undecayed
export const O_GAP = 7; // recent mean gap between accesses, ms
export const O_LAST_TIME = 8; // event time of the latest access, relative to S_FIRST
export const O_NOVEL_MASK = 9; // bit i: ring entry i's id was not among the ids before it
export const O_ERR_MASK = 10; // bit i: ring entry i was answered 401/403/404
export const O_NEXT_MASK = 11; // bit i: ring entry i has a successor in its chain
export const O_WALK_N = 12; // new-id accesses over the long horizon (decayed per new-id access, WALK_HORIZON)
export const O_WALK_ERR = 13; // of those, answered 401/403/404
export const O_HEADER = 14;
/** New-id accesses over which the long-horizon walk counts settle: a walk too slow for the ring still adds up. */
export const WALK_HORIZON = 64;
/** Ids kept per endpoint: enough to see enumeration within the first ~10 requests, and through interleaved work. */
export const O_RING = 16;
/**
 * Each ring entry is two numbers, both exact in Float32: the id's 24-bit key (a numeric id modulo
 * 2^24 - 1, else a hash), then its chain, `length * 64 + step + 32`: how many ids with a constant
 * step (|step| <= 16) lead up to it.
 */
export const O_ENTRY = 2;
export const O_SIZE = O_HEADER + O_RING * O_ENTRY;

// ---- identity table: three lists (networks, user agents, tokens) stored after the scalars in `AgentProfile.s` ----
export const ID_NET = 0;
export const ID_UA = 1;
export const ID_TOKEN = 2;
export const I_KEY = 0; // 0: empty
export const I_FIRST = 1;
export const I_LAST = 2;
export const I_COUNT = 3;
export const I_STRIDE = 4; // networks and user agents
export const I_AUX1 = 4; // tokens only: network key last used from
export const I_AUX2 = 5; // tokens only: user-agent key last used with
export const I_TOKEN_STRIDE = 6;

/** Set bits of a ring mask (at most 32 bits): window counts come from the masks. */
export function bitCount(mask: number): number {
  let x = mask - ((mask >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Status classes the detectors care about, from a status code. */
/**
 * Largest 2xx response of a read operation that can be a "not found" answered as success: a
 * GraphQL error body (`{"errors":[{"message":"Order not found","extensions":{"code":"NOT_FOUND"}}],
 * "data":{"order":null}}`) is 100-200 bytes; it must also be under a quarter of the endpoint's usual.
 */
export const SOFT_NOT_FOUND_MAX_BYTES = 512;

export function isDenied(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 405;
}
