// Property-based fuzzing of every log-format parser and of the line decoder: random bytes,
// random strings, strings built from the formats' own punctuation, and mutations (byte edits and
// JSON value swaps) of the real fixture lines. Whatever the line, nothing throws and every line
// becomes events or one rejection with a known reason code. A parser bug the decoder's safety net
// catches (MALFORMED_LINE "decoder error") counts as a failure here: the net must stay unused.
import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, FORMAT_NAMES, type Rejection } from "../../src/parse/decoder.js";
import { FORMATS } from "../../src/parse/formats/index.js";
import { RawEventBatch } from "../../src/parse/types.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../helpers/fuzz.js";
import { fixtureLines, NOW, SAMPLE_LINES } from "./helpers.js";

const FIXTURE_LINES = readdirSync(new URL("../fixtures/gateway-logs/", import.meta.url))
  .filter((name) => name !== "SOURCES.md")
  .flatMap((name) => fixtureLines(name));

/** Any bytes, read as a line reader would (invalid UTF-8 becomes U+FFFD). */
const randomBytes = fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString("utf8"));
const randomText = fc.string({ unit: "binary", maxLength: 400 });

/** Tokens the parsers key on, glued at random: reaches far deeper than uniform noise. */
const FORMAT_TOKENS = [
  '"',
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  " ",
  "-",
  "\\",
  "\t",
  "[23/Nov/2026:12:00:00 +0000]",
  "[23/Nov/2026:12:00:00",
  "2026-11-23T12:00:00.000Z",
  "2026-11-23T12:00:00Z stdout F ",
  "2026-11-23T12:00:00Z stderr P ",
  "GET",
  "POST /x HTTP/1.1",
  '"GET /a?b=1 HTTP/1.1"',
  "HTTP/2",
  "200",
  "404",
  "0",
  "-1",
  "1e309",
  "NaN",
  "203.0.113.9",
  "10.0.0.1, 203.0.113.9",
  "::1",
  "[::1]:80",
  '"method":',
  '"path":',
  '"status":',
  '"time":',
  '"timestamp":',
  '"request":',
  '"headers":',
  '"x-agent-id":',
  '"request_id":',
  "null",
  "true",
  "[]",
  "{}",
  '"\\u0000"',
  '"\\ud800"',
  "__proto__",
  '"__proto__":',
  "constructor",
  "%",
  "%zz",
];
const formatSoup = fc
  .array(fc.constantFrom(...FORMAT_TOKENS), { maxLength: 40 })
  .map((tokens) => tokens.join(""));

type Edit =
  | { kind: "delete" | "duplicate"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "truncate"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("delete" as const, "duplicate" as const),
    at: fc.nat(),
    length: fc.nat({ max: 40 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...FORMAT_TOKENS), fc.string({ unit: "binary", maxLength: 12 })),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function applyEdit(line: string, change: Edit): string {
  const at = line.length === 0 ? 0 : change.at % (line.length + 1);
  switch (change.kind) {
    case "delete":
      return line.slice(0, at) + line.slice(at + change.length);
    case "duplicate":
      return line.slice(0, at + change.length) + line.slice(at);
    case "insert":
      return line.slice(0, at) + change.text + line.slice(at);
    case "truncate":
      return line.slice(0, at);
  }
}

/** A real fixture line with a few byte-level edits. */
const editedFixture = fc
  .tuple(fc.constantFrom(...FIXTURE_LINES), fc.array(edit, { minLength: 1, maxLength: 4 }))
  .map(([line, edits]) => edits.reduce(applyEdit, line));

/** Every path to a value inside a parsed JSON document (the root excluded). */
function valuePaths(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => {
    const path = [...prefix, key];
    return [path, ...valuePaths((value as Record<string | number, unknown>)[key], path)];
  });
}

const JSON_FIXTURES = FIXTURE_LINES.flatMap((line) => {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" ? [value] : [];
  } catch {
    return [];
  }
});

/** A real JSON fixture record with one value, anywhere in it, replaced by random JSON. */
const swappedJsonFixture = fc
  .tuple(fc.constantFrom(...JSON_FIXTURES), fc.nat(), fc.jsonValue({ maxDepth: 3 }))
  .map(([record, pick, replacement]) => {
    const copy = structuredClone(record) as Record<string | number, unknown>;
    const paths = valuePaths(copy);
    const path = paths[pick % paths.length] as (string | number)[];
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = replacement;
    return JSON.stringify(copy);
  });

const anyLine = fc.oneof(randomBytes, randomText, formatSoup, editedFixture, swappedJsonFixture);

function expectReason(rejection: Rejection): void {
  expect(Object.hasOwn(ERROR_CODES, rejection.code), `unknown code ${rejection.code}`).toBe(true);
  expect(typeof rejection.message).toBe("string");
  expect(rejection.message.length).toBeGreaterThan(0);
}

describe("fuzzing the format parsers", () => {
  it("fixtures and their mutations give fuzz inputs to work on", () => {
    expect(FIXTURE_LINES.length).toBeGreaterThan(50);
    expect(JSON_FIXTURES.length).toBeGreaterThan(10);
  });

  for (const format of FORMATS) {
    it(
      `${format.name}: never throws; each line gives records or a coded rejection`,
      () => {
        const batch = new RawEventBatch();
        fc.assert(
          fc.property(anyLine, (line) => {
            batch.clear();
            format.sniff(line);
            const rejection = format.parse(line, batch);
            if (rejection === undefined) expect(batch.length).toBeGreaterThan(0);
            else expectReason(rejection);
          }),
          fuzzParameters(),
        );
      },
      FUZZ_TIMEOUT_MS,
    );
  }
});

/** A CRI partial fragment (`<time> stdout P <payload>`): the one line that yields nothing yet. */
const CRI_PARTIAL = /^\d.{3}-.{5}T.{8}[^ ]* (stdout|stderr) P( |$)/s;

describe("fuzzing the line decoder", () => {
  for (const format of FORMAT_NAMES) {
    it(
      `format ${format}: sequences of lines each give events or one coded rejection, never an internal error`,
      () => {
        fc.assert(
          fc.property(fc.array(anyLine, { minLength: 1, maxLength: 4 }), (lines) => {
            const decode = createLineDecoder({ ...SAMPLE_LINES, format }, () => NOW);
            lines.forEach((line, index) => {
              const events: NormalizedEvent[] = [];
              const rejection = decode(line, events, index + 1);
              if (rejection !== undefined) {
                expectReason(rejection);
                expect(rejection.message).not.toMatch(/decoder error/);
                expect(events).toEqual([]);
              } else if (events.length === 0) {
                expect(line.trim(), "only a CRI partial line may yield nothing").toMatch(CRI_PARTIAL);
              }
              for (const event of events) expect(Number.isFinite(event.timestamp)).toBe(true);
            });
            for (const unfinished of decode.end()) expectReason(unfinished.rejection);
          }),
          fuzzParameters(),
        );
      },
      FUZZ_TIMEOUT_MS,
    );
  }
});
