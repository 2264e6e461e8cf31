/**
 * rules: the declarative rules of `rules/*.yaml` (the shipped packs) and of the files and
 * directories in `paths`, run as one detector. Rules are read, validated and compiled once, when
 * the configuration is validated; per event the matcher tries all path and user-agent patterns
 * together. A rule without counting fires on every match; a counting rule keeps a per-agent
 * counter in the profile (bounded, in event time) and fires once its window count or leaky bucket
 * overflows. How to write a rule: rules/README.md.
 */
import { z } from "zod";
import { quote } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import type { NormalizedEvent } from "../src/events/event.js";
import { MAX_RULE_COUNTERS, RULE_COUNTER_STRIDE } from "../src/profile/layout.js";
import type { AgentProfile } from "../src/profile/profile.js";
import { type CompiledRule, RuleMatcher } from "../src/rules/compile.js";
import { loadRules, shippedRulesDir } from "../src/rules/load.js";

const options = detectorOptions({
  /** Load the rule packs shipped in agentwatch's `rules/` directory. */
  shippedPacks: z.boolean().default(true),
  /** Further rule files, or directories whose `.yaml`/`.yml` files are rule files, read in order. */
  paths: z.array(z.string().min(1)).default([]),
  /** Ids of loaded rules to switch off (each must exist). */
  disable: z.array(z.string()).default([]),
}).superRefine((o, ctx) => {
  // Rule files are part of the configuration: a bad one stops startup, naming file, line and field.
  try {
    rulesOf(o);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message, path: ["paths"] });
  }
});

type RulesOptions = z.output<typeof options>;

function rulesOf(o: Pick<RulesOptions, "shippedPacks" | "paths" | "disable">) {
  return loadRules([...(o.shippedPacks ? [shippedRulesDir()] : []), ...o.paths], o.disable);
}

/** Where a counting rule's counter stands after one more matching request at `time`. */
function counted(r: CompiledRule, counters: Float64Array | undefined, at: number, time: number): number {
  if (counters === undefined || at < 0) return 1;
  const level = counters[at + 1] as number;
  const since = time - (counters[at + 2] as number);
  if (r.counting === "window") return since > r.windowMs ? 1 : level + 1;
  return Math.max(0, level - Math.max(0, since) * r.leakPerMs) + 1;
}

function counterAt(counters: Float64Array | undefined, key: number): number {
  if (counters === undefined) return -1;
  for (let at = 0; at < counters.length; at += RULE_COUNTER_STRIDE) if (counters[at] === key) return at;
  return -1;
}

function fires(r: CompiledRule, count: number): boolean {
  return r.counting === "window" ? count >= r.threshold : r.counting === "bucket" ? count > r.capacity : true;
}

function queryOf(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? "" : path.slice(q + 1);
}

/** The rule's reason with its placeholders filled; attacker-controlled values quoted and bounded. */
function render(r: CompiledRule, event: NormalizedEvent, count: number): string {
  const q = event.path.indexOf("?");
  const values: Record<string, () => string> = {
    rule: () => r.rule.id,
    method: () => quote(event.method, 16).slice(1, -1),
    path: () => quote(q < 0 ? event.path : event.path.slice(0, q), 120),
    query: () => quote(queryOf(event.path), 120),
    status: () => String(event.status),
    userAgent: () => quote(event.userAgent, 120),
    clientIp: () => quote(event.clientIp, 64).slice(1, -1),
    agent: () => quote(event.agentId, 64),
    identity: () => event.identitySource,
    requestBytes: () => String(event.requestBytes),
    responseBytes: () => String(event.responseBytes),
    requestLine: () => quote(event.malformedRequest ?? "", 120),
    count: () => String(Math.round(count)),
  };
  const text = r.rule.reason.replace(/\{(\w+)\}/g, (all, name: string) => values[name]?.() ?? all);
  return `rule ${r.rule.id}: ${text}`;
}

export const rules: DetectorDescriptor<typeof options> = {
  name: "rules",
  description:
    "declarative YAML rules (rules/*.yaml and your own): known-exploit and scanner paths, sensitive files, attack tools, malformed requests, credential stuffing",
  kind: "baseline-free",
  options,
  create(o) {
    const matcher = new RuleMatcher(rulesOf(o));
    const matched: CompiledRule[] = [];
    /** The event `matched` belongs to, so `absorb` counts what `inspect` matched without matching again. */
    let matchedFor: NormalizedEvent | undefined;
    return {
      name: "rules",
      inspect(event, profile, out) {
        matcher.match(event, matched);
        matchedFor = event;
        if (matched.length === 0) return;
        const time = profile.cursor.time;
        const counters = profile.ruleCounters;
        for (let i = 0; i < matched.length; i++) {
          const r = matched[i] as CompiledRule;
          const count =
            r.counting === "none" ? 1 : counted(r, counters, counterAt(counters, r.counterKey), time);
          if (fires(r, count))
            out.push({
              detector: "rules",
              score: r.rule.score,
              detail: render(r, event, count),
              rule: r.rule.id,
            });
        }
      },
      absorb(event, profile) {
        if (matchedFor !== event) return;
        matchedFor = undefined;
        for (let i = 0; i < matched.length; i++) {
          const r = matched[i] as CompiledRule;
          if (r.counting !== "none") pour(r, profile, profile.cursor.time);
        }
      },
    };
  },
};

/** Adds one matching request to the agent's counter for `r`, making room (least recently used out) if needed. */
function pour(r: CompiledRule, profile: AgentProfile, time: number): void {
  let counters = profile.ruleCounters;
  let at = counterAt(counters, r.counterKey);
  const level = counted(r, counters, at, time);
  if (at < 0) {
    const used = counters?.length ?? 0;
    if (used < MAX_RULE_COUNTERS * RULE_COUNTER_STRIDE) {
      const grown = new Float64Array(used + RULE_COUNTER_STRIDE);
      if (counters) grown.set(counters);
      profile.ruleCounters = counters = grown;
      at = used;
    } else {
      const full = counters as Float64Array;
      at = 0;
      for (let k = RULE_COUNTER_STRIDE; k < full.length; k += RULE_COUNTER_STRIDE)
        if ((full[k + 2] as number) < (full[at + 2] as number)) at = k;
    }
  }
  const c = counters as Float64Array;
  c[at] = r.counterKey;
  // A bucket never needs to hold more than just past its capacity; a window count saturates harmlessly.
  c[at + 1] = r.counting === "bucket" ? Math.min(level, r.capacity + 1) : level;
  // A window keeps the time it opened; a bucket the time of its last pour.
  if (r.counting === "bucket" || level === 1) c[at + 2] = time;
}
