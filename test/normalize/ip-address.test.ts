/** canonicalAddress: one RFC 5952 spelling per IPv6 client, IPv4 and non-addresses unchanged. */
import { describe, expect, it } from "vitest";
import { canonicalAddress } from "../../src/normalize/ip-address.js";

describe("canonicalAddress", () => {
  // RFC 5952 section 4 and its examples; spellings of one address map to one text.
  const table: [string, string][] = [
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // equal runs: the first is compressed
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["::", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["fe80::", "fe80::"],
    ["FE80:0:0:0:0200:5EFF:FE00:5301", "fe80::200:5eff:fe00:5301"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    // IPv4-mapped: the IPv4 client of a dual-stack listener, in dotted or hex spelling.
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["::FFFF:192.0.2.7", "192.0.2.7"],
    ["0:0:0:0:0:ffff:192.0.2.7", "192.0.2.7"],
    ["::ffff:c000:207", "192.0.2.7"],
    ["::ffff:0:0", "0.0.0.0"],
    // Other embedded IPv4 is rewritten in hex: not a mapped address.
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["::192.0.2.7", "::c000:207"],
  ];
  for (const [input, expected] of table) {
    it(`${input} -> ${expected}`, () => expect(canonicalAddress(input)).toBe(expected));
  }

  it("returns IPv4 and anything that is not an IPv6 literal unchanged", () => {
    for (const value of [
      "10.0.0.1",
      "",
      "-",
      "unknown",
      "host:8080",
      "1:2",
      ":1",
      "1:",
      "1::2::3",
      "1:::2",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7:8::",
      "12345::1",
      "g::1",
      "::ffff:192.0.2.256",
      "::ffff:192.0.2",
      "::ffff:1.2.3.4.5",
      "1:2:3:4:5:6:7:1.2.3.4",
      "fe80::1%eth0",
      "[::1]",
    ]) {
      expect(canonicalAddress(value), value).toBe(value);
    }
  });

  it("is idempotent", () => {
    for (const [input] of table) {
      const once = canonicalAddress(input);
      expect(canonicalAddress(once)).toBe(once);
    }
  });
});
