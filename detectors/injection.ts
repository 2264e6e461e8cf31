/**
 * injection: attack strings in the path and query: SQL injection, path traversal (also
 * percent-encoded), cross-site scripting, shell command injection, and prompt-injection phrases
 * aimed at an LLM agent ("ignore previous instructions"). A cheap prefilter skips clean paths;
 * suspicious ones are percent-decoded once and matched against precompiled patterns written
 * without nested quantifiers, so matching stays linear in the path length.
 */
import { z } from "zod";
import { quote } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";

const score = () => z.number().min(0).max(1);

const options = detectorOptions({
  /** Score of SQL injection, path traversal and command injection. */
  codeScore: score().default(0.85),
  /** Score of cross-site scripting payloads. */
  xssScore: score().default(0.8),
  /** Score of prompt-injection phrases. */
  promptScore: score().default(0.75),
});

/** Anything an injection needs at least one of; most API paths have none. */
const PREFILTER = /[%'"<>;|`$\\(+]|\.\.|ignore|disregard|jailbreak|prompt|instructions/i;

/** A case-insensitive pattern whose `\s+` also accepts `_` and `-`: phrases hidden in slugs. */
function words(source: TemplateStringsArray): RegExp {
  return new RegExp(source.raw[0]?.replaceAll("\\s+", "[\\s_-]+") ?? "", "i");
}

type Category = "sql" | "traversal" | "command" | "xss" | "prompt";

const PATTERNS: readonly [Category, RegExp][] = [
  [
    "command",
    /(?:;|\||&&|\$\(|`)\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|bash|sh|zsh|python\d?|perl|ping|rm|chmod|nslookup|powershell|cmd(?:\.exe)?)\b|\/bin\/(?:ba)?sh\b/i,
  ],
  [
    "traversal",
    /(?:\.|%2e){2}(?:\/|\\|%2f|%5c)|(?:\/|\\)(?:etc\/(?:passwd|shadow|hosts)|proc\/self\/|windows\/win\.ini|boot\.ini)|%00/i,
  ],
  [
    "sql",
    /'\s*(?:or|and)\s+(?:'[^']*'|\d+)\s*(?:=|like|<|>)|'\s*(?:or|and)\s+'?\d+'?\s*=\s*'?\d|\bunion(?:\s|\/\*[^*]*\*\/)+(?:all\s+|distinct\s+)?select\b|;\s*(?:drop|delete|insert|update|truncate|alter|create|shutdown|exec)\s|'\s*(?:--|#|\/\*)|\b(?:sleep|benchmark|pg_sleep)\s*\(\s*\d|\bwaitfor\s+delay\b|\binformation_schema\b|\bor\s+1\s*=\s*1\b|\bxp_cmdshell\b/i,
  ],
  [
    "xss",
    /<\s*(?:script|svg|iframe|img|body|object|embed)\b|javascript\s*:|\bon(?:error|load|mouseover|focus|click)\s*=|document\.cookie|\balert\s*\(/i,
  ],
  [
    "prompt",
    words`\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)?(?:previous|prior|above|earlier|preceding|system|safety)\s+(?:instructions?|prompts?|rules|directions|guidelines|context)\b|\byou\s+are\s+now\s+(?:in\s+)?(?:developer\s+mode|dan|jailbroken|unrestricted)\b|\b(?:reveal|print|show|repeat)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)\b|\bjailbreak\b|\bdo\s+anything\s+now\b|\bnew\s+instructions\s*:`,
  ],
];

const hex = (c: number) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

/**
 * Decodes %XX escapes (as UTF-8) and '+' (a space in a query), once; malformed
 * escapes are kept as they are instead of failing, because attackers send those on purpose.
 */
export function decodeForMatching(path: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 && i + 2 < path.length) {
      const h = hex(path.charCodeAt(i + 1));
      const l = hex(path.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 2;
        continue;
      }
    }
    if (c === 43) bytes.push(32);
    else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(path[i] as string, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

const LABEL: Record<Category, string> = {
  sql: "SQL injection",
  traversal: "path traversal",
  command: "command injection",
  xss: "cross-site scripting",
  prompt: "prompt-injection phrase",
};

export const injection: DetectorDescriptor<typeof options> = {
  name: "injection",
  description:
    "SQL injection, path traversal, XSS, command injection and prompt-injection phrases in path and query",
  kind: "baseline-free",
  options,
  create(o) {
    const scores: Record<Category, number> = {
      sql: o.codeScore,
      traversal: o.codeScore,
      command: o.codeScore,
      xss: o.xssScore,
      prompt: o.promptScore,
    };
    return {
      name: "injection",
      inspect(event, _profile, out) {
        const path = event.path;
        if (!PREFILTER.test(path)) return;
        const decoded = decodeForMatching(path);
        for (const [category, pattern] of PATTERNS) {
          const m = pattern.exec(decoded) ?? pattern.exec(path);
          if (m === null) continue;
          out.push({
            detector: "injection",
            score: scores[category],
            detail: `${event.method} ${event.template}: ${LABEL[category]} in the path or query, matched ${quote(m[0], 60)}`,
          });
          return;
        }
      },
    };
  },
};
