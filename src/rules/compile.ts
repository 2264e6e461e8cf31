/**
 * Compiles loaded rules once into a matcher for the per-event path: no regular expression is built
 * per event, and the path and user-agent patterns of all rules are tried together (one combined
 * pattern each) before any rule is looked at one by one. Most requests match no rule; for them the
 * cost is a couple of regex tests and a short loop over the rules that have neither a path nor a
 * user-agent condition.
 */
import type { NormalizedEvent } from "../events/event.js";
import type { LoadedRule } from "./load.js";
import type { RuleMatch, TextMatch } from "./schema.js";

export interface CompiledRule {
  readonly rule: LoadedRule;
  readonly methods: ReadonlySet<string> | undefined;
  readonly path: RegExp | undefined;
  readonly query: RegExp | undefined;
  readonly userAgent: RegExp | undefined;
  readonly requestLine: RegExp | undefined;
  /** 1 at each status code the rule accepts; undefined: any. */
  readonly statuses: Uint8Array | undefined;
  readonly requestBytes: readonly [number, number];
  readonly responseBytes: readonly [number, number];
  readonly identities: ReadonlySet<string> | undefined;
  readonly malformed: boolean | undefined;
  /** Counting: `window` (count in a window from the first match), `bucket` (leaky bucket) or `none`. */
  readonly counting: "none" | "window" | "bucket";
  /** Stable per-rule key of its per-agent counter (a hash of the id, so saved state survives rule edits elsewhere). */
  readonly counterKey: number;
  readonly windowMs: number;
  readonly threshold: number;
  readonly capacity: number;
  /** Bucket drain, requests per millisecond. */
  readonly leakPerMs: number;
}

const ANY_SIZE: readonly [number, number] = [0, Number.POSITIVE_INFINITY];

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** A glob to regex source: `**` any characters, `*` any within a path segment, `{a,b}` either. */
export function globSource(glob: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += "[^/]*";
    } else if (c === "{") {
      depth++;
      out += "(?:";
    } else if (c === "}" && depth > 0) {
      depth--;
      out += ")";
    } else if (c === "," && depth > 0) out += "|";
    else out += escapeRegex(c);
  }
  while (depth-- > 0) out += ")";
  return out;
}

/** Regex sources of a text condition: anchored globs, then substrings and expressions anywhere. */
function sourcesOf(m: TextMatch): string[] {
  return [
    ...(m.glob ?? []).map((g) => `^${globSource(g)}$`),
    ...(m.contains ?? []).map(escapeRegex),
    ...(m.regex ?? []),
  ];
}

function combine(sources: readonly string[]): RegExp | undefined {
  return sources.length === 0 ? undefined : new RegExp(sources.map((s) => `(?:${s})`).join("|"), "i");
}

/** Whether a regex source has a `|` outside any group or class (so a leading `^` binds only its first branch). */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}

/**
 * The prefilter over every rule's path patterns, as three regexes by how they are anchored, because
 * one alternation of all of them is tried at every position of the path (about ten times slower):
 * patterns anchored at the start (most globs, `^` regexes) are tried once at position 0, globs that start with any directories
 * globs as one suffix pattern, and only substrings and free regexes float.
 */
class PathPrefilter {
  private readonly tests: readonly RegExp[];

  constructor(conditions: readonly TextMatch[]) {
    const anchored: string[] = [];
    const suffix: string[] = [];
    const floating: string[] = [];
    for (const m of conditions) {
      for (const glob of m.glob ?? []) {
        if (glob.startsWith("**/")) suffix.push(globSource(glob.slice(3)));
        else anchored.push(`${globSource(glob)}$`);
      }
      for (const text of m.contains ?? []) floating.push(escapeRegex(text));
      for (const source of m.regex ?? []) {
        if (source.startsWith("^") && !hasTopLevelAlternation(source)) anchored.push(source.slice(1));
        else floating.push(source);
      }
    }
    const group = (sources: string[]) => sources.map((s) => `(?:${s})`).join("|");
    this.tests = [
      ...(anchored.length > 0 ? [new RegExp(`^(?:${group(anchored)})`, "i")] : []),
      ...(suffix.length > 0 ? [new RegExp(`/(?:${group(suffix)})$`, "i")] : []),
      ...(floating.length > 0 ? [new RegExp(group(floating), "i")] : []),
    ];
  }

  test(path: string): boolean {
    for (let i = 0; i < this.tests.length; i++) if ((this.tests[i] as RegExp).test(path)) return true;
    return false;
  }
}

/** User agents repeat (one or a few per agent): their prefilter result is remembered, within a bound. */
const USER_AGENT_MEMORY = 1024;

function statusTable(entries: readonly (number | string)[]): Uint8Array {
  const table = new Uint8Array(1000);
  for (const entry of entries) {
    if (typeof entry === "number") table[entry] = 1;
    else {
      const base = Number(entry[0]) * 100;
      table.fill(1, base, base + 100);
    }
  }
  return table;
}

const range = (r: { min?: number; max?: number } | undefined): readonly [number, number] =>
  r === undefined ? ANY_SIZE : [r.min ?? 0, r.max ?? Number.POSITIVE_INFINITY];

/** 32-bit FNV-1a of a rule id: the key of its per-agent counter. */
function counterKeyOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function compileRule(rule: LoadedRule): CompiledRule {
  const m: RuleMatch = rule.match;
  const text = (t: TextMatch | undefined) => (t === undefined ? undefined : combine(sourcesOf(t)));
  return {
    rule,
    methods: m.method ? new Set(m.method) : undefined,
    path: text(m.path),
    query: text(m.query),
    userAgent: text(m.userAgent),
    requestLine: text(m.requestLine),
    statuses: m.status ? statusTable(m.status) : undefined,
    requestBytes: range(m.requestBytes),
    responseBytes: range(m.responseBytes),
    identities: m.identity ? new Set(m.identity) : undefined,
    malformed: m.malformed ?? (m.requestLine !== undefined ? true : undefined),
    counting: rule.count ? "window" : rule.bucket ? "bucket" : "none",
    counterKey: counterKeyOf(rule.id),
    windowMs: rule.count?.window ?? 0,
    threshold: rule.count?.threshold ?? 1,
    capacity: rule.bucket?.capacity ?? 0,
    leakPerMs: rule.bucket ? rule.bucket.leakRate.amount / rule.bucket.leakRate.perMs : 0,
  };
}

/** The rules, grouped by the condition that can rule them out together, with the combined patterns. */
export class RuleMatcher {
  readonly rules: readonly CompiledRule[];
  /** Rules with a path condition: looked at only when some path pattern matched. */
  private readonly byPath: readonly CompiledRule[];
  /** Rules with a user-agent condition and no path condition: only when some user-agent pattern matched. */
  private readonly byUserAgent: readonly CompiledRule[];
  /** Every other rule: looked at on every request (keep these few and cheap). */
  private readonly rest: readonly CompiledRule[];
  private readonly anyPath: PathPrefilter;
  private readonly anyUserAgent: RegExp | undefined;
  private readonly userAgentHits = new Map<string, boolean>();

  constructor(rules: readonly LoadedRule[]) {
    this.rules = rules.map(compileRule);
    this.byPath = this.rules.filter((r) => r.path !== undefined);
    this.byUserAgent = this.rules.filter((r) => r.path === undefined && r.userAgent !== undefined);
    this.rest = this.rules.filter((r) => r.path === undefined && r.userAgent === undefined);
    this.anyPath = new PathPrefilter(this.byPath.map((r) => r.rule.match.path as TextMatch));
    this.anyUserAgent = combine(
      this.byUserAgent.flatMap((r) => sourcesOf(r.rule.match.userAgent as TextMatch)),
    );
  }

  /**
   * Pushes every rule `event` satisfies into `out` (cleared first). Allocates only a substring of
   * the path when the request has a query and some rule has a path condition.
   */
  match(event: NormalizedEvent, out: CompiledRule[]): void {
    out.length = 0;
    const path = event.path;
    const q = path.indexOf("?");
    const bare = q < 0 ? path : path.slice(0, q);
    if (this.byPath.length > 0 && this.anyPath.test(bare)) this.check(this.byPath, event, bare, q, out);
    if (this.anyUserAgent !== undefined && this.userAgentMatches(this.anyUserAgent, event.userAgent))
      this.check(this.byUserAgent, event, bare, q, out);
    this.check(this.rest, event, bare, q, out);
  }

  private userAgentMatches(prefilter: RegExp, userAgent: string): boolean {
    const known = this.userAgentHits.get(userAgent);
    if (known !== undefined) return known;
    const hit = prefilter.test(userAgent);
    if (this.userAgentHits.size >= USER_AGENT_MEMORY) this.userAgentHits.clear();
    this.userAgentHits.set(userAgent, hit);
    return hit;
  }

  private check(
    rules: readonly CompiledRule[],
    event: NormalizedEvent,
    bare: string,
    q: number,
    out: CompiledRule[],
  ): void {
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as CompiledRule;
      if (r.methods !== undefined && !r.methods.has(event.method)) continue;
      if (r.statuses !== undefined && r.statuses[event.status] !== 1) continue;
      if (r.identities !== undefined && !r.identities.has(event.identitySource)) continue;
      if (r.malformed !== undefined && r.malformed !== (event.malformedRequest !== undefined)) continue;
      if (event.requestBytes < r.requestBytes[0] || event.requestBytes > r.requestBytes[1]) continue;
      if (event.responseBytes < r.responseBytes[0] || event.responseBytes > r.responseBytes[1]) continue;
      if (r.path !== undefined && !r.path.test(bare)) continue;
      if (r.userAgent !== undefined && !r.userAgent.test(event.userAgent)) continue;
      if (r.requestLine !== undefined && !r.requestLine.test(event.malformedRequest ?? "")) continue;
      if (r.query !== undefined && (q < 0 || !r.query.test(event.path.slice(q + 1)))) continue;
      out.push(r);
    }
  }
}
