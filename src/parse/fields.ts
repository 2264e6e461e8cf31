/**
 * Field readers shared by the parsers: lenient about how gateways spell a value (numbers as
 * strings, `-` for unset, several time notations), strict about what it means (a non-number
 * where a number belongs is an error, never a silent zero).
 */

import { type Rejection, reject } from "./types.js";

/**
 * Reads loosely-typed JSON values and remembers the first field that had the wrong type, so a
 * parser can map a whole record and check once. Parsing is synchronous, so one reader per
 * parser module is reused for every record.
 */
export class FieldReader {
  /** Name of the first field that had the wrong type, if any. */
  bad: string | undefined;

  reset(): this {
    this.bad = undefined;
    return this;
  }

  /** INVALID_FIELD naming the first wrongly typed field, or undefined when all were fine. */
  problem(): Rejection | undefined {
    return this.bad === undefined ? undefined : reject("INVALID_FIELD", `${this.bad} has the wrong type`);
  }

  private invalid(name: string): void {
    if (this.bad === undefined) this.bad = name;
  }

  /** A string field: `-`, null and absent read as "", numbers are stringified. */
  text(value: unknown, name: string): string {
    if (typeof value === "string") return value === "-" ? "" : value;
    if (value === undefined || value === null) return "";
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    this.invalid(name);
    return "";
  }

  /** Like `text`, but undefined when absent or unset, for identity evidence. */
  optionalText(value: unknown, name: string): string | undefined {
    const text = this.text(value, name);
    return text === "" ? undefined : text;
  }

  /** A string field of a typed format: a string, or "" when absent; anything else is wrong. */
  exactText(value: unknown, name: string): string {
    if (typeof value === "string") return value;
    if (value !== undefined && value !== null) this.invalid(name);
    return "";
  }

  /** A number field of a typed format: a number, or `absent` when absent; anything else is wrong. */
  exactNumber(value: unknown, name: string, absent = 0): number {
    if (typeof value === "number") return value;
    if (value !== undefined && value !== null) this.invalid(name);
    return absent;
  }

  /**
   * A numeric field (number or numeric string); `-`, "", null and absent read as `absent`.
   * Negative values are returned as they are: the schema check rejects them with their name.
   */
  number(value: unknown, name: string, absent = 0): number {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) this.invalid(name);
      return value;
    }
    if (value === undefined || value === null || value === "-" || value === "") return absent;
    if (typeof value === "string") {
      const parsed = Number(value);
      if (Number.isFinite(parsed)) return parsed;
    }
    this.invalid(name);
    return Number.NaN;
  }
}

/** A property of a JSON object, or undefined when `value` is not an object. */
export function prop(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * A logged header value: a string, or the first string of a repeated header's array (Kong
 * logs repeated headers as arrays); "" otherwise.
 */
export function headerValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "string") return item;
  }
  return "";
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

function digits(s: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Epoch ms of 00:00 UTC on a day of the proleptic Gregorian calendar (month 1-12; a day past the
 * month's end runs into the next month, as with Date.UTC). Computed (days from civil, H. Hinnant)
 * rather than with Date.UTC, which reads the years 0-99 as 1900-1999 and costs a call per line.
 */
function dayStart(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return (era * 146_097 + dayOfEra - 719_468) * 86_400_000;
}

function timeOfDay(hour: number, minute: number, second: number, ms: number): number {
  return ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/**
 * Parses the Common Log Format time `07/Dec/2016:11:05:07 +0100` (nginx `$time_local`, AWS
 * `$context.requestTime`) to epoch ms; NaN when it is not exactly that shape.
 */
export function parseClfTime(s: string): number {
  if (s.length !== 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(20) !== 32) {
    return Number.NaN;
  }
  const month = MONTHS[s.slice(3, 6)];
  if (month === undefined) return Number.NaN;
  const sign = s.charCodeAt(21) === 45 ? -1 : s.charCodeAt(21) === 43 ? 1 : 0;
  const offsetMinutes = sign * (digits(s, 22, 2) * 60 + digits(s, 24, 2));
  const day = digits(s, 0, 2);
  const hour = digits(s, 12, 2);
  const minute = digits(s, 15, 2);
  const second = digits(s, 18, 2);
  if (sign === 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  return (
    dayStart(digits(s, 7, 4), month + 1, day) + timeOfDay(hour, minute, second, 0) - offsetMinutes * 60_000
  );
}

/** The two decimal digits at `s[i]` as a number, -1 when either is not a digit. */
function twoDigits(s: string, i: number): number {
  const high = s.charCodeAt(i) - 48;
  const low = s.charCodeAt(i + 1) - 48;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/** Days in `month` (1-12) of the Gregorian year `century * 100 + year`. */
function daysInMonth(century: number, year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year !== 0 || century % 4 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses an RFC 3339 / ISO 8601 date-time, `YYYY-MM-DD(T| )HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]`,
 * to epoch ms (fraction truncated to the millisecond, as `Date.parse` does); NaN for any other
 * shape. A time without zone is read as UTC, never as this host's local time, so results do
 * not depend on where agentwatch runs. Read by position rather than with `Date.parse`, which
 * is several times slower and accepts many non-ISO notations.
 *
 * `strict` admits exactly what the canonical schema's ISO 8601 rule admits (`T`, a zone of `Z`
 * or `±HH:MM`, a real calendar day, hours to 23, offsets to ±23:59), so the canonical json
 * format validates and reads a time in one pass.
 */
export function parseIsoTime(s: string, strict = false): number {
  const n = s.length;
  const sep = s.charCodeAt(10);
  if (
    n < 19 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (sep !== 84 && (strict || (sep !== 116 && sep !== 32))) ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return Number.NaN;
  }
  const century = twoDigits(s, 0);
  const year = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (
    !(
      century >= 0 &&
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour >= 0 &&
      hour <= (strict ? 23 : 24) &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    ) ||
    (strict && day > 28 && day > daysInMonth(century, year, month))
  ) {
    return Number.NaN;
  }
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    const start = ++i;
    for (; i < n; i++) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      if (i - start < 3) ms = ms * 10 + digit;
    }
    if (i === start) return Number.NaN;
    for (let pad = i - start; pad < 3; pad++) ms *= 10;
  }
  let offsetMinutes = 0;
  if (i < n) {
    const zone = s.charCodeAt(i);
    if ((zone === 90 || (zone === 122 && !strict)) && i + 1 === n) {
      // Z
    } else if (zone === 43 || zone === 45) {
      const colon = s.charCodeAt(i + 3) === 58;
      if (i + (colon ? 6 : 5) !== n || (strict && !colon)) return Number.NaN;
      const offsetHours = twoDigits(s, i + 1);
      const offsetMins = twoDigits(s, i + (colon ? 4 : 3));
      if (offsetHours < 0 || offsetMins < 0 || (strict && (offsetHours > 23 || offsetMins > 59))) {
        return Number.NaN;
      }
      offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
    } else {
      return Number.NaN;
    }
  } else if (strict) {
    return Number.NaN; // the schema wants an explicit zone
  }
  return (
    dayStart(century * 100 + year, month, day) + timeOfDay(hour, minute, second, ms) - offsetMinutes * 60_000
  );
}

/** Epoch values below this are seconds: as milliseconds they would fall in 1973. */
const EPOCH_SECONDS_BELOW = 1e11;

function epochToMs(n: number): number {
  if (!Number.isFinite(n)) return Number.NaN;
  return Math.floor(n < EPOCH_SECONDS_BELOW ? n * 1000 : n);
}

/**
 * A time field that is ISO 8601 text, or an epoch number or numeral in seconds (with fraction,
 * as Envoy's `%START_TIME(%s.%3f)%` prints) or milliseconds, told apart by magnitude.
 */
export function parseIsoOrEpochMs(value: unknown): number {
  if (typeof value === "number") return epochToMs(value);
  if (typeof value !== "string" || value === "") return Number.NaN;
  if (value.length >= 19 && value.charCodeAt(4) === 45) return parseIsoTime(value);
  const first = value.charCodeAt(0);
  return first >= 48 && first <= 57 ? epochToMs(Number(value)) : Number.NaN;
}

/** An IPv4 literal (four decimal octets) or an IPv6 literal (hex groups, `::`, embedded v4). */
export function isIpAddress(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let colons = 0;
  let dots = 0;
  let octet = 0;
  let octetDigits = 0;
  let hexLetters = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      octetDigits++;
    } else if (c === 46) {
      if (octetDigits === 0 || octetDigits > 3 || octet > 255) return false;
      dots++;
      octet = 0;
      octetDigits = 0;
    } else if (c === 58) {
      colons++;
      octetDigits = 0;
      octet = 0;
    } else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      hexLetters = true;
      octetDigits = 4; // a hex group: not an octet
    } else {
      return false;
    }
  }
  if (colons === 0) return !hexLetters && dots === 3 && octetDigits > 0 && octetDigits <= 3 && octet <= 255;
  return colons >= 2 && (dots === 0 || dots === 3);
}

/**
 * The client address from an address or address list: first hop of an X-Forwarded-For list,
 * without port or IPv6 brackets (`[fd00::1]:443` -> `fd00::1`, `10.0.0.1:5000` -> `10.0.0.1`).
 * "" when that hop is not an IP address (`-`, `unknown`, an obfuscated RFC 7239 identifier, a
 * host name, garbage a client put in the header), so callers fall back to the peer address.
 */
export function firstHop(list: string): string {
  let end = list.indexOf(",");
  if (end < 0) end = list.length;
  let start = 0;
  while (start < end && list.charCodeAt(start) === 32) start++;
  while (end > start && list.charCodeAt(end - 1) === 32) end--;
  let hop = list.slice(start, end);
  if (hop.charCodeAt(0) === 91) {
    // [v6]:port
    const close = hop.indexOf("]");
    hop = close > 0 ? hop.slice(1, close) : hop.slice(1);
  } else {
    const colon = hop.indexOf(":");
    if (colon > 0 && colon === hop.lastIndexOf(":")) hop = hop.slice(0, colon); // v4:port or name:port
  }
  return isIpAddress(hop) ? hop : "";
}
