/**
 * Route templating: `/Customers/1042/invoices?from=2024&to=2025` ->
 * template `/customers/{id}/invoices`, queryKeys `["from", "to"]`, objectId `1042`.
 *
 * Profiles and detectors count endpoints, so every request to the same endpoint must map to the
 * same template however its ids vary. Segments that look like ids become placeholders:
 * `{id}` (decimal), `{uuid}`, `{hex}` (16+ hex digits: hashes, object ids), `{account}`
 * (digit groups joined by dashes, 6+ digits: account and card numbers), `{email}`, `{token}`
 * (16+ base64url-ish characters mixing character classes like random strings do, which
 * excludes words, slugs and camelCase names). The template is lower-cased, duplicate and
 * trailing slashes are collapsed, and percent-encoded segments are decoded first (so `%31%30`
 * is an id like `10`) unless decoding fails or would yield `/`, `?`, `#` or control characters,
 * in which case the segment stays as sent.
 *
 * This runs once per event: one pass over each segment's characters, no regular expressions,
 * no per-segment arrays.
 */

export const PLACEHOLDER = {
  id: "{id}",
  uuid: "{uuid}",
  hex: "{hex}",
  token: "{token}",
  account: "{account}",
  email: "{email}",
} as const;

/** Bounds what a hostile query string can cost downstream. */
export const MAX_QUERY_KEYS = 64;
export const MAX_QUERY_KEY_LENGTH = 128;
/** Length from which a mixed alphanumeric segment can be an opaque token or a hex id. */
const OPAQUE_MIN_LENGTH = 16;
/** Decimal ids up to this many digits are exact in a double. */
const MAX_NUMBER_DIGITS = 15;

const NO_KEYS: readonly string[] = Object.freeze([]);

export interface PathTemplate {
  template: string;
  queryKeys: readonly string[];
  objectId: string | undefined;
  objectNumber: number | undefined;
}

enum Kind {
  Literal,
  Id,
  Uuid,
  Hex,
  Token,
  Account,
  Email,
}

const KIND_PLACEHOLDER: readonly string[] = [
  "",
  PLACEHOLDER.id,
  PLACEHOLDER.uuid,
  PLACEHOLDER.hex,
  PLACEHOLDER.token,
  PLACEHOLDER.account,
  PLACEHOLDER.email,
];

function isUuidShape(s: string, from: number): boolean {
  return (
    s.charCodeAt(from + 8) === 45 &&
    s.charCodeAt(from + 13) === 45 &&
    s.charCodeAt(from + 18) === 45 &&
    s.charCodeAt(from + 23) === 45
  );
}

/** Whether the segment `classify` last looked at had upper-case letters. */
let sawUpper = false;

/** Classifies `s[from, to)` (one non-empty segment) in a single pass. */
function classify(s: string, from: number, to: number): Kind {
  // Most segments are lower-case words (`api`, `orders`, `line-items`): settle those with the
  // cheapest possible loop before counting character classes.
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46)) break; // a-z - _ .
    i++;
  }
  if (i === to) {
    sawUpper = false;
    return Kind.Literal;
  }
  return classifyMixed(s, from, to);
}

function classifyMixed(s: string, from: number, to: number): Kind {
  const length = to - from;
  let digits = 0;
  let hexLetters = 0;
  let lower = 0;
  let upper = 0;
  let dashes = 0;
  let at = -1;
  let dotAfterAt = false;
  let other = 0;
  let transitions = 0;
  let previous = 0; // character class of the previous char: 0 punct, 1 digit, 2 lower, 3 upper
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    let cls = 0;
    if (c >= 48 && c <= 57) {
      digits++;
      cls = 1;
    } else if (c >= 97 && c <= 122) {
      lower++;
      if (c <= 102) hexLetters++;
      cls = 2;
    } else if (c >= 65 && c <= 90) {
      upper++;
      if (c <= 70) hexLetters++;
      cls = 3;
    } else if (c === 45) dashes++;
    else if (c === 64)
      at = at < 0 ? i : -2; // a second @ is not an address
    else if (c === 46) {
      if (at >= 0) dotAfterAt = true;
    } else if (c !== 95 && c !== 126 && c !== 43 && c !== 61) other++; // _ ~ + =
    // Letter<->digit and lower->upper changes; upper->lower is not counted, so each hump of a
    // camelCase name counts once.
    if (cls !== 0 && previous !== 0 && cls !== previous && !(previous === 3 && cls === 2)) transitions++;
    previous = cls;
  }
  sawUpper = upper > 0;
  if (digits === length) return Kind.Id;
  if (other > 0) return Kind.Literal;
  if (at > from && dotAfterAt && s.charCodeAt(to - 1) !== 46) return Kind.Email;
  if (at !== -1) return Kind.Literal;
  if (length === 36 && dashes === 4 && digits + hexLetters === 32 && isUuidShape(s, from)) return Kind.Uuid;
  if (dashes > 0 && digits + dashes === length && digits >= 6) {
    const first = s.charCodeAt(from);
    const last = s.charCodeAt(to - 1);
    if (first !== 45 && last !== 45) return Kind.Account;
  }
  if (length < OPAQUE_MIN_LENGTH || digits + lower + upper === 0) return Kind.Literal;
  if (digits + hexLetters === length && digits > 0 && (lower === 0 || upper === 0)) return Kind.Hex;
  // Random strings change character class every few characters; words, slugs and names don't.
  if ((digits > 0 || (lower > 0 && upper > 0)) && lower + upper > 0 && transitions * 4 >= length) {
    return Kind.Token;
  }
  return Kind.Literal;
}

function isSafeDecoded(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127 || c === 47 || c === 63 || c === 35) return false;
  }
  return true;
}

/** The percent-decoded segment, or undefined when it must stay as sent. */
function decodeSegment(raw: string): string | undefined {
  try {
    const decoded = decodeURIComponent(raw);
    return decoded !== "" && isSafeDecoded(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function decodeQueryKey(raw: string): string {
  const spaced = raw.includes("+") ? raw.replaceAll("+", " ") : raw;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Inserts `key` into the sorted `keys` unless present (query strings have a handful of keys). */
function insertSorted(keys: string[], key: string): void {
  let i = keys.length;
  while (i > 0 && (keys[i - 1] as string) > key) i--;
  if (i > 0 && keys[i - 1] === key) return;
  keys.splice(i, 0, key);
}

/**
 * Sorted, de-duplicated, lower-cased, percent-decoded keys of the query `s[from, to)` (the text
 * after `?`).
 */
export function queryKeysOf(s: string, from = 0, to = s.length): readonly string[] {
  let keys: string[] | undefined;
  let start = from;
  while (start < to) {
    let end = s.indexOf("&", start);
    if (end < 0 || end > to) end = to;
    let keyEnd = start;
    let plain = true; // no upper case, `%` or `+`: the raw key is the key
    for (; keyEnd < end; keyEnd++) {
      const c = s.charCodeAt(keyEnd);
      if (c === 61) break;
      if (c === 37 || c === 43 || (c >= 65 && c <= 90)) plain = false;
    }
    if (keyEnd > start) {
      let key = s.slice(start, keyEnd);
      if (!plain) key = decodeQueryKey(key).toLowerCase();
      if (key.length > MAX_QUERY_KEY_LENGTH) key = key.slice(0, MAX_QUERY_KEY_LENGTH);
      if (keys === undefined) keys = [key];
      else if (keys.length < MAX_QUERY_KEYS) insertSorted(keys, key);
      else break;
    }
    start = end + 1;
  }
  return keys ?? NO_KEYS;
}

/**
 * Templates `path` (as logged: origin-form `/a/b?q`, absolute-form `http://h/a`, or something
 * else such as `*` or `-`, which is kept lower-cased as its own template) into `out`.
 */
export function templatePath(path: string, out: PathTemplate): void {
  out.objectId = undefined;
  out.objectNumber = undefined;
  let end = path.indexOf("#");
  if (end < 0) end = path.length;
  let pathEnd = path.indexOf("?");
  if (pathEnd < 0 || pathEnd > end) pathEnd = end;
  out.queryKeys = pathEnd + 1 < end ? queryKeysOf(path, pathEnd + 1, end) : NO_KEYS;

  let base = 0;
  if (path.charCodeAt(0) !== 47) {
    const scheme = path.indexOf("://");
    if (scheme <= 0 || scheme > pathEnd) {
      out.template = path.slice(0, pathEnd).toLowerCase();
      return;
    }
    const slash = path.indexOf("/", scheme + 3);
    base = slash < 0 || slash > pathEnd ? pathEnd : slash;
  }

  // While every segment is kept as sent (the common case), the template is a slice of the
  // path; it is only assembled piece by piece from the first segment that differs.
  let template: string | undefined;
  let sliceEnd = base;
  let i = base;
  while (i < pathEnd) {
    const slashes = i;
    while (i < pathEnd && path.charCodeAt(i) === 47) i++;
    if (i >= pathEnd) break; // trailing slashes are dropped
    let j = i;
    let encoded = false;
    while (j < pathEnd) {
      const c = path.charCodeAt(j);
      if (c === 47) break;
      if (c === 37) encoded = true;
      j++;
    }
    let segment = path;
    let from = i;
    let to = j;
    if (encoded) {
      const decoded = decodeSegment(path.slice(i, j));
      if (decoded !== undefined) {
        segment = decoded;
        from = 0;
        to = decoded.length;
      }
    }
    const kind = classify(segment, from, to);
    if (
      template === undefined &&
      (kind !== Kind.Literal || segment !== path || sawUpper || i - slashes !== 1)
    ) {
      template = path.slice(base, slashes);
    }
    if (kind !== Kind.Literal) {
      template += `/${KIND_PLACEHOLDER[kind]}`;
      out.objectId = segment.slice(from, to);
      out.objectNumber =
        kind === Kind.Id && to - from <= MAX_NUMBER_DIGITS ? Number(out.objectId) : undefined;
    } else if (template !== undefined) {
      const literal = segment.slice(from, to);
      template += `/${sawUpper ? literal.toLowerCase() : literal}`;
    }
    sliceEnd = j;
    i = j;
  }
  if (template === undefined) template = sliceEnd > base ? path.slice(base, sliceEnd) : "/";
  out.template = template;
}
