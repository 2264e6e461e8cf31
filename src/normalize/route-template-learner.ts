/**
 * Learned route templates: path positions that the traffic itself shows to be parameters.
 *
 * Id-shaped segments are templated by `route-template.ts`; store slugs (`misty-threads-co`), SKUs
 * (`mist-18155-olv-l`) and lower-case opaque ids are words to it. Here, as API discovery tools do
 * (APIClarity's path-parameter detection, the Drain log-template miner), a position is learned to
 * be a parameter when, under one common prefix, it takes many distinct values across the agent
 * population: `/v3/stores/{x}` seen with `minDistinct` different `x` makes every later
 * `/v3/stores/<anything>/...` the template `/v3/stores/{param}/...`.
 *
 * - **Stable.** A prefix, once a parameter, stays one; values that were frequent when it was
 *   learned (more than `keepShare` of its requests: a collection such as `/stores/search` beside
 *   the slugs) stay literals forever. Nothing is ever re-learned, so an endpoint, once
 *   templated, keeps its template for the life of the process.
 * - **Bounded.** At most `maxPrefixes` prefixes are tracked, each holding at most `minDistinct`
 *   value counts until it is decided; a decided prefix keeps only its few literals.
 * - **Explained.** Each learned prefix carries how it was formed (distinct values, requests, when),
 *   which alerts quote (`request.templateSource`).
 * - **Feeds enumeration.** The value at the last learned position becomes the event's `objectId`
 *   when templating found none after it, so a walk over slugs counts like one over numeric ids.
 *
 * The root's own children (`/v3`, `/graphql`, `/.env`) are never parameters: scanners make them
 * many. Gateway route templates, operations and file names are left alone.
 */
import { z } from "zod";
import type { NormalizedEvent } from "../events/event.js";

export const templateLearningOptionsSchema = z
  .object({
    /** Learn parameter positions from the traffic (besides id shapes). */
    enabled: z.boolean().default(true),
    /** Distinct values a position must take under one prefix to become a parameter. */
    minDistinct: z.number().int().min(4).max(4096).default(24),
    /** Values holding at least this share of a prefix's requests when it is learned stay literals. */
    keepShare: z.number().min(0).max(1).default(0.25),
    /** Most prefixes tracked (memory bound); past it, new prefixes are not learned. */
    maxPrefixes: z.number().int().min(16).default(20_000),
  })
  .strict();
export type TemplateLearningOptions = z.output<typeof templateLearningOptionsSchema>;

/** Placeholder of a learned position. */
export const LEARNED_PLACEHOLDER = "{param}";

interface Prefix {
  /** Counts per value while undecided; undefined once learned. */
  values: Map<string, number> | undefined;
  hits: number;
  /** Once learned: the values that stay literals, and how the parameter was formed. */
  literals: ReadonlySet<string> | undefined;
  source: string | undefined;
}

export class RouteTemplateLearner {
  private readonly prefixes = new Map<string, Prefix>();
  private learnedCount = 0;

  constructor(private readonly options: TemplateLearningOptions) {}

  /** How many prefixes are tracked, and how many were learned to be parameters. */
  stats(): { prefixes: number; learned: number } {
    return { prefixes: this.prefixes.size, learned: this.learnedCount };
  }

  /**
   * Rewrites `event.template` with the parameters learned so far, learning from it on the way;
   * returns how its template was formed when a learned parameter is in it.
   */
  apply(event: NormalizedEvent): string | undefined {
    if (!this.options.enabled || event.route !== undefined || event.operationAccess !== undefined)
      return undefined;
    const template = event.template;
    if (template.charCodeAt(0) !== 47) return undefined;
    const first = template.indexOf("/", 1);
    if (first < 0) return undefined; // a root child only
    let out: string | undefined;
    let source: string | undefined;
    let lastValue: string | undefined;
    let lastValueAt = -1;
    let start = first + 1;
    while (start < template.length) {
      let end = template.indexOf("/", start);
      if (end < 0) end = template.length;
      const value = template.slice(start, end);
      const prefixKey = out === undefined ? template.slice(0, start - 1) : out;
      const learned = isLearnable(value) ? this.observe(prefixKey, value, event.timestamp) : undefined;
      if (learned !== undefined) {
        out = `${prefixKey}/${LEARNED_PLACEHOLDER}`;
        source = learned;
        lastValue = value;
        lastValueAt = out.length;
      } else if (out !== undefined) out = `${out}/${value}`;
      start = end + 1;
    }
    if (out === undefined) return undefined;
    event.template = out;
    // The learned value is the object addressed unless an id-shaped one follows it.
    if (lastValue !== undefined && (event.objectId === undefined || !out.slice(lastValueAt).includes("{"))) {
      event.objectId = lastValue;
      event.objectNumber = undefined;
    }
    return source;
  }

  /** Counts `value` under `key`; returns the prefix's explanation when it is a learned parameter. */
  private observe(key: string, value: string, time: number): string | undefined {
    let p = this.prefixes.get(key);
    if (p === undefined) {
      if (this.prefixes.size >= this.options.maxPrefixes) return undefined;
      p = { values: new Map(), hits: 0, literals: undefined, source: undefined };
      this.prefixes.set(key, p);
    }
    p.hits++;
    if (p.values === undefined) return p.literals?.has(value) ? undefined : p.source;
    p.values.set(value, (p.values.get(value) ?? 0) + 1);
    if (p.values.size < this.options.minDistinct) return undefined;
    // Decided, once: frequent values stay literals, everything else under the prefix is a parameter.
    const literals = new Set<string>();
    for (const [v, n] of p.values) if (n >= this.options.keepShare * p.hits && n > 1) literals.add(v);
    p.source =
      `learned: position after ${key} took ${p.values.size} distinct values in ${p.hits} requests ` +
      `(by ${new Date(time).toISOString()})${literals.size > 0 ? `; kept literal: ${[...literals].slice(0, 5).join(", ")}` : ""}`;
    p.literals = literals;
    p.values = undefined;
    this.learnedCount++;
    return literals.has(value) ? undefined : p.source;
  }
}

/** Placeholders, file names and empty segments are never learned values. */
function isLearnable(value: string): boolean {
  if (value.length === 0 || value.charCodeAt(0) === 123 || value.charCodeAt(0) === 46) return false;
  const dot = value.lastIndexOf(".");
  return dot < 0 || dot < value.length - 6;
}
