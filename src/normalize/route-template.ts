/**
 * Route templating: `/Customers/1042/invoices?from=2024&to=2025` ->
 * template `/customers/{id}/invoices`, queryKeys `["from", "to"]`, objectId `1042`.
 *
 * Profiles and detectors count endpoints, so every request to the same endpoint must map to the
 * same template however its ids vary, and ids of one style must always get the same placeholder.
 * A segment is an id when it has an id's *shape*, in this order:
 *
 * | placeholder | segment                                                                        | examples                                        |
 * |-------------|--------------------------------------------------------------------------------|-------------------------------------------------|
 * | `{id}`      | decimal digits                                                                 | `1042`, `0042`                                  |
 * | `{email}`   | `local@domain.tld`                                                             | `jane.doe+ci@example.co.uk`                     |
 * | `{uuid}`    | 8-4-4-4-12 hex                                                                 | `6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f`          |
 * | `{hex}`     | 16+ hex digits in one case, some of them decimal (hashes, object ids)          | `507f1f77bcf86cd799439011`                      |
 * | `{account}` | digit groups joined by `-`                                                     | `4421-0099-1234`, `12345-67890`, `2024-01-15`   |
 * | `{id}`      | digit groups joined by `.` or `_`                                              | `10.0.0.1`, `3.6.0`                             |
 * | `{id}`      | a letter prefix, `-` or `_`, then digit groups: 2+ digits, or any number of    | `inv-00148523`, `ord_1042`, `ACC-2024-000123`,  |
 * |             | digits after an upper-case prefix (Jira-style keys)                            | `PROJ-7`                                        |
 * | `{id}`      | 1-6 letters glued to 4+ digits (padded or prefixed numbers)                    | `RX00012345`, `page1000`, `fy2024`              |
 * | `{token}`   | a letter prefix, `-` or `_`, then 8+ letters and digits with a digit, or       | `cus_8f3k2jQ9aZ`, `pi_3MtwBwLkdIwHu7ix28a3tqPa`,|
 * |             | mixing cases past its first letter; or 6-7 changing class 4+ times (Stripe)    | `usr_01HZX3T4K6M2Q8R9S0V5W7Y1ZA`, `cus_8f3k2j`  |
 * | `{token}`   | 8-15 letters and digits changing class at least every fourth character, 4+    | `3yQk9LmZ`, `dQw4w9WgXcQ`                       |
 * |             | times; 16+ characters changing class as often, or letters of one case with     | `01HZX3T4K6M2Q8R9S0V5W7Y1ZA`,                   |
 * |             | digits (ULIDs, base32/36 ids)                                                  | `FMuukC2JOJ5HKmLBujjE_BkDo`, JWTs               |
 *
 * Everything else is a literal, which keeps words and versioned words: `v1`, `v2beta1`,
 * `v1alpha1`, `api-v2beta1`, `oauth2`, `utf-8`, `x86_64`, `s3`, `ipv6`, `2fa`, `sha256`,
 * `report-q3` (one digit after a lower-case prefix is a version or a label, not an id), slugs
 * (`release-notes-2026-edition`), camelCase names and file names (`openapi.json`,
 * `jquery-3.6.0.min.js`). A file name whose stem is an id keeps its extension:
 * `/invoices/INV-0042.pdf` -> `/invoices/{id}.pdf`, objectId `INV-0042`. What the rules cost:
 * `covid-19`, `UTF-8`, `iso8601`, `rfc7009` and `windows-1252` are ids; a prefixed id with one
 * digit after a lower-case prefix (`ord_7`), an unprefixed random id shorter than 8 characters
 * and a random id without digits in one case (`clm_qxcdsiqokwytsd`) stay literal.
 *
 * `objectNumber` is the id's digits read as one number (at most 15 of them, so it is exact) for
 * the decimal, digit-group and prefixed-number shapes: `inv-00148523`, `inv-00148524` are a
 * sequential run for the enumeration detector, and `ACC-2023-000123` and `ACC-2024-000123` stay
 * two objects. Other shapes have no number.
 *
 * The template is lower-cased, duplicate and trailing slashes are collapsed, and percent-encoded
 * segments are decoded first (so `%31%30` is an id like `10`) unless decoding fails or would
 * yield `/`, `?`, `#` or control characters, in which case the segment stays as sent.
 *
 * This runs once per event: one pass over each segment's characters (two for a file name with
 * an id-like shape), no regular expressions, no per-segment arrays.
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
/** Length from which a letters-and-digits segment can be a (short) opaque id. */
const SHORT_OPAQUE_MIN_LENGTH = 8;
/** Shortest body of a prefixed opaque id (`cus_8f3k2j`), which must then change class often. */
const MIN_PREFIXED_BODY = 6;
/** Longest letter prefix of a prefixed id (`customer-1042`); glued to digits, 6 (`RX00012345`). */
const MAX_PREFIX = 16;
const MAX_GLUED_PREFIX = 6;
/** Digits a glued prefixed number needs: fewer are version and format names (`sha256`, `h264`). */
const MIN_GLUED_DIGITS = 4;
/** Longest file-name extension (`json`, `woff2`). */
const MAX_EXTENSION = 5;
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

/**
 * What `classify` learnt besides the kind, for the segment it last looked at: one record reused
 * (templating is synchronous), so classifying allocates nothing.
 */
const scan = {
  /** The segment has upper-case letters (a literal must then be lower-cased). */
  upper: false,
  /** Where the id ends: the segment's end, or the dot before a file name's extension. */
  end: 0,
  /** The id's digits as a number, for the numeric shapes. */
  number: undefined as number | undefined,
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isUuidShape(s: string, from: number): boolean {
  return (
    s.charCodeAt(from + 8) === 45 &&
    s.charCodeAt(from + 13) === 45 &&
    s.charCodeAt(from + 18) === 45 &&
    s.charCodeAt(from + 23) === 45
  );
}

/** Whether `s[from, to)` is a file-name extension: a few letters, maybe one final digit (`mp4`). */
function isExtension(s: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > MAX_EXTENSION) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isLetter(c) && !(i === to - 1 && i > from && isDigit(c))) return false;
  }
  return true;
}

/**
 * Classifies `s[from, to)` (one non-empty segment) and fills in `scan`; `fileName` allows the
 * look at a file name's stem.
 */
function classify(s: string, from: number, to: number, fileName: boolean): Kind {
  const length = to - from;
  let digits = 0;
  let hexLetters = 0;
  let lower = 0;
  let upper = 0;
  let separators = 0; // - _ .
  let dashes = 0;
  let marks = 0; // ~ + =, which base64 and base64url tokens hold
  let other = 0;
  let at = -1;
  let dotAfterAt = false;
  let lastDot = -1;
  let adjacentPunctuation = false;
  let transitions = 0;
  let previous = 0; // character class of the previous char: 0 punct, 1 digit, 2 lower, 3 upper
  let value = 0;
  // The leading run of letters (an id's prefix) ends at `prefixEnd`; letters counted after it
  // tell a prefixed number (`inv-00148523`) from a prefixed opaque id (`cus_8f3k2jQ9aZ`).
  let prefixEnd = -1;
  let prefixUpper = 0;
  let bodyLower = 0;
  let bodyUpper = 0; // past the first character after the prefix's separator
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    let cls = 0;
    if (c >= 48 && c <= 57) {
      digits++;
      value = value * 10 + (c - 48);
      cls = 1;
    } else if (c >= 97 && c <= 122) {
      lower++;
      if (c <= 102) hexLetters++;
      if (prefixEnd >= 0) bodyLower++;
      cls = 2;
    } else if (c >= 65 && c <= 90) {
      upper++;
      if (c <= 70) hexLetters++;
      if (prefixEnd < 0) prefixUpper++;
      else if (i > prefixEnd + 1) bodyUpper++;
      cls = 3;
    } else {
      if (c === 45) {
        separators++;
        dashes++;
      } else if (c === 95) separators++;
      else if (c === 46) {
        separators++;
        lastDot = i;
        if (at >= 0) dotAfterAt = true;
      } else if (c === 64)
        at = at < 0 ? i : -2; // a second @ is not an address
      else if (c === 126 || c === 43 || c === 61) marks++;
      else other++;
      if (previous === 0 && i > from) adjacentPunctuation = true;
    }
    if (cls < 2 && prefixEnd < 0) prefixEnd = i;
    // Letter<->digit and lower->upper changes; upper->lower is not counted, so each hump of a
    // camelCase name counts once.
    if (cls !== 0 && previous !== 0 && cls !== previous && !(previous === 3 && cls === 2)) transitions++;
    previous = cls;
  }
  scan.upper = upper > 0;
  scan.end = to;
  scan.number = undefined;
  if (digits === length) {
    if (digits <= MAX_NUMBER_DIGITS) scan.number = value;
    return Kind.Id;
  }
  if (other > 0) return Kind.Literal;
  if (at !== -1) return at > from && dotAfterAt && s.charCodeAt(to - 1) !== 46 ? Kind.Email : Kind.Literal;
  if (fileName && lastDot > from && isExtension(s, lastDot + 1, to)) {
    const kind = classify(s, from, lastDot, false);
    scan.upper = upper > 0;
    if (kind !== Kind.Literal) scan.end = lastDot;
    return kind;
  }
  if (length === 36 && dashes === 4 && digits + hexLetters === 32 && isUuidShape(s, from)) return Kind.Uuid;
  if (
    length >= OPAQUE_MIN_LENGTH &&
    digits > 0 &&
    digits + hexLetters === length &&
    (lower === 0 || upper === 0)
  ) {
    return Kind.Hex;
  }
  const prefix = prefixEnd < 0 ? length : prefixEnd - from;
  const split =
    prefix > 0 && prefix < length && (s.charCodeAt(prefixEnd) === 45 || s.charCodeAt(prefixEnd) === 95);
  const letters = lower + upper;
  if (
    digits > 0 &&
    letters === prefix &&
    marks === 0 &&
    !adjacentPunctuation &&
    isDigit(s.charCodeAt(split ? prefixEnd + 1 : prefixEnd)) &&
    isDigit(s.charCodeAt(to - 1))
  ) {
    // Letters (maybe none), then digit groups: a number, an account, a prefixed number, or a
    // versioned word.
    if (digits <= MAX_NUMBER_DIGITS) scan.number = value;
    if (prefix === 0) return separators === dashes ? Kind.Account : Kind.Id;
    if (split) {
      return prefix <= MAX_PREFIX && (digits >= 2 || prefixUpper === prefix) ? Kind.Id : Kind.Literal;
    }
    return prefix <= MAX_GLUED_PREFIX && separators === 0 && digits >= MIN_GLUED_DIGITS
      ? Kind.Id
      : Kind.Literal;
  }
  if (split && prefix <= MAX_PREFIX && separators === 1 && marks === 0) {
    // A prefixed opaque id; a short body must look random (`cus_8f3k2j`, not `api-v2beta1`).
    const body = length - prefix - 1;
    if (
      (body >= SHORT_OPAQUE_MIN_LENGTH && (digits > 0 || (bodyUpper > 0 && bodyLower > 0))) ||
      (body >= MIN_PREFIXED_BODY && digits > 0 && transitions >= 4)
    ) {
      return Kind.Token;
    }
  }
  if (letters === 0 || length < SHORT_OPAQUE_MIN_LENGTH) return Kind.Literal;
  // Random strings change character class every few characters; words, slugs and names don't.
  const plain = separators + marks === 0;
  if (length >= OPAQUE_MIN_LENGTH) {
    if (plain && digits > 0 && (lower === 0 || upper === 0)) return Kind.Token;
    if ((digits > 0 || (lower > 0 && upper > 0)) && transitions * 4 >= length) return Kind.Token;
  } else if (plain && digits > 0 && transitions >= 4 && transitions * 4 >= length) {
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
    // Most segments are lower-case words (`api`, `orders`, `line-items`): the loop that finds
    // the segment's end settles those, and only the others are classified.
    let j = i;
    let word = true; // a-z - _ . only
    let encoded = false;
    for (; j < pathEnd; j++) {
      const c = path.charCodeAt(j);
      if (c === 47) break;
      if (word && !((c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46)) word = false;
      if (c === 37) encoded = true;
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
    let kind = Kind.Literal;
    if (word) scan.upper = false;
    else kind = classify(segment, from, to, true);
    if (
      template === undefined &&
      (kind !== Kind.Literal || segment !== path || scan.upper || i - slashes !== 1)
    ) {
      template = path.slice(base, slashes);
    }
    if (kind !== Kind.Literal) {
      const idEnd = scan.end;
      template +=
        idEnd === to
          ? `/${KIND_PLACEHOLDER[kind]}`
          : `/${KIND_PLACEHOLDER[kind]}${segment.slice(idEnd, to).toLowerCase()}`;
      out.objectId = segment.slice(from, idEnd);
      out.objectNumber = scan.number;
    } else if (template !== undefined) {
      const literal = segment.slice(from, to);
      template += `/${scan.upper ? literal.toLowerCase() : literal}`;
    }
    sliceEnd = j;
    i = j;
  }
  if (template === undefined) template = sliceEnd > base ? path.slice(base, sliceEnd) : "/";
  out.template = template;
}
