/**
 * Field helpers shared by the parsers: CLF and ISO time parsing, forwarded hops, FieldReader, JWT reading.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accessEventSchema } from "../../src/events/event.js";
import { bearerToken, decodeJwtPayload } from "../../src/normalize/jwt.js";
import {
  FieldReader,
  firstHop,
  isIpAddress,
  parseClfTime,
  parseIsoOrEpochMs,
  parseIsoTime,
} from "../../src/parse/fields.js";
import { canonicalHeaderName } from "../../src/parse/headers.js";

describe("time fields", () => {
  it("parses CLF times with their offset", () => {
    expect(parseClfTime("07/Dec/2016:11:05:07 +0100")).toBe(Date.UTC(2016, 11, 7, 10, 5, 7));
    expect(parseClfTime("25/Nov/2026:10:00:00 +0000")).toBe(Date.UTC(2026, 10, 25, 10));
    expect(parseClfTime("01/Jan/2026:00:30:00 -0530")).toBe(Date.UTC(2026, 0, 1, 6, 0));
    for (const bad of [
      "07/Foo/2016:11:05:07 +0100",
      "7/Dec/2016:11:05:07 +0100",
      "07/Dec/2016:25:05:07 +0100",
      "",
    ]) {
      expect(parseClfTime(bad), bad).toBeNaN();
    }
  });

  it("parses ISO 8601 with any fraction; a time without zone is UTC", () => {
    expect(parseIsoTime("2021-12-08T14:02:43.587782192Z")).toBe(Date.UTC(2021, 11, 8, 14, 2, 43, 587));
    expect(parseIsoTime("2026-01-14T10:45:33.759014877+01:00")).toBe(Date.UTC(2026, 0, 14, 9, 45, 33, 759));
    expect(parseIsoTime("2026-11-20T10:00:00+0100")).toBe(Date.UTC(2026, 10, 20, 9));
    expect(parseIsoTime("2026-11-20T10:00:00")).toBe(Date.UTC(2026, 10, 20, 10));
    expect(parseIsoTime("2026-11-20 10:00:00")).toBe(Date.UTC(2026, 10, 20, 10));
    expect(parseIsoTime("20/Nov/2026")).toBeNaN();
    expect(parseIsoTime("2026-13-45T99:00:00Z")).toBeNaN();
    expect(parseIsoTime("2026-11-20T10:00:00.1Z")).toBe(Date.UTC(2026, 10, 20, 10, 0, 0, 100));
    expect(parseIsoTime("2026-11-20T10:00:00.Z")).toBeNaN();
    expect(parseIsoTime("2026-11-20T10:00:00+01:00junk")).toBeNaN();
    expect(parseIsoOrEpochMs("1795169701000")).toBe(1795169701000);
    expect(parseIsoOrEpochMs(1795169701000.7)).toBe(1795169701000);
    expect(parseIsoOrEpochMs("1527590590.528")).toBe(1527590590528); // %START_TIME(%s.%3f)%
    expect(parseIsoOrEpochMs(1527590590)).toBe(1527590590000);
    expect(parseIsoOrEpochMs(true)).toBeNaN();
  });
});

describe("parseIsoTime and Date.parse", () => {
  it("agree on every date-time the canonical schema accepts", () => {
    const timestamp = accessEventSchema.shape.timestamp;
    let state = 7;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const pad = (v: number, width = 2) => String(v).padStart(width, "0");
    for (let i = 0; i < 2000; i++) {
      const fraction = ["", ".5", ".123", ".123456789"][next(4)];
      const zone = ["Z", "+00:00", "-05:30", "+14:00"][next(4)];
      const text = `${2000 + next(60)}-${pad(1 + next(12))}-${pad(1 + next(28))}T${pad(next(24))}:${pad(next(60))}:${pad(next(60))}${fraction}${zone}`;
      const parsed = timestamp.safeParse(text);
      expect(parsed.success, text).toBe(true);
      expect(parseIsoTime(text), text).toBe(parsed.data);
    }
  });
});

describe("parseIsoTime in strict mode and the canonical schema", () => {
  const isoBranch = accessEventSchema.shape.timestamp.options.find((option) => option instanceof z.ZodPipe);
  const pattern = (isoBranch as z.ZodPipe<z.ZodISODateTime>).in.def.pattern as RegExp;
  const pad = (v: number, width = 2) => String(v).padStart(width, "0");

  /** Strict parsing must accept exactly what the pattern accepts, with `Date.parse`'s value. */
  function agree(text: string): void {
    const time = parseIsoTime(text, true);
    if (pattern.test(text)) expect(time, text).toBe(Date.parse(text));
    else expect(time, text).toBeNaN();
  }

  it("agree on every day of month 1-31 over a 400-year cycle (1900 and 2100 are not leap years, 2000 is)", () => {
    const times = ["T00:00:00Z", "T23:59:59.999+14:00", "T12:30:05.5-05:30", "T07:08:09.123456789Z"];
    let k = 0;
    for (let year = 1896; year < 2296; year++) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) agree(`${year}-${pad(month)}-${pad(day)}${times[k++ % 4]}`);
      }
    }
    for (const year of ["0000", "0004", "0100", "0400", "9996", "9999"]) {
      agree(`${year}-02-29T00:00:00Z`);
      agree(`${year}-02-28T00:00:00Z`);
    }
  });

  it("agree on every hour, minute, second and offset value, and on the zone notations", () => {
    for (let v = 0; v < 100; v++) {
      agree(`2026-11-20T${pad(v)}:00:00Z`);
      agree(`2026-11-20T10:${pad(v)}:00Z`);
      agree(`2026-11-20T10:00:${pad(v)}Z`);
      agree(`2026-11-20T10:00:00+${pad(v)}:00`);
      agree(`2026-11-20T10:00:00-00:${pad(v)}`);
    }
    for (const tail of ["", "z", "+0100", "+01", "+01:00:00", " Z", "Z ", ".Z", ".1234567890123Z", "+1:00"]) {
      agree(`2026-11-20T10:00:00${tail}`);
    }
    for (const text of [
      "2026-11-20t10:00:00Z",
      "2026-11-20 10:00:00Z",
      "2026-1-20T10:00:00Z",
      "+2026-11-20T10:00:00Z",
    ]) {
      agree(text);
    }
  });

  it("agree on mutated date-times", () => {
    let state = 11;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const alphabet = "0123456789-:.+TtZz ";
    for (let i = 0; i < 20_000; i++) {
      let text = `${1990 + next(40)}-${pad(1 + next(12))}-${pad(1 + next(31))}T${pad(next(24))}:${pad(next(60))}:${pad(next(60))}${["", ".5", ".123"][next(3)]}${["Z", "+02:00", "-11:30"][next(3)]}`;
      for (let m = next(3); m >= 0; m--) {
        const at = next(text.length + 1);
        const c = alphabet[next(alphabet.length)] as string;
        const op = next(3);
        text = text.slice(0, at) + (op === 2 ? "" : c) + text.slice(op === 0 ? at : at + 1);
      }
      agree(text);
    }
  });
});

describe("firstHop", () => {
  it("takes the first address, without port or brackets", () => {
    expect(firstHop("203.0.113.9, 10.0.0.1")).toBe("203.0.113.9");
    expect(firstHop("[fd00::1]:54321, 10.0.0.1")).toBe("fd00::1");
    expect(firstHop("fd00:1234:5678::5a24, [fd00:1234:5678::1]:54321")).toBe("fd00:1234:5678::5a24");
    expect(firstHop("10.0.0.12:59292")).toBe("10.0.0.12");
    expect(firstHop("192.168.1.100,10.0.0.50")).toBe("192.168.1.100");
    expect(firstHop(" 198.51.100.1 ")).toBe("198.51.100.1");
    for (const unset of ["-", "", "unknown", "_hidden", "<script>", "example.com:443", "1.2.3.999"]) {
      expect(firstHop(unset), unset).toBe("");
    }
  });

  it("recognises IP literals only", () => {
    for (const ip of [
      "10.0.0.1",
      "255.255.255.255",
      "::1",
      "fd00::1",
      "2a03:0000:10ff:f00f:0000:0000:0:8000",
      "::ffff:10.0.0.1",
    ]) {
      expect(isIpAddress(ip), ip).toBe(true);
    }
    for (const other of [
      "10.0.0",
      "10.0.0.256",
      "1.2.3.4.5",
      "cafe.be",
      "dead:beef",
      "abc",
      "10.0.0.1a",
      "::g",
    ]) {
      expect(isIpAddress(other), other).toBe(false);
    }
  });
});

describe("FieldReader", () => {
  it("reads gateway spellings and remembers the first wrong type", () => {
    const read = new FieldReader();
    expect(read.number("12", "a")).toBe(12);
    expect(read.number("-", "a")).toBe(0);
    expect(read.number(null, "a", 7)).toBe(7);
    expect(read.text("-", "a")).toBe("");
    expect(read.text(42, "a")).toBe("42");
    expect(read.bad).toBeUndefined();
    expect(read.number("twelve", "first")).toBeNaN();
    read.text({}, "second");
    expect(read.bad).toBe("first");
    expect(read.problem()?.code).toBe("INVALID_FIELD");
    expect(read.reset().bad).toBeUndefined();
  });
});

describe("JWT reading", () => {
  it("extracts bearer tokens and decodes payloads without verifying", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer  abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    const payload = Buffer.from('{"sub":"a"}').toString("base64url");
    expect(decodeJwtPayload(`h.${payload}.s`)).toEqual({ sub: "a" });
    expect(decodeJwtPayload(`h.${payload}`)).toBeUndefined();
    expect(decodeJwtPayload(`h.${payload}.s.x.y`)).toBeUndefined(); // JWE: encrypted
    expect(decodeJwtPayload(`h.${"A".repeat(20_000)}.s`)).toBeUndefined();
  });

  it("spells headers the Go way for Traefik", () => {
    expect(canonicalHeaderName("x-agent-id")).toBe("X-Agent-Id");
    expect(canonicalHeaderName("authorization")).toBe("Authorization");
  });
});
