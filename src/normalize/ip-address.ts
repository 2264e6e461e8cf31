/**
 * Client address canonicalization, so the spellings of one address are one client: profiles key
 * "recently seen networks" and the `ip` identity on the address text. IPv6 text is rewritten as
 * RFC 5952 says (lower-case hex, no leading zeros, the longest run of two or more zero groups,
 * the first of equals, compressed to `::`), and an IPv4-mapped address (`::ffff:192.0.2.7`,
 * `::FFFF:c000:207`) becomes the IPv4 address it maps, which is what dual-stack listeners log
 * for IPv4 clients. Anything else (IPv4, a value that is not an IPv6 literal) is returned as is.
 */

/** The eight 16-bit groups of the address being read (reused: canonicalization is synchronous). */
const groups = new Uint16Array(8);

/** Value of hex digit `c`, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Reads dotted-quad IPv4 `s[from, s.length)` into groups `at` and `at + 1`; false when it is not
 * one (four decimal octets up to 255).
 */
function readIpv4Tail(s: string, from: number, at: number): boolean {
  let octets = 0;
  let octet = 0;
  let digits = 0;
  let high = 0;
  for (let i = from; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else if (c === 46 && digits > 0) {
      if (octets === 1 || octets === 3) groups[octets === 1 ? at : at + 1] = (high << 8) | octet;
      else high = octet;
      octets++;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return octets === 4;
}

/**
 * Reads the IPv6 literal `s` into `groups`; false when `s` is not one. One pass, no splitting:
 * groups before `::` are stored in place, groups after it are shifted to the end once known.
 */
function readIpv6(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let count = 0; // groups read
  let gap = -1; // index in `groups` where `::` stands
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      groups.fill(0);
      return true;
    }
  }
  for (;;) {
    // One group: 1-4 hex digits, or the dotted IPv4 tail.
    let value = 0;
    let digits = 0;
    const start = i;
    while (i < n && digits <= 4) {
      const v = hexValue(s.charCodeAt(i));
      if (v < 0) break;
      value = (value << 4) | v;
      digits++;
      i++;
    }
    if (i < n && s.charCodeAt(i) === 46) {
      if (count > 6 || !readIpv4Tail(s, start, count)) return false;
      count += 2;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false; // a second `::`
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false; // a trailing single colon
    }
  }
  if (gap < 0) return count === 8;
  if (count > 7) return false; // `::` stands for at least one group
  const moved = count - gap;
  groups.copyWithin(8 - moved, gap, count);
  groups.fill(0, gap, 8 - moved);
  return true;
}

/** `address` in canonical form: RFC 5952 IPv6, an IPv4-mapped address as IPv4, else unchanged. */
export function canonicalAddress(address: string): string {
  if (address.indexOf(":") < 0 || !readIpv6(address)) return address;
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    const g6 = groups[6] as number;
    const g7 = groups[7] as number;
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLength - 1;
    } else {
      if (i > 0 && i !== bestStart + bestLength) text += ":";
      text += (groups[i] as number).toString(16);
    }
  }
  return text;
}
