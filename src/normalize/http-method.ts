/**
 * The request method as the profile keys it. RFC 9110 makes methods case-sensitive tokens, but
 * many application servers route `delete` as DELETE; a detector that counted only the upper-case
 * spelling as destructive would let a client pick the spelling that slips past it. So a method is
 * upper-cased, and a value that is no method token at all (spaces, quotes, markup) is refused.
 */

/** The methods gateways log; checked first so the common case costs one lookup and no copy. */
const COMMON = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE"]);
/** RFC 9110 section 5.6.2 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The upper-cased method, or undefined when `method` is not an HTTP method token. */
export function canonicalMethod(method: string): string | undefined {
  if (COMMON.has(method)) return method;
  return TOKEN.test(method) ? method.toUpperCase() : undefined;
}
