/**
 * Finding a logged request header by name in a parsed record.
 *
 * Each gateway writes header names its own way: Kong lower-cases them (`x-agent-id`), Traefik
 * prefixes Go's canonical form (`request_X-Agent-Id`), nginx variables are `http_` + lower
 * case with underscores (`http_x_agent_id`), and Envoy JSON keys are whatever the operator
 * wrote (in practice lower case, dashed or underscored). A `HeaderSpelling` lists the keys a
 * header can have in one format, so matching is case-insensitive in effect while costing a
 * few direct property reads: scanning every key of every record for a header that is usually
 * absent would cost more than parsing the line.
 */
import { headerValue } from "./fields.js";

/** `x-agent-id` -> `X-Agent-Id` (Go's `http.CanonicalHeaderKey`). */
export function canonicalHeaderName(lowerName: string): string {
  return lowerName.replace(
    /(^|-)([a-z])/g,
    (_match, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
}

export class HeaderSpelling {
  private readonly cache = new Map<string, readonly string[]>();

  constructor(private readonly spell: (lowerName: string) => string[]) {}

  /** The record keys under which header `lowerName` may appear. */
  keys(lowerName: string): readonly string[] {
    let keys = this.cache.get(lowerName);
    if (keys === undefined) {
      keys = [...new Set(this.spell(lowerName))];
      this.cache.set(lowerName, keys);
    }
    return keys;
  }
}

const underscored = (name: string) => name.replaceAll("-", "_");

/** Keys as the operator wrote them in an Envoy `json_format`. */
export const ENVOY_SPELLING = new HeaderSpelling((name) => [
  name,
  underscored(name),
  canonicalHeaderName(name),
]);
/** Kong's `request.headers` (lower case). */
export const KONG_SPELLING = new HeaderSpelling((name) => [name]);
/** nginx `$http_<name>` variables logged under their own names. */
export const NGINX_SPELLING = new HeaderSpelling((name) => [`http_${underscored(name)}`]);
/** Traefik `accessLog.fields.headers` output. */
export const TRAEFIK_SPELLING = new HeaderSpelling((name) => [`request_${canonicalHeaderName(name)}`]);

/**
 * The value of header `lowerName` in `bag`: a string, or the first string of a repeated
 * header's array; undefined when absent or empty.
 */
export function readHeader(
  bag: Readonly<Record<string, unknown>>,
  spelling: HeaderSpelling,
  lowerName: string,
): string | undefined {
  const keys = spelling.keys(lowerName);
  for (let i = 0; i < keys.length; i++) {
    const value = headerValue(bag[keys[i] as string]);
    if (value !== "" && value !== "-") return value;
  }
  return undefined;
}
