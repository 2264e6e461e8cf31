/**
 * Profile snapshots: a profile to a JSON string and back, for the Kafka changelog and for tests.
 * A restored profile behaves exactly like the original: every number is carried over bit for bit
 * (JSON's shortest round-trip form; non-finite values spelled out), and what depends on this
 * process (template ids, detector order) is written by name and resolved again on restore.
 * The snapshot holds no credential: token ids exist in a profile only as hashes.
 */
import type { Finding } from "../engine/types.js";
import { AgentwatchError } from "../errors.js";
import {
  MAX_RULE_COUNTERS,
  O_SIZE,
  O_SLOT,
  RISK_HISTORY,
  RULE_COUNTER_STRIDE,
  T_KEY,
  T_STRIDE,
} from "./layout.js";
import type { ProfileParams } from "./options.js";
import { AgentProfile } from "./profile.js";

/**
 * 2: privileged-call counts (recent and long horizon) in the scalar block.
 * 3: endpoint slots, transitions and object trackers in Float32, their times relative to the first
 *    event; object-ring entries as (24-bit key, chain) pairs; recent records read in full and their
 *    peak; long-horizon new-id walk counts per object tracker.
 */
const VERSION = 3;

type Num = number | "NaN" | "Inf" | "-Inf";

interface Snapshot {
  v: number;
  s: Num[];
  /** Per endpoint slot: [template or null for the overflow slot, method code, ...slot numbers]. */
  endpoints: [string | null, number, ...Num[]][];
  /** [from slot, to slot, count]. */
  transitions: [number, number, number][];
  /** Object trackers, O_SIZE numbers each. */
  objs: Num[];
  labels: (string | null)[];
  /** Declarative-rule counters (rule key, level, time), when the agent has any. */
  rules?: Num[];
  risk?: { evidence: Record<string, number>; findings: Record<string, Finding>; history: Num[] };
}

function enc(a: ArrayLike<number>): Num[] {
  const out: Num[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    out[i] = Number.isFinite(x) ? x : Number.isNaN(x) ? "NaN" : x > 0 ? "Inf" : "-Inf";
  }
  return out;
}

function dec(values: unknown, length?: number): Float64Array {
  if (!Array.isArray(values) || (length !== undefined && values.length !== length)) invalid("array shape");
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x === "number") out[i] = x;
    else if (x === "NaN") out[i] = Number.NaN;
    else if (x === "Inf") out[i] = Number.POSITIVE_INFINITY;
    else if (x === "-Inf") out[i] = Number.NEGATIVE_INFINITY;
    else invalid("non-numeric value");
  }
  return out;
}

function invalid(what: string): never {
  throw new AgentwatchError("INVALID_SNAPSHOT", what);
}

export function serializeProfile(p: AgentProfile, detectorNames: readonly string[]): string {
  const endpoints: Snapshot["endpoints"] = [];
  for (let slot = 0; slot < p.slots; slot++) {
    const b = slot * T_STRIDE;
    const key = p.f[b + T_KEY] as number;
    const numbers = enc(p.f.subarray(b + 1, b + T_STRIDE));
    endpoints.push(key < 0 ? [null, 0, ...numbers] : [p.templateOf(slot), p.methodOf(slot), ...numbers]);
  }
  const transitions: Snapshot["transitions"] = [];
  const stride = p.params.maxEndpoints;
  for (let i = 0; i < p.trCount; i++) {
    const key = p.f[p.trBase + i * 2] as number;
    transitions.push([Math.floor(key / stride), key % stride, p.f[p.trBase + i * 2 + 1] as number]);
  }
  const snapshot: Snapshot = {
    v: VERSION,
    s: enc(p.s),
    endpoints,
    transitions,
    objs: enc(p.f.subarray(p.objBase, p.objBase + p.objCount * O_SIZE)),
    labels: p.labels.map((l) => l ?? null),
  };
  if (p.ruleCounters) snapshot.rules = enc(p.ruleCounters);
  const risk = p.risk;
  if (risk) {
    const evidence: Record<string, number> = {};
    const findings: Record<string, Finding> = {};
    detectorNames.forEach((name, i) => {
      const e = risk.numbers[i] as number;
      if (e > 0) evidence[name] = e;
      const f = risk.lastFindings[i];
      if (f) findings[name] = f;
    });
    snapshot.risk = { evidence, findings, history: enc(risk.numbers.subarray(risk.historyAt)) };
  }
  return JSON.stringify(snapshot);
}

/** Rebuilds a profile from `serializeProfile` output; throws INVALID_SNAPSHOT when it does not fit this configuration. */
export function restoreProfile(
  agentId: string,
  data: string | Uint8Array,
  params: ProfileParams,
  detectorNames: readonly string[],
): AgentProfile {
  let snap: Snapshot;
  try {
    snap = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data)) as Snapshot;
  } catch (cause) {
    throw new AgentwatchError("INVALID_SNAPSHOT", "not JSON", { cause });
  }
  if (snap?.v !== VERSION) invalid("unknown version");
  const p = new AgentProfile(agentId, params, 0);
  p.s.set(dec(snap.s, p.s.length));
  if (!Array.isArray(snap.endpoints) || snap.endpoints.length > params.maxEndpoints)
    invalid("endpoint count");
  if (!Array.isArray(snap.transitions) || snap.transitions.length > params.maxTransitions)
    invalid("transition count");
  const objs = dec(snap.objs);
  const trackers = objs.length / O_SIZE;
  if (!Number.isInteger(trackers) || trackers > params.maxObjectTemplates) invalid("object tracker count");
  const slots = snap.endpoints.length;
  p.reserve(Math.max(p.slotCap, slots), snap.transitions.length, trackers);
  const f = p.f;
  snap.endpoints.forEach(([template, method, ...numbers], slot) => {
    const b = slot * T_STRIDE;
    f[b + T_KEY] = template === null ? -1 : params.interner.id(String(template)) * 16 + Number(method);
    f.set(dec(numbers, T_STRIDE - 1), b + 1);
  });
  p.slots = slots;
  snap.transitions.forEach(([from, to, count], i) => {
    if (!(from < slots && to < slots)) invalid("transition slot");
    f[p.trBase + i * 2] = from * params.maxEndpoints + to;
    f[p.trBase + i * 2 + 1] = count;
  });
  p.trCount = snap.transitions.length;
  for (let i = 0; i < trackers; i++)
    if (!((objs[i * O_SIZE + O_SLOT] as number) < slots)) invalid("tracker slot");
  f.set(objs, p.objBase);
  p.objCount = trackers;
  if (!Array.isArray(snap.labels) || snap.labels.length !== p.labels.length) invalid("identity labels");
  snap.labels.forEach((l, i) => {
    p.labels[i] = l ?? undefined;
  });
  if (snap.rules !== undefined) {
    const counters = dec(snap.rules);
    if (
      counters.length % RULE_COUNTER_STRIDE !== 0 ||
      counters.length > MAX_RULE_COUNTERS * RULE_COUNTER_STRIDE
    )
      invalid("rule counters");
    p.ruleCounters = counters;
  }
  const risk = snap.risk;
  if (risk) {
    const n = detectorNames.length;
    const numbers = new Float64Array(n + RISK_HISTORY * 2);
    const lastFindings: (Finding | undefined)[] = new Array(n);
    detectorNames.forEach((name, i) => {
      numbers[i] = Number(risk.evidence[name] ?? 0);
      lastFindings[i] = risk.findings[name];
    });
    numbers.set(dec(risk.history, RISK_HISTORY * 2), n);
    p.risk = { numbers, historyAt: n, lastFindings };
  }
  return p;
}
