/**
 * The behavioural profile of one agent, and the only code that changes it.
 *
 * Per event the engine calls `prepare(event)` (look the event up against the profile: endpoint
 * slot, hop surprise, network / user-agent / token entries, object tracker), lets the detectors
 * read the profile as it was, then calls `absorb(event)`. State lives in one ArrayBuffer seen as a
 * Float64 and a Float32 block (see layout.ts) that start small and grow only to their caps, so memory per agent is bounded
 * whatever the traffic and the per-event path allocates nothing once an agent's lists are full.
 */

import type { Finding } from "../engine/types.js";
import type { NormalizedEvent } from "../events/event.js";
import type { EventCursor } from "./cursor.js";
import {
  fnv1a,
  hashString,
  isWriteMethodCode,
  methodCode,
  networkKey,
  networkLabel,
  tokenDigest,
} from "./keys.js";
import {
  bitCount,
  I_AUX1,
  I_AUX2,
  I_COUNT,
  I_FIRST,
  I_KEY,
  I_LAST,
  I_STRIDE,
  I_TOKEN_STRIDE,
  ID_NET,
  ID_TOKEN,
  ID_UA,
  isDenied,
  O_ENTRY,
  O_ERR_BASE,
  O_ERR_MASK,
  O_FILL,
  O_GAP,
  O_HEADER,
  O_LAST_TIME,
  O_N,
  O_NEXT_MASK,
  O_NOVEL_BASE,
  O_NOVEL_MASK,
  O_POS,
  O_RING,
  O_RUN_BASE,
  O_SIZE,
  O_SLOT,
  O_WALK_ERR,
  O_WALK_N,
  OVERFLOW_KEY,
  REC_DEPTH,
  REC_MASK_BITS,
  REC_RING_SIZE,
  S_EVENTS,
  S_FIRST,
  S_HOUR_DAY,
  S_HOURS,
  S_LAST,
  S_NEW_RECENT,
  S_PR_DISTINCT,
  S_PR_ERR,
  S_PR_N,
  S_PR_SCAN,
  S_PREV_NET,
  S_PREV_SLOT,
  S_PREV_UA,
  S_PRIV_LONG,
  S_PRIV_RECENT,
  S_RATE_EPISODE,
  S_RATE_LONG,
  S_RATE_PEAK,
  S_RATE_SHORT,
  S_REC_EPISODE,
  S_REC_FULL,
  S_REC_PEAK,
  S_REC_POS,
  S_REC_RING,
  S_SIZE,
  S_ST_5XX,
  S_ST_401,
  S_ST_403,
  S_ST_404,
  S_ST_405,
  S_ST_N,
  S_TR_FILL,
  S_TR_MEAN,
  S_TR_N,
  S_TR_POS,
  S_TR_RING,
  S_TR_SQ,
  S_VOL_EPISODE,
  S_VOL_LONG,
  S_VOL_N,
  S_VOL_PEAK,
  S_VOL_WINDOW,
  S_W_TOTAL,
  SOFT_NOT_FOUND_MAX_BYTES,
  T_ERR_TIME,
  T_HITS,
  T_KEY,
  T_LAST,
  T_OBJ,
  T_OUT,
  T_REQ_N,
  T_RESP_N,
  T_STRIDE,
  T_WEIGHT,
  TR_RING_SIZE,
  WALK_HORIZON,
} from "./layout.js";
import type { ProfileParams } from "./options.js";
import { robustUpdate, typicalBytes } from "./robust.js";
import { isScannerPath, isSensitiveRoute } from "./scanner-paths.js";

/** Object keys are 24-bit, exact in a Float32 (as is a chain: length, up to MAX_CHAIN, * 64 + step + 32). */
const KEY_SPACE = 2 ** 24 - 1;
const MAX_CHAIN = 2 ** 15 - 1;
/** Transitions out of an endpoint before the agent's hops from it are judged. */
const MIN_HOPS_OUT = 5;
/** Numeric ids further apart than this are not a "sequential" step. */
const MAX_SEQUENTIAL_STEP = 16;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Hour-of-day counters lose half their weight per week. */
const HOUR_DECAY_PER_DAY = 2 ** (-1 / 7);
/** Running means over the agent's history settle at this horizon (in samples). */
const BASELINE_SAMPLES = 200;
/** Endpoint slots a new profile has room for; most agents use few endpoints. */
const INITIAL_SLOTS = 4;
/** Transition pairs a profile first makes room for. */
const INITIAL_PAIRS = 8;
/**
 * Room added when a region fills. Small steps: the block is reallocated a few dozen times at most
 * over an agent's life, while room reserved and never used would be held by every profile.
 */
const SLOT_GROWTH = 2;
const PAIR_GROWTH = 4;

/**
 * Per-agent risk memory, kept with the profile so a snapshot restores it too; only agents that
 * carry evidence have one (the scorer releases it once drained).
 */
export interface RiskState {
  /**
   * Decayed evidence per detector (registry order), valid at `S_RISK_TIME`; from `historyAt` on,
   * the ring of RISK_HISTORY (event time, risk) pairs recorded when the risk moved. One array
   * rather than two: each typed array costs ~100 B of heap besides its numbers.
   */
  readonly numbers: Float64Array;
  /** Where the history ring starts in `numbers`: the number of detectors. */
  readonly historyAt: number;
  /** The latest finding of each detector, for explaining the score. */
  readonly lastFindings: (Finding | undefined)[];
}

export class AgentProfile {
  readonly agentId: string;
  readonly params: ProfileParams;
  /**
   * Scalar block (layout.ts `S_*`), followed by the identity lists (see `identityOffset`). It shares
   * one ArrayBuffer with `f`: each typed array, and each buffer, costs ~100 B of heap besides its
   * numbers, as much as two endpoint slots. Growing `f` moves both to a new buffer, so code that
   * may grow the profile (`absorb`) reads `s` again after doing so.
   */
  s: Float64Array;
  /**
   * The Float32 block (layout.ts), times relative to `S_FIRST`, in three regions: endpoint slots
   * from 0 (stride T_STRIDE), transition pairs from `trBase` (key = from * maxEndpoints + to,
   * count), object trackers from `objBase` (stride O_SIZE). One array rather than three for the
   * same reason. A region that fills is grown by reallocating the buffer, up to its cap.
   */
  f: Float32Array;
  /** Endpoint slots in use, and room for. */
  slots = 0;
  slotCap = INITIAL_SLOTS;
  /** Transition pairs in use, and room for. */
  trCount = 0;
  trCap = 0;
  /** Object trackers (created for endpoints that address object ids) in use, and room for. */
  objCount = 0;
  objCap = 0;
  /** Readable label per identity entry (network /24, truncated user agent, token digest). */
  readonly labels: (string | undefined)[];
  risk: RiskState | undefined;
  /**
   * Per-agent counters of declarative rules (`detectors/rules.ts`), only for agents that matched a
   * counting rule: RULE_COUNTER_STRIDE numbers per counter (rule key, level, event time of the
   * level), at most MAX_RULE_COUNTERS of them, the least recently used replaced first.
   */
  ruleCounters: Float64Array | undefined;
  /** Store bookkeeping: event time the store last moved this profile to the recent end. */
  touchedAt = 0;

  /** The current event looked up against this profile (shared by all profiles of a store). */
  readonly cursor: EventCursor;

  constructor(agentId: string, params: ProfileParams, firstSeen: number) {
    this.agentId = agentId;
    this.params = params;
    this.cursor = params.cursor;
    const scalars = S_SIZE + params.identityListSize * (2 * I_STRIDE + I_TOKEN_STRIDE);
    const buffer = new ArrayBuffer(scalars * 8 + INITIAL_SLOTS * T_STRIDE * 4);
    this.s = new Float64Array(buffer, 0, scalars);
    this.f = new Float32Array(buffer, scalars * 8);
    this.labels = new Array(3 * params.identityListSize);
    this.s[S_FIRST] = firstSeen;
    this.s[S_LAST] = firstSeen;
    this.s[S_PREV_SLOT] = -1;
  }

  /** Where the transition pairs start in `f`: right after the endpoint slots' room. */
  get trBase(): number {
    return this.slotCap * T_STRIDE;
  }

  /** Where the object trackers start in `f`: right after the transition pairs' room. */
  get objBase(): number {
    return this.slotCap * T_STRIDE + this.trCap * 2;
  }

  get events(): number {
    return this.s[S_EVENTS] as number;
  }

  get lastSeen(): number {
    return this.s[S_LAST] as number;
  }

  /** Enough history for baseline detectors: min events over a min span of event time. */
  isWarm(): boolean {
    const s = this.s;
    return (
      (s[S_EVENTS] as number) >= this.params.warmupEvents &&
      (s[S_LAST] as number) - (s[S_FIRST] as number) >= this.params.warmupMs
    );
  }

  /** Event time `time` as the Float32 blocks store it: milliseconds since the agent's first event. */
  relative(time: number): number {
    return time - (this.s[S_FIRST] as number);
  }

  /** Template string of an endpoint slot. */
  templateOf(slot: number): string {
    const key = this.f[slot * T_STRIDE + T_KEY] as number;
    return key === OVERFLOW_KEY ? "(other endpoints)" : this.params.interner.name(Math.floor(key / 16));
  }

  /** Method code of an endpoint slot (keys.ts `METHOD_NAMES`). */
  methodOf(slot: number): number {
    const key = this.f[slot * T_STRIDE + T_KEY] as number;
    return key === OVERFLOW_KEY ? 0 : key % 16;
  }

  /** Share of the agent's (decayed) requests that went to `slot`; 0 for -1. */
  endpointShare(slot: number): number {
    const total = this.s[S_W_TOTAL] as number;
    if (slot < 0 || total <= 0) return 0;
    const b = slot * T_STRIDE;
    // Both weights decay alike from the latest event on: only the slot's lag behind it matters.
    const lag = this.relative(this.s[S_LAST] as number) - (this.f[b + T_LAST] as number);
    const w = (this.f[b + T_WEIGHT] as number) * (lag > 0 ? Math.exp(-this.params.endpointLambda * lag) : 1);
    return w / total;
  }

  /** Transitions counted from `from` to `to`. */
  transitionCount(from: number, to: number): number {
    if (to < 0) return 0;
    const f = this.f;
    const key = from * this.params.maxEndpoints + to;
    for (let i = this.trBase, n = i + this.trCount * 2; i < n; i += 2)
      if (f[i] === key) return f[i + 1] as number;
    return 0;
  }

  /**
   * Probability of the hop `from -> to` under the agent's own smoothed transition model: observed
   * counts out of `from`, with `transitionSmoothing` pseudo-counts spread by endpoint popularity
   * (add-half smoothed so an unseen endpoint keeps a small, not zero, chance).
   */
  hopProbability(from: number, to: number): number {
    const alpha = this.params.transitionSmoothing;
    const known = this.slots;
    const total = this.s[S_W_TOTAL] as number;
    const share = to >= 0 ? this.endpointShare(to) : 0;
    const prior = (share * total + 0.5) / (total + 0.5 * (known + 1));
    const out = this.f[from * T_STRIDE + T_OUT] as number;
    return (this.transitionCount(from, to) + alpha * prior) / (out + alpha);
  }

  /** Looks the event up against the profile into `cursor` (shared by the store). Does not change learned state. */
  prepare(event: NormalizedEvent): void {
    const p = this.params;
    const s = this.s;
    const time = Math.max(event.timestamp, s[S_LAST] as number);
    const dt = time - (s[S_LAST] as number);
    this.cursor.time = time;
    this.cursor.dt = dt;
    this.cursor.decayShort = Math.exp(-dt / p.shortTauMs);
    this.cursor.decayLong = Math.exp(-dt / p.longTauMs);
    this.cursor.decayVolume = Math.exp(-dt / p.volumeTauMs);
    this.cursor.decayPeak = Math.exp(-p.peakLambda * dt);
    this.cursor.decayProbe = Math.exp(-dt / p.probeTauMs);
    this.cursor.decayEndpoint = Math.exp(-p.endpointLambda * dt);
    const lag = time - event.timestamp;
    this.cursor.lag = lag;
    this.cursor.lateShort = lag > 0 ? Math.exp(-lag / p.shortTauMs) : 1;
    this.cursor.lateVolume = lag > 0 ? Math.exp(-lag / p.volumeTauMs) : 1;
    this.cursor.lateProbe = lag > 0 ? Math.exp(-lag / p.probeTauMs) : 1;
    // An operation counts by what it does (a GraphQL query over POST is a read), a request by its method.
    const access = event.operationAccess;
    const verb =
      access === undefined ? methodCode(event.method) : access === "read" ? 1 : access === "write" ? 2 : 5;
    const key = p.interner.id(event.template) * 16 + verb;
    this.cursor.key = key;
    let slot = this.findSlot(key);
    this.cursor.isNew = slot < 0 && this.slots < p.maxEndpoints - 1;
    if (slot < 0 && !this.cursor.isNew) slot = this.findSlot(OVERFLOW_KEY);
    this.cursor.slot = slot;
    this.cursor.scanner = slot < 0 && isScannerPath(event.path, event.status);
    const code = key % 16;
    this.cursor.privileged = code === 5 || (isWriteMethodCode(code) && isSensitiveRoute(event.template));

    // A hop is judged only between endpoints the agent knows, out of one it has left often enough
    // to have habits: a hop into a new endpoint is new-endpoint's business, not a second signal.
    // A late event is no hop at all: the request before it in arrival order was not the one before
    // it in time, so it is neither judged nor learned, and the agent's latest event stays `prev`.
    const prev = s[S_PREV_SLOT] as number;
    const inSession = prev >= 0 && lag === 0 && dt < p.sessionGapMs;
    this.cursor.hopJudged =
      inSession && slot >= 0 && (this.f[prev * T_STRIDE + T_OUT] as number) >= MIN_HOPS_OUT;
    this.cursor.hop = this.cursor.hopJudged
      ? -Math.log(this.hopProbability(prev, slot))
      : inSession
        ? 0
        : Number.NaN;

    this.cursor.netKey = networkKey(event.clientIp);
    this.cursor.uaKey = event.userAgent.length > 0 ? hashString(event.userAgent) : 0;
    this.cursor.tokenKey = event.tokenId.length > 0 ? hashString(event.tokenId) : 0;
    this.cursor.net = this.findIdentity(ID_NET, this.cursor.netKey);
    this.cursor.ua = this.findIdentity(ID_UA, this.cursor.uaKey);
    this.cursor.token = this.findIdentity(ID_TOKEN, this.cursor.tokenKey);

    this.cursor.obj = slot >= 0 ? (this.f[slot * T_STRIDE + T_OBJ] as number) : -1;
    // Object ids are tracked per endpoint; the overflow slot pools many, so it tracks none.
    const pooled = slot >= 0 && this.f[slot * T_STRIDE + T_KEY] === OVERFLOW_KEY;
    const num = event.objectNumber;
    const st = event.status;
    let missed = st === 401 || st === 403 || st === 404;
    if (!missed && event.operationAccess === "read" && st >= 200 && st < 300) {
      const bytes = event.responseBytes;
      const r = slot * T_STRIDE + T_RESP_N;
      missed =
        bytes <= SOFT_NOT_FOUND_MAX_BYTES &&
        (slot < 0 || (this.f[r] as number) < 8 || typicalBytes(this.f, r) > 4 * bytes);
    }
    this.cursor.missed = missed;
    // 24-bit keys (a numeric id modulo 2^24 - 1, else a hash), never 0: exact in the Float32 ring.
    // A read operation whose arguments are not logged addresses an unknown object: each call
    // counts as a distinct one (a hash of the agent's request count, so it forms no runs), which
    // lets the failure-share tests of enumeration judge a walk through it.
    this.cursor.objKey = pooled
      ? 0
      : event.objectId === undefined
        ? event.operationAccess === "read"
          ? (Math.imul((s[S_EVENTS] as number) + 1, 0x9e3779b1) >>> 8) | 1
          : 0
        : num !== undefined && Number.isSafeInteger(num) && num >= 0
          ? (num % KEY_SPACE) + 1
          : (hashString(event.objectId) >>> 8) | 1;
    this.cursor.objSeen = false;
    this.cursor.run = 1;
    this.cursor.runStep = 0;
    this.cursor.runFrom = -1;
    if (this.cursor.obj >= 0 && this.cursor.objKey !== 0)
      this.lookupObject(this.objBase + this.cursor.obj * O_SIZE, this.cursor.objKey, num !== undefined);
    this.lookupRecord(event, code);
  }

  /**
   * The record this event reads (see `EventCursor.recKey`): only successful reads count, since a
   * record is harvested only when it is returned. Finds it among the recent records and says
   * whether this endpoint completes its full read.
   */
  private lookupRecord(event: NormalizedEvent, code: number): void {
    const c = this.cursor;
    c.recKey = 0;
    c.recIndex = -1;
    c.recMask = 0;
    c.recFull = false;
    if (
      event.objectId === undefined ||
      (code !== 1 && code !== 6) ||
      event.status < 200 ||
      event.status >= 300
    )
      return;
    const key = recordKey(event.template, event.objectId);
    c.recKey = key;
    const s = this.s;
    let mask = 0;
    for (let i = 0; i < REC_RING_SIZE; i++) {
      const entry = s[S_REC_RING + i] as number;
      if (entry !== 0 && Math.floor(entry / REC_SPACE) === key) {
        c.recIndex = i;
        mask = entry - key * REC_SPACE;
        break;
      }
    }
    const withThis = mask | (1 << (c.key % REC_MASK_BITS));
    c.recMask = withThis;
    c.recFull = bitCount(withThis) >= REC_DEPTH && bitCount(mask) < REC_DEPTH;
  }

  /** Index (within its list) of the identity entry with `key`, -1 when absent or key is 0. */
  findIdentity(list: number, key: number): number {
    if (key === 0) return -1;
    const n = this.params.identityListSize;
    const ids = this.s;
    const stride = list === ID_TOKEN ? I_TOKEN_STRIDE : I_STRIDE;
    for (let i = 0, b = this.identityOffset(list, 0); i < n; i++, b += stride)
      if (ids[b + I_KEY] === key) return i;
    return -1;
  }

  /** Offset in `s` of entry `index` of `list`. */
  identityOffset(list: number, index: number): number {
    const n = this.params.identityListSize;
    return (
      S_SIZE + (list === ID_TOKEN ? 2 * n * I_STRIDE + index * I_TOKEN_STRIDE : (list * n + index) * I_STRIDE)
    );
  }

  /** Absorbs the event prepared last: every learned quantity moves. */
  absorb(event: NormalizedEvent): void {
    const p = this.params;
    let slot = this.cursor.slot;
    if (slot < 0) slot = this.addSlot(this.cursor.key);
    let s = this.s;
    const time = this.cursor.time;
    const rel = this.relative(time);
    const dt = this.cursor.dt;
    const events = s[S_EVENTS] as number;
    const status = event.status;
    const denied = isDenied(status);

    const b = slot * T_STRIDE;
    let t = this.f;

    // Endpoint distribution: decayed weights, brought forward lazily per slot.
    s[S_W_TOTAL] = (s[S_W_TOTAL] as number) * this.cursor.decayEndpoint + 1;
    const seen = t[b + T_LAST] as number;
    t[b + T_WEIGHT] = (t[b + T_WEIGHT] as number) * Math.exp(-p.endpointLambda * Math.max(0, rel - seen)) + 1;
    t[b + T_LAST] = Math.max(rel, seen);
    t[b + T_HITS] = (t[b + T_HITS] as number) + 1;
    s[S_NEW_RECENT] = (s[S_NEW_RECENT] as number) * this.cursor.decayProbe + (this.cursor.isNew ? 1 : 0);

    // Transitions within the session, and the agent's own running hop surprise.
    const prev = s[S_PREV_SLOT] as number;
    if (!Number.isNaN(this.cursor.hop)) {
      this.countTransition(prev, slot);
      // Counting may have grown the profile into a new buffer.
      s = this.s;
      t = this.f;
      const hop = this.cursor.hop;
      if (this.cursor.hopJudged) {
        const hops = (s[S_TR_N] as number) + 1;
        const r = 1 / Math.min(hops, BASELINE_SAMPLES);
        s[S_TR_MEAN] = (s[S_TR_MEAN] as number) + r * (hop - (s[S_TR_MEAN] as number));
        s[S_TR_SQ] = (s[S_TR_SQ] as number) + r * (hop * hop - (s[S_TR_SQ] as number));
        s[S_TR_N] = hops;
      }
      const pos = s[S_TR_POS] as number;
      s[S_TR_RING + pos] = hop;
      s[S_TR_POS] = (pos + 1) % TR_RING_SIZE;
      s[S_TR_FILL] = Math.min((s[S_TR_FILL] as number) + 1, TR_RING_SIZE);
    } else if (this.cursor.lag === 0) {
      s[S_TR_FILL] = 0;
      s[S_TR_POS] = 0;
    }
    // A late event is no hop (see prepare): the chain of hops goes on from the agent's latest event.
    if (this.cursor.lag === 0) s[S_PREV_SLOT] = slot;

    // Sizes per endpoint (response sizes of successful answers only: error bodies are another population).
    robustUpdate(t, b + T_REQ_N, event.requestBytes);
    if (status >= 200 && status < 400) robustUpdate(t, b + T_RESP_N, event.responseBytes);

    // Request rate and response volume, short and long horizon, with the agent's own peaks.
    const short = (s[S_RATE_SHORT] as number) * this.cursor.decayShort + this.cursor.lateShort;
    s[S_RATE_SHORT] = short;
    s[S_RATE_LONG] = (s[S_RATE_LONG] as number) * this.cursor.decayLong + 1;
    const peakDecay = this.cursor.decayPeak;
    s[S_RATE_PEAK] = (s[S_RATE_PEAK] as number) * peakDecay;
    settlePeak(s, S_RATE_PEAK, S_RATE_EPISODE, this.perMinute(short, p.shortTauMs, time));
    const bytes = event.responseBytes;
    const lateVol = this.cursor.lateVolume;
    const vol = (s[S_VOL_WINDOW] as number) * this.cursor.decayVolume + bytes * lateVol;
    s[S_VOL_WINDOW] = vol;
    s[S_VOL_N] = (s[S_VOL_N] as number) * this.cursor.decayVolume + lateVol;
    s[S_VOL_LONG] = (s[S_VOL_LONG] as number) * this.cursor.decayLong + bytes;
    s[S_VOL_PEAK] = (s[S_VOL_PEAK] as number) * peakDecay;
    settlePeak(s, S_VOL_PEAK, S_VOL_EPISODE, vol);

    // Status classes (long horizon) and the probing window.
    const decaySt = Math.exp(-p.statusLambda * dt);
    s[S_ST_N] = (s[S_ST_N] as number) * decaySt + 1;
    for (let i = S_ST_401; i <= S_ST_5XX; i++) s[i] = (s[i] as number) * decaySt;
    if (status === 401) s[S_ST_401] = (s[S_ST_401] as number) + 1;
    else if (status === 403) s[S_ST_403] = (s[S_ST_403] as number) + 1;
    else if (status === 404) s[S_ST_404] = (s[S_ST_404] as number) + 1;
    else if (status === 405) s[S_ST_405] = (s[S_ST_405] as number) + 1;
    else if (status >= 500) s[S_ST_5XX] = (s[S_ST_5XX] as number) + 1;
    s[S_PRIV_LONG] = (s[S_PRIV_LONG] as number) * decaySt + (this.cursor.privileged ? 1 : 0);
    const decayPr = this.cursor.decayProbe;
    const late = this.cursor.lateProbe;
    s[S_PR_N] = (s[S_PR_N] as number) * decayPr + late;
    s[S_PR_ERR] = (s[S_PR_ERR] as number) * decayPr + (denied ? late : 0);
    s[S_PR_SCAN] = (s[S_PR_SCAN] as number) * decayPr + (this.cursor.scanner ? late : 0);
    s[S_PRIV_RECENT] = (s[S_PRIV_RECENT] as number) * decayPr + (this.cursor.privileged ? late : 0);
    // Records read in full (REC_DEPTH endpoints on one id), and the agent's own peak of them.
    if (this.cursor.recKey !== 0) {
      const i = this.cursor.recIndex >= 0 ? this.cursor.recIndex : (s[S_REC_POS] as number);
      if (this.cursor.recIndex < 0) s[S_REC_POS] = (i + 1) % REC_RING_SIZE;
      s[S_REC_RING + i] = this.cursor.recKey * REC_SPACE + this.cursor.recMask;
    }
    const full = (s[S_REC_FULL] as number) * decayPr + (this.cursor.recFull ? late : 0);
    s[S_REC_FULL] = full;
    s[S_REC_PEAK] = (s[S_REC_PEAK] as number) * this.cursor.decayPeak;
    settlePeak(s, S_REC_PEAK, S_REC_EPISODE, full);
    let distinct = (s[S_PR_DISTINCT] as number) * decayPr;
    if (denied) {
      if (rel - (t[b + T_ERR_TIME] as number) > p.probeWindowMs) distinct += 1;
      t[b + T_ERR_TIME] = rel;
    }
    s[S_PR_DISTINCT] = distinct;

    // Hour of day, decayed once per day.
    const day = Math.floor(time / DAY_MS);
    const lastDay = s[S_HOUR_DAY] as number;
    if (day > lastDay) {
      const f = lastDay === 0 ? 1 : HOUR_DECAY_PER_DAY ** (day - lastDay);
      for (let h = 0; h < 24; h++) s[S_HOURS + h] = (s[S_HOURS + h] as number) * f;
      s[S_HOUR_DAY] = day;
    }
    const hour = Math.floor(time / HOUR_MS) % 24;
    s[S_HOURS + hour] = (s[S_HOURS + hour] as number) + 1;

    this.noteIdentity(ID_NET, this.cursor.net, this.cursor.netKey, time, event);
    this.noteIdentity(ID_UA, this.cursor.ua, this.cursor.uaKey, time, event);
    const tok = this.noteIdentity(ID_TOKEN, this.cursor.token, this.cursor.tokenKey, time, event);
    if (tok >= 0) {
      const o = this.identityOffset(ID_TOKEN, tok);
      s[o + I_AUX1] = this.cursor.netKey;
      s[o + I_AUX2] = this.cursor.uaKey;
    }

    if (this.cursor.objKey !== 0 && t[b + T_KEY] !== OVERFLOW_KEY) {
      this.trackObject(slot);
      s = this.s; // a new tracker may have grown the profile
    }
    s[S_PREV_NET] = this.cursor.netKey;
    s[S_PREV_UA] = this.cursor.uaKey;

    s[S_EVENTS] = events + 1;
    s[S_LAST] = time;
  }

  /**
   * `count` (a count decayed with time constant `tau`) as a rate per minute. Early in a profile's
   * life the horizon is not yet filled, so divide by the part of it the agent has existed for.
   */
  perMinute(count: number, tau: number, time: number): number {
    // Floored at the short horizon: a rate is never judged from less than a minute of history.
    const age = Math.max(time - (this.s[S_FIRST] as number), this.params.shortTauMs);
    return (count / (tau * filled(age, tau))) * 60_000;
  }

  /** Bytes per volume window the agent usually moves, from the long-horizon volume. */
  usualWindowVolume(time: number): number {
    const p = this.params;
    const age = Math.max(time - (this.s[S_FIRST] as number), p.shortTauMs);
    return ((this.s[S_VOL_LONG] as number) / (p.longTauMs * filled(age, p.longTauMs))) * p.volumeTauMs;
  }

  /**
   * Makes room in the Float32 block for `slots` endpoint slots, `pairs` transition pairs and
   * `trackers` object trackers (never less than in use): the buffer is reallocated, the scalars
   * copied and each region of the block copied to its new place. Rare, at most a few dozen times in
   * an agent's life.
   */
  reserve(slots: number, pairs: number, trackers: number): void {
    const slotCap = Math.max(slots, this.slots);
    const trCap = Math.max(pairs, this.trCount);
    const objCap = Math.max(trackers, this.objCount);
    const trBase = slotCap * T_STRIDE;
    const objBase = trBase + trCap * 2;
    const oldTrBase = this.trBase;
    const oldObjBase = this.objBase;
    const old = this.f;
    const scalarBytes = this.s.byteLength;
    const buffer = new ArrayBuffer(scalarBytes + (objBase + objCap * O_SIZE) * 4);
    const s = new Float64Array(buffer, 0, this.s.length);
    s.set(this.s);
    this.s = s;
    const f = new Float32Array(buffer, scalarBytes);
    f.set(old.subarray(0, this.slots * T_STRIDE));
    f.set(old.subarray(oldTrBase, oldTrBase + this.trCount * 2), trBase);
    f.set(old.subarray(oldObjBase, oldObjBase + this.objCount * O_SIZE), objBase);
    this.f = f;
    this.slotCap = slotCap;
    this.trCap = trCap;
    this.objCap = objCap;
  }

  private findSlot(key: number): number {
    const t = this.f;
    for (let i = 0, b = 0, n = this.slots; i < n; i++, b += T_STRIDE) if (t[b + T_KEY] === key) return i;
    return -1;
  }

  private addSlot(key: number): number {
    const p = this.params;
    const slotKey = this.slots < p.maxEndpoints - 1 ? key : OVERFLOW_KEY;
    if (this.slots === this.slotCap)
      this.reserve(Math.min(p.maxEndpoints, this.slots + SLOT_GROWTH), this.trCap, this.objCap);
    const slot = this.slots++;
    const b = slot * T_STRIDE;
    this.f[b + T_KEY] = slotKey;
    this.f[b + T_OBJ] = -1;
    this.f[b + T_ERR_TIME] = Number.NEGATIVE_INFINITY;
    return slot;
  }

  private countTransition(from: number, to: number): void {
    const p = this.params;
    const key = from * p.maxEndpoints + to;
    this.f[from * T_STRIDE + T_OUT] = (this.f[from * T_STRIDE + T_OUT] as number) + 1;
    const f = this.f;
    for (let i = this.trBase, n = i + this.trCount * 2; i < n; i += 2) {
      if (f[i] === key) {
        f[i + 1] = (f[i + 1] as number) + 1;
        return;
      }
    }
    if (this.trCount >= p.maxTransitions) this.agePairs();
    if (this.trCount === this.trCap) {
      const pairs = this.trCap === 0 ? INITIAL_PAIRS : this.trCap + PAIR_GROWTH;
      this.reserve(this.slotCap, Math.min(p.maxTransitions, pairs), this.objCap);
    }
    const at = this.trBase + this.trCount * 2;
    this.f[at] = key;
    this.f[at + 1] = 1;
    this.trCount++;
  }

  /** At the transition cap: halve every count (old habits fade) and drop pairs that fall below one. */
  private agePairs(): void {
    const t = this.f;
    const tr = this.trBase;
    const stride = this.params.maxEndpoints;
    let kept = 0;
    for (let i = 0; i < this.trCount; i++) {
      const key = t[tr + i * 2] as number;
      const c = (t[tr + i * 2 + 1] as number) / 2;
      const from = Math.floor(key / stride);
      t[from * T_STRIDE + T_OUT] = (t[from * T_STRIDE + T_OUT] as number) - c;
      if (c < 1) {
        t[from * T_STRIDE + T_OUT] = (t[from * T_STRIDE + T_OUT] as number) - c;
        continue;
      }
      t[tr + kept * 2] = key;
      t[tr + kept * 2 + 1] = c;
      kept++;
    }
    // Always free at least one pair so the new one fits even if every count was large.
    if (kept === this.trCount) {
      kept--;
      const from = Math.floor((t[tr + kept * 2] as number) / stride);
      t[from * T_STRIDE + T_OUT] = (t[from * T_STRIDE + T_OUT] as number) - (t[tr + kept * 2 + 1] as number);
    }
    this.trCount = kept;
  }

  /** Records use of identity `key` in `list`; returns the entry index (-1 for key 0). */
  private noteIdentity(
    list: number,
    index: number,
    key: number,
    time: number,
    event: NormalizedEvent,
  ): number {
    if (key === 0) return -1;
    const ids = this.s;
    let i = index;
    if (i < 0) {
      i = this.leastRecentIdentity(list);
      const o = this.identityOffset(list, i);
      ids[o + I_KEY] = key;
      ids[o + I_FIRST] = time;
      ids[o + I_COUNT] = 0;
      this.labels[list * this.params.identityListSize + i] = identityLabel(list, event);
    }
    const o = this.identityOffset(list, i);
    ids[o + I_LAST] = Math.max(time, ids[o + I_LAST] as number);
    ids[o + I_COUNT] = (ids[o + I_COUNT] as number) + 1;
    return i;
  }

  private leastRecentIdentity(list: number): number {
    const n = this.params.identityListSize;
    const ids = this.s;
    let pick = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (
      let i = 0, b = this.identityOffset(list, 0);
      i < n;
      i++, b += list === ID_TOKEN ? I_TOKEN_STRIDE : I_STRIDE
    ) {
      if (ids[b + I_KEY] === 0) return i;
      if ((ids[b + I_LAST] as number) < oldest) {
        oldest = ids[b + I_LAST] as number;
        pick = i;
      }
    }
    return pick;
  }

  /**
   * Finds the object key among the tracker's recent ids (seen), and the longest constant-step
   * chain it extends: an entry `step` below it whose own chain has that step (or no step yet).
   */
  private lookupObject(base: number, key: number, numeric: boolean): void {
    const o = this.f;
    const continued = o[base + O_NEXT_MASK] as number;
    let best = 1;
    for (let i = 0, n = o[base + O_FILL] as number; i < n; i++) {
      const e = base + O_HEADER + i * O_ENTRY;
      const d = key - (o[e] as number);
      if (d === 0) {
        this.cursor.objSeen = true;
        continue;
      }
      // A walk is a line: only the head of a chain (an id nothing extended yet) can be extended.
      if (!numeric || d > MAX_SEQUENTIAL_STEP || d < -MAX_SEQUENTIAL_STEP || continued & (1 << i)) continue;
      const chain = o[e + 1] as number;
      const len = Math.floor(chain / 64);
      const step = (chain % 64) - 32;
      const extended = len >= 2 ? (step === d ? len + 1 : 0) : 2;
      if (extended > best) {
        best = extended;
        this.cursor.runStep = d;
        this.cursor.runFrom = i;
      }
    }
    // A re-read id walks nowhere: only ids new to the window extend a chain.
    if (this.cursor.objSeen) {
      best = 1;
      this.cursor.runStep = 0;
      this.cursor.runFrom = -1;
    }
    this.cursor.run = best;
  }

  private trackObject(slot: number): void {
    let idx = this.f[slot * T_STRIDE + T_OBJ] as number;
    if (idx < 0) idx = this.addTracker(slot);
    const o = this.f;
    const b = this.objBase + idx * O_SIZE;
    const time = this.relative(this.cursor.time);
    const err = this.cursor.missed;
    const novel = !this.cursor.objSeen || this.cursor.obj !== idx;

    // Ring of recent ids; bit masks say which entries were novel / errors / continued: window counts by popcount.
    const fill = o[b + O_FILL] as number;
    const pos = o[b + O_POS] as number;
    const bit = 1 << pos;
    let novelMask = o[b + O_NOVEL_MASK] as number;
    let errMask = o[b + O_ERR_MASK] as number;
    let nextMask = o[b + O_NEXT_MASK] as number;
    const e = b + O_HEADER + pos * O_ENTRY;
    if (this.cursor.runFrom >= 0) nextMask |= 1 << this.cursor.runFrom;
    if (fill === O_RING) {
      // A chain that ends here (nothing extended it) is finished: it becomes the agent's own yardstick.
      const len = Math.floor((o[e + 1] as number) / 64);
      if (!(nextMask & bit) && len >= 2)
        o[b + O_RUN_BASE] = Math.max((o[b + O_RUN_BASE] as number) * 0.98, len);
    } else o[b + O_FILL] = fill + 1;
    o[e] = this.cursor.objKey;
    o[e + 1] = Math.min(this.cursor.run, MAX_CHAIN) * 64 + this.cursor.runStep + 32;
    novelMask = novel ? novelMask | bit : novelMask & ~bit;
    errMask = err ? errMask | bit : errMask & ~bit;
    nextMask &= ~bit;
    o[b + O_NOVEL_MASK] = novelMask;
    o[b + O_ERR_MASK] = errMask;
    o[b + O_NEXT_MASK] = nextMask;
    o[b + O_POS] = (pos + 1) % O_RING;

    const n = (o[b + O_N] as number) + 1;
    o[b + O_N] = n;
    // Learned over at least a hundred accesses, so a walk does not quickly become the endpoint's norm
    // (`learnedShare` reads the rate back without the bias of starting from zero).
    const r = 1 / Math.max(n, SHARE_HORIZON);
    o[b + O_NOVEL_BASE] =
      (o[b + O_NOVEL_BASE] as number) + r * ((novel ? 1 : 0) - (o[b + O_NOVEL_BASE] as number));
    o[b + O_ERR_BASE] = (o[b + O_ERR_BASE] as number) + r * ((err ? 1 : 0) - (o[b + O_ERR_BASE] as number));
    if (novel) {
      const keep = 1 - 1 / WALK_HORIZON;
      o[b + O_WALK_N] = (o[b + O_WALK_N] as number) * keep + 1;
      o[b + O_WALK_ERR] = (o[b + O_WALK_ERR] as number) * keep + (err ? 1 : 0);
    }
    // The pace is a fast average (about the last four accesses): it describes the walk now, not the habit.
    if (n > 1) {
      const gap = Math.max(0, time - (o[b + O_LAST_TIME] as number));
      o[b + O_GAP] =
        (o[b + O_GAP] as number) + Math.max(1 / (n - 1), 0.25) * (gap - (o[b + O_GAP] as number));
    }
    o[b + O_LAST_TIME] = time;
  }

  /** A tracker for `slot`: a new one up to the cap, else the least recently used one, recycled. */
  private addTracker(slot: number): number {
    let idx: number;
    if (this.objCount < this.params.maxObjectTemplates) {
      if (this.objCount === this.objCap) this.reserve(this.slotCap, this.trCap, this.objCap + 1);
      idx = this.objCount++;
    } else {
      const f = this.f;
      const base = this.objBase;
      idx = 0;
      for (let i = 1; i < this.objCount; i++) {
        if ((f[base + i * O_SIZE + O_LAST_TIME] as number) < (f[base + idx * O_SIZE + O_LAST_TIME] as number))
          idx = i;
      }
      f[(f[base + idx * O_SIZE + O_SLOT] as number) * T_STRIDE + T_OBJ] = -1;
      f.fill(0, base + idx * O_SIZE, base + (idx + 1) * O_SIZE);
    }
    this.f[this.objBase + idx * O_SIZE + O_SLOT] = slot;
    this.f[slot * T_STRIDE + T_OBJ] = idx;
    return idx;
  }
}

const REC_SPACE = 2 ** REC_MASK_BITS;

/**
 * 31-bit key of the record an event reads: FNV-1a over the template up to the object's placeholder
 * (`/customers/` for `/customers/{id}/orders`), then over the id; never 0.
 */
export function recordKey(template: string, objectId: string): number {
  const end = template.lastIndexOf("{");
  const h = fnv1a(objectId, fnv1a(template, undefined, end < 0 ? template.length : end));
  return ((h >>> 1) | 1) >>> 0;
}

/** Accesses over which an object tracker's shares (new ids, errors) settle; see `trackObject`. */
const SHARE_HORIZON = 100;
const SHARE_START_WEIGHT = 1 - (1 - 1 / SHARE_HORIZON) ** SHARE_HORIZON;

/**
 * The share an object tracker has learned (`O_NOVEL_BASE`, `O_ERR_BASE`) after `n` accesses,
 * corrected for having started from 0: the raw value is the rate times the weight the updates have
 * put on the data so far (1 - 0.99^n over the first hundred, then a running mean diluting the start).
 */
export function learnedShare(raw: number, n: number): number {
  if (n <= 0) return 0;
  const weight =
    n <= SHARE_HORIZON
      ? 1 - (1 - 1 / SHARE_HORIZON) ** n
      : 1 - (SHARE_HORIZON * (1 - SHARE_START_WEIGHT)) / n;
  return raw / weight;
}

/** Share of a decaying horizon `tau` that `age` of history has filled (1 once age is many times tau). */
function filled(age: number, tau: number): number {
  return age > 30 * tau ? 1 : 1 - Math.exp(-age / tau);
}

/**
 * Tracks the highest value of the current episode (burst) at `episode`, and folds it into the
 * remembered peak at `peak` once the episode is over (the value fell below half its high). The
 * peak must not learn a burst while it happens, or the burst would never look unusual.
 */
function settlePeak(s: Float64Array, peak: number, episode: number, value: number): void {
  const high = s[episode] as number;
  if (value >= high) s[episode] = value;
  else if (value < high * 0.5) {
    if (high > (s[peak] as number)) s[peak] = high;
    s[episode] = value;
  }
}

function identityLabel(list: number, event: NormalizedEvent): string {
  if (list === ID_NET) return networkLabel(event.clientIp);
  if (list === ID_UA) {
    const ua = event.userAgent;
    return ownCopy(ua.length > 96 ? `${ua.slice(0, 96)}…` : ua);
  }
  return tokenDigest(event.tokenId);
}

/**
 * A copy of `s` that shares no memory with it. Parsers slice fields out of the log line, and V8
 * keeps a slice as a view of its parent: a label kept for the profile's life would keep the whole
 * line (path, query, headers) alive. Only run when a label is first made.
 */
function ownCopy(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}
