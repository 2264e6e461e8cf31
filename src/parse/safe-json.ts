/**
 * JSON.parse for untrusted log lines, refusing `__proto__` / `constructor` / `prototype` keys.
 *
 * A reviver would make every parse several times slower, so the line is first scanned for the
 * three words (and for `\u` escapes, which could spell them); only the rare line that contains
 * one is walked key by key. A word in a *value* (a path like `/constructor`) therefore costs a
 * walk but is not rejected.
 */
import { LineRejection, reject } from "./types.js";

const FORBIDDEN = ["__proto__", "constructor", "prototype"] as const;

function mayHideForbiddenKey(line: string): boolean {
  return (
    line.includes("__proto__") ||
    line.includes("constructor") ||
    line.includes("prototype") ||
    line.includes("\\u")
  );
}

/**
 * Returns the first forbidden key anywhere in `value`, or undefined. Iterative, so hostile
 * nesting cannot overflow the stack; the work is bounded by the line length.
 */
export function findForbiddenKey(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    if (!Array.isArray(node)) {
      for (const key of FORBIDDEN) if (Object.hasOwn(node, key)) return key;
    }
    for (const child of Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push(child);
    }
  }
  return undefined;
}

/** Parses one JSON line; returns the value, or a MALFORMED_JSON / FORBIDDEN_KEY rejection. */
export function parseJsonLine(line: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return reject("MALFORMED_JSON", "line is not valid JSON (truncated or garbled)");
  }
  if (mayHideForbiddenKey(line)) {
    const finding = findForbiddenKey(value);
    if (finding) return reject("FORBIDDEN_KEY", `record contains a "${finding}" key`);
  }
  return value;
}

/** Parses a line that must hold one JSON object. */
export function parseJsonObject(line: string): Record<string, unknown> | LineRejection {
  const value = parseJsonLine(line);
  if (value instanceof LineRejection) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return reject("MALFORMED_LINE", "expected one JSON object per line");
  }
  return value as Record<string, unknown>;
}
