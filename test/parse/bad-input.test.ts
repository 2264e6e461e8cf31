/** Bad input gets a reason code, never a throw, and the decoder only emits valid events. */
import { describe, expect, it } from "vitest";
import { accessEventSchema, type NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { decodeLines, decodeOne, fixtureLines, NOW, rejectionOf, SAMPLE_LINES } from "./helpers.js";

const KONG = fixtureLines("kong-file-log.jsonl")[0] as string;
const NGINX = fixtureLines("nginx-combined.filebeat.log")[3] as string;
const canonical = (patch: object) =>
  JSON.stringify({ timestamp: NOW - 1000, agentId: "a", method: "GET", path: "/x", status: 200, ...patch });

describe("bad input gets a reason code", () => {
  it("empty and blank lines", () => {
    expect(rejectionOf("").code).toBe("EMPTY_LINE");
    expect(rejectionOf("   \t ").code).toBe("EMPTY_LINE");
    expect(rejectionOf("2026-11-20T10:00:00.000000000Z stdout F ").code).toBe("EMPTY_LINE");
  });

  it("a byte-order mark or CRLF ending is not garbage", () => {
    expect(decodeOne(`\ufeff${KONG}\r`).agentId).toBe("foo");
  });

  it("garbage", () => {
    expect(rejectionOf("hello world").code).toBe("UNKNOWN_FORMAT");
    expect(rejectionOf("\u0000\u0001\u0002").code).toBe("UNKNOWN_FORMAT");
    expect(rejectionOf("hello world", { format: "nginx" }).code).toBe("MALFORMED_LINE");
    expect(rejectionOf("hello world", { format: "kong" }).code).toBe("MALFORMED_JSON");
  });

  it("truncated JSON, in auto mode too", () => {
    expect(rejectionOf(KONG.slice(0, 200)).code).toBe("MALFORMED_JSON");
    expect(rejectionOf(KONG.slice(0, -1)).code).toBe("MALFORMED_JSON");
    expect(rejectionOf(KONG.slice(0, -1), { format: "kong" }).code).toBe("MALFORMED_JSON");
  });

  it("lines over the maximum length (default 1 MiB)", () => {
    const long = `${NGINX} "${"x".repeat(1 << 20)}"`;
    expect(rejectionOf(long).code).toBe("LINE_TOO_LONG");
    expect(rejectionOf(NGINX, { maxLineLength: 100 }).code).toBe("LINE_TOO_LONG");
    expect(decodeOne(NGINX, { maxLineLength: NGINX.length }).clientIp).toBe("85.181.35.98");
  });

  it("wrong types", () => {
    expect(rejectionOf(canonical({ status: "200" }), { format: "json" }).code).toBe("INVALID_FIELD");
    expect(rejectionOf(KONG.replace('"status":200', '"status":{"code":200}')).code).toBe("INVALID_FIELD");
    expect(rejectionOf(KONG.replace('"uri":"/log"', '"uri":["/log"]')).code).toBe("INVALID_FIELD");
  });

  it("negative sizes", () => {
    expect(rejectionOf(KONG.replace('"size":827', '"size":-827')).message).toContain("responseBytes");
    expect(rejectionOf(canonical({ requestBytes: -5 })).code).toBe("INVALID_FIELD");
    expect(rejectionOf(NGINX.replace(" 200 571 ", " 200 -571 ")).code).toBe("INVALID_FIELD");
  });

  it("timestamps before 2000 or too far in the future", () => {
    expect(rejectionOf(canonical({ timestamp: "1999-12-31T23:59:59Z" })).code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(rejectionOf(canonical({ timestamp: 0 })).code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(rejectionOf(canonical({ timestamp: NOW + 3_600_001 })).code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(decodeOne(canonical({ timestamp: NOW + 3_600_000 })).timestamp).toBe(NOW + 3_600_000);
    expect(rejectionOf(canonical({ timestamp: NOW + 60_001 }), { maxFutureSkewMs: 60_000 }).code).toBe(
      "TIMESTAMP_OUT_OF_RANGE",
    );
    expect(rejectionOf(NGINX.replace("07/Dec/2016", "07/Dec/2099")).code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(rejectionOf(KONG.replace('"started_at":1614232668342', '"started_at":1614232668')).code).toBe(
      "TIMESTAMP_OUT_OF_RANGE", // seconds where ms belong: 1970
    );
  });

  it("the clock is injected and read per line", () => {
    let now = NOW;
    const decode = createLineDecoder({}, () => now);
    const line = canonical({ timestamp: NOW + 7_200_000 });
    expect(decode(line, [])?.code).toBe("TIMESTAMP_OUT_OF_RANGE");
    now = NOW + 7_200_000;
    expect(decode(line, [])).toBeUndefined();
  });

  it("invalid UTF-8 (U+FFFD left by the decode)", () => {
    const bytes = Buffer.concat([
      Buffer.from(NGINX.slice(0, 40)),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(NGINX.slice(40)),
    ]);
    expect(rejectionOf(bytes.toString("utf8")).code).toBe("INVALID_UTF8");
    expect(rejectionOf(canonical({ userAgent: "bad \ufffd" })).code).toBe("INVALID_UTF8");
  });

  it("__proto__ / constructor / prototype keys anywhere, however spelled", () => {
    const polluted = [
      '{"__proto__":{"polluted":1},"timestamp":1795169701000,"agentId":"a","method":"GET","path":"/","status":200}',
      KONG.replace('"request":{', '"request":{"constructor":{"prototype":{"polluted":1}},'),
      KONG.replace('"headers":{', '"headers":{"prototype":"x",'),
      KONG.replace('"consumer":{', '"consumer":{"\\u005f_proto__":{"polluted":1},'),
    ];
    for (const line of polluted) expect(rejectionOf(line).code).toBe("FORBIDDEN_KEY");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The words as values are fine.
    expect(decodeOne(canonical({ path: "/constructor/prototype/__proto__" })).path).toBe(
      "/constructor/prototype/__proto__",
    );
  });

  it("JSON nested deeper than any access log", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    expect(rejectionOf(deep).code).toBe("MALFORMED_LINE");
    expect(rejectionOf(deep, { format: "kong" }).code).toBe("MALFORMED_LINE");
    const nested = canonical({ extra: JSON.parse(`${'{"a":'.repeat(40)}1${"}".repeat(40)}`) });
    expect(rejectionOf(nested, { format: "json" }).message).toContain("nested deeper");
    expect(decodeOne(canonical({ extra: { a: { b: [1, { c: 2 }] } } })).agentId).toBe("a");
  });

  it("missing identity", () => {
    const rejection = rejectionOf(NGINX, { identity: { order: ["consumer", "jwt"] } });
    expect(rejection.code).toBe("MISSING_IDENTITY");
    expect(rejection.message).toContain("consumer, jwt");
  });

  it("valid lines around bad ones are processed", () => {
    const results = decodeLines([NGINX, "garbage", KONG.slice(0, 50), NGINX, "", KONG]);
    expect(results.map((r) => r.rejection?.code)).toEqual([
      undefined,
      "UNKNOWN_FORMAT",
      "MALFORMED_JSON",
      undefined,
      "EMPTY_LINE",
      undefined,
    ]);
    expect(results.map((r) => r.events.length)).toEqual([1, 0, 0, 1, 0, 1]);
  });

  it("partial CRI lines too long once joined", () => {
    const decode = createLineDecoder({ maxLineLength: 300 }, () => NOW);
    const part = `2026-11-20T10:00:00.000000000Z stdout P ${"x".repeat(160)}`;
    expect(decode(part, [])).toBeUndefined();
    expect(decode(part, [])).toBeUndefined();
    expect(decode("2026-11-20T10:00:00.000000000Z stdout F }", [])?.code).toBe("LINE_TOO_LONG");
    // The stream recovers with the next line.
    const out: NormalizedEvent[] = [];
    expect(decode(`2026-11-20T10:00:00.000000000Z stdout F ${NGINX}`, out)).toBeUndefined();
    expect(out).toHaveLength(1);
  });
});

describe("the decoder never throws and only emits valid events", () => {
  /** Deterministic xorshift32, so a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
  }

  it("survives mutated fixture lines", () => {
    const next = random(0x5eed);
    const corpus = [
      "nginx-combined.crowdsec.log",
      "nginx-combined.filebeat.log",
      "envoy-json.cri.log",
      "traefik.json.log",
      "kong-file-log.jsonl",
      "kong.constructed.jsonl",
      "aws-apigw-rest.constructed.jsonl",
      "nginx-json.constructed.jsonl",
      "canonical.constructed.jsonl",
    ].flatMap((file) => fixtureLines(file));
    const alphabet = [
      '"',
      "{",
      "}",
      "[",
      "]",
      ":",
      ",",
      " ",
      "-",
      "/",
      "%",
      "0",
      "9",
      "\\",
      "a",
      "\u00e9",
      "\u0000",
    ];
    const decode = createLineDecoder(SAMPLE_LINES, () => NOW);
    let emitted = 0;
    for (let i = 0; i < 3000; i++) {
      const source = corpus[Math.floor(next() * corpus.length)] as string;
      const chars = [...source];
      for (let m = 1 + Math.floor(next() * 4); m > 0; m--) {
        const at = Math.floor(next() * chars.length);
        const op = next();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(next() * alphabet.length)] as string);
        else chars.length = at; // truncate
      }
      const out: NormalizedEvent[] = [];
      const rejection = decode(chars.join(""), out);
      if (rejection) {
        expect(out).toEqual([]);
        expect(rejection.code).toMatch(/^[A-Z_]+$/);
        expect(rejection.message).not.toContain("decoder error"); // the safety net is for bugs only
      }
      for (const event of out) {
        expect(accessEventSchema.safeParse(event).success).toBe(true);
        expect(event.template.length).toBeGreaterThan(0);
        emitted++;
      }
    }
    expect(emitted).toBeGreaterThan(500); // most mutations leave a parseable line
  });
});
