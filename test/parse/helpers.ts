/** Shared helpers for the parser tests: fixture lines and a decoder with a fixed clock. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, type DecoderOptionsInput, type Rejection } from "../../src/parse/decoder.js";

/** The tests' wall clock: fixture times are before it, far-future checks are relative to it. */
export const NOW = Date.UTC(2026, 10, 23, 12);

/** The fixtures' bearer JWT (`sub` billing-agent, `jti` 9f1c2e7a-jwt-0001; its signature is made up). */
export const BEARER_TOKEN =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJiaWxsaW5nLWFnZW50IiwianRpIjoiOWYxYzJlN2Etand0LTAwMDEiLCJzY29wZSI6Imludm9pY2VzOnJlYWQgaW52b2ljZXM6d3JpdGUiLCJpYXQiOjE3NjM5MDAwMDB9.c2lnbmF0dXJlLW5vdC1jaGVja2Vk";

export function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`../fixtures/gateway-logs/${name}`, import.meta.url), "utf8");
  return text.split("\n").filter((line) => line !== "");
}

export interface Decoded {
  events: NormalizedEvent[];
  rejection: Rejection | undefined;
}

/**
 * Fixture files collect lines from many gateways' test suites, logged years apart: the window the
 * decoder keeps on event time relative to its source's newest event (tested on its own in
 * event-time.test.ts) is opened wide when they are decoded as one stream.
 */
const CENTURY_MS = 100 * 365 * 86_400_000;
/**
 * The fixtures' gateways name agents in an `x-agent-id` header; parser tests read them as a
 * deployment would whose gateway sets that header (identity trust is tested in test/normalize).
 */
export const SAMPLE_LINES: DecoderOptionsInput = {
  maxPastSkewMs: CENTURY_MS,
  maxGapMs: CENTURY_MS,
  identity: {
    order: ["agent", "header:x-agent-id", "jwt", "consumer", "apikey", "ip"],
    trustedHeaders: ["x-agent-id"],
  },
};

/**
 * The fixtures' lines come from gateways behind proxies they trusted: trusting every hop makes the
 * client the first X-Forwarded-For hop, which is what those format tests check is read.
 */
export const EVERY_PROXY_TRUSTED: DecoderOptionsInput = { trustedProxies: ["0.0.0.0/0", "::/0"] };

/** Decodes sample lines in order with one decoder (as a source does), one result per line. */
export function decodeLines(lines: readonly string[], options: DecoderOptionsInput = {}): Decoded[] {
  const decode = createLineDecoder({ ...SAMPLE_LINES, ...options }, () => NOW);
  return lines.map((line) => {
    const events: NormalizedEvent[] = [];
    const rejection = decode(line, events);
    return { events, rejection };
  });
}

/** Decodes one line that must yield exactly one event. */
export function decodeOne(line: string, options: DecoderOptionsInput = {}): NormalizedEvent {
  const [result] = decodeLines([line], options);
  expect(result?.rejection).toBeUndefined();
  expect(result?.events).toHaveLength(1);
  return result?.events[0] as NormalizedEvent;
}

/** Decodes one line that must be rejected, returning the rejection. */
export function rejectionOf(line: string, options: DecoderOptionsInput = {}): Rejection {
  const [result] = decodeLines([line], options);
  expect(result?.events).toEqual([]);
  expect(result?.rejection).toBeDefined();
  return result?.rejection as Rejection;
}
