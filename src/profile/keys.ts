/**
 * Cheap numeric keys for the strings a profile remembers (templates, client networks, user
 * agents, token ids, object ids), so per-agent state holds numbers in typed arrays instead of
 * strings, and the per-event path compares numbers without allocating.
 */
import { createHash } from "node:crypto";

/** 32-bit FNV-1a of a string's UTF-16 code units; never 0, so 0 can mean "empty slot". */
export function hashString(s: string): number {
  return fnv1a(s) >>> 0 || 1;
}

/** FNV-1a over `s` up to `end`, continuing from `h`: chained, it hashes several strings as one without building it. */
export function fnv1a(s: string, h = 0x811c9dc5, end = s.length): number {
  for (let i = 0; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/**
 * Truncated SHA-256 hex of a credential id (the first 8 bytes): what leaves the process instead of
 * the id itself. Hex-encodes only those bytes: slicing the full 64-char hex would give a V8 sliced
 * string that keeps the whole digest alive in every profile that holds the label.
 */
export function tokenDigest(tokenId: string): string {
  return createHash("sha256").update(tokenId).digest().toString("hex", 0, 8);
}

const V6_OFFSET = 2 ** 32;

/**
 * Key of the network a client address belongs to: the /24 for IPv4, the /64 for IPv6 (a home or
 * office network, not one host), 0 when the address is empty or unparsable. IPv4-mapped IPv6
 * addresses count as IPv4. Parses by char codes: this runs on every event.
 */
export function networkKey(ip: string): number {
  const n = ip.length;
  if (n === 0) return 0;
  // IPv4, possibly as the tail of ::ffff:a.b.c.d
  const start = ip.lastIndexOf(":") + 1;
  let octets = 0;
  let value = 0;
  let acc = 0;
  let digits = 0;
  for (let i = start; i <= n; i++) {
    const c = i < n ? ip.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      acc = acc * 10 + (c - 48);
      if (++digits > 3) break;
    } else if (c === 46 && digits > 0 && acc <= 255) {
      if (octets < 3) value = value * 256 + acc;
      octets++;
      acc = 0;
      digits = 0;
    } else {
      octets = -1;
      break;
    }
  }
  if (octets === 4) return value + 1;
  if (start === 0) return 0;
  // IPv6: hash the first four groups; "::" inside them means the rest of the prefix is zeros.
  let h = 0x811c9dc5;
  let groups = 0;
  for (let i = 0; i < n && groups < 4; i++) {
    const c = ip.charCodeAt(i);
    if (c === 58) {
      groups++;
      if (i + 1 < n && ip.charCodeAt(i + 1) === 58) break;
    } else if (c === 37) break; // zone id
    h ^= c | 32;
    h = Math.imul(h, 0x01000193);
  }
  return V6_OFFSET + (h >>> 0);
}

/**
 * Readable form of the network an address belongs to, e.g. `203.0.113.0/24`; only built when a
 * network is first seen. Built with `join`, which yields one flat string: `+` and template literals
 * give V8 cons-string trees, an object per part, that a profile would keep for as long as the label.
 */
export function networkLabel(ip: string): string {
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return [v4[1], v4[2], v4[3], "0/24"].join(".");
  const groups = ip.split("%")[0]?.split(":") ?? [];
  const prefix: string[] = [];
  for (const g of groups) {
    if (g === "" || prefix.length === 4) break;
    prefix.push(g.toLowerCase());
  }
  if (prefix.length === 0) return "unknown";
  prefix.push(":/64");
  return prefix.join(":");
}

/** Small code for an HTTP method, so an endpoint key is `templateId * 16 + methodCode`. */
export function methodCode(method: string): number {
  switch (method) {
    case "GET":
      return 1;
    case "POST":
      return 2;
    case "PUT":
      return 3;
    case "PATCH":
      return 4;
    case "DELETE":
      return 5;
    case "HEAD":
      return 6;
    case "OPTIONS":
      return 7;
    default:
      return 8;
  }
}

export const METHOD_NAMES = [
  "?",
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
  "OTHER",
] as const;

/** Methods that change state: new ones weigh more than a new read. */
export function isWriteMethodCode(code: number): boolean {
  return code >= 2 && code <= 5;
}
