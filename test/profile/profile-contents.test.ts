/**
 * What a profile remembers, read back through its summary (`store.summarize`): activity by UTC hour of
 * day (decaying by the week) and the share of requests answered 401/403/404/405/5xx (24 h half-life).
 */
import { describe, expect, it } from "vitest";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { profileStoreOptionsSchema } from "../../src/profile/options.js";
import { ProfileStore } from "../../src/profile/store.js";
import type { ProfileSummary } from "../../src/profile/summary.js";
import { ev, HOUR, MINUTE, SECOND } from "../helpers/events.js";

const DAY = 24 * HOUR;
/** Midnight UTC, Monday 5 January 2026. */
const MIDNIGHT = Date.UTC(2026, 0, 5);

function summaryOf(events: NormalizedEvent[], agentId = "agent-1"): ProfileSummary {
  const store = new ProfileStore(profileStoreOptionsSchema.parse({}), {
    detectorNames: [],
    tierOf: () => "none",
  });
  for (const e of events) {
    const p = store.acquire(e.agentId, e.timestamp);
    p.prepare(e);
    p.absorb(e);
  }
  const summary = store.summarize(agentId);
  expect(summary).toBeDefined();
  return summary as ProfileSummary;
}

/** `count` requests spread over the hour starting at `hourStart`, one every 5 minutes. */
const inHour = (hourStart: number, count: number, overrides: Partial<NormalizedEvent> = {}) =>
  Array.from({ length: count }, (_, i) => ev({ timestamp: hourStart + i * 5 * MINUTE, ...overrides }));

/** The hours with activity, as {hour: share}. */
const activeHours = (summary: ProfileSummary) =>
  Object.fromEntries(summary.hourOfDay.flatMap((share, hour) => (share > 0 ? [[hour, share] as const] : [])));

describe("hour of day", () => {
  it("puts events in their UTC hour, as shares of the day's activity", () => {
    const summary = summaryOf([
      ...inHour(MIDNIGHT + 2 * HOUR, 6),
      ...inHour(MIDNIGHT + 9 * HOUR, 3),
      ...inHour(MIDNIGHT + 23 * HOUR + 59 * MINUTE, 1),
    ]);
    expect(summary.hourOfDay).toHaveLength(24);
    expect(activeHours(summary)).toEqual({ 2: 0.6, 9: 0.3, 23: 0.1 });
  });

  it("folds days onto one clock: 02:00 on three days is one hour", () => {
    const summary = summaryOf([
      ev({ timestamp: MIDNIGHT + 2 * HOUR }),
      ev({ timestamp: MIDNIGHT + DAY + 2 * HOUR + 30 * MINUTE }),
      ev({ timestamp: MIDNIGHT + 2 * DAY + 2 * HOUR + 59 * MINUTE + 59 * SECOND }),
      ev({ timestamp: MIDNIGHT + 2 * DAY + 3 * HOUR }),
    ]);
    // Hour counters fade by 2^(-1/7) a day: the 02:xx events weigh f^2, f and 1, the 03:00 one 1.
    const f = 2 ** (-1 / 7);
    expect(Object.keys(activeHours(summary))).toEqual(["2", "3"]);
    expect(summary.hourOfDay[2]).toBeCloseTo((f * f + f + 1) / (f * f + f + 2), 3);
    expect(summary.hourOfDay[3]).toBeCloseTo(1 / (f * f + f + 2), 3);
  });

  it("lets old habits fade with a one-week half-life", () => {
    // Ten requests at 03:xx, then a week later ten at 15:xx: the older hour counts half.
    const summary = summaryOf([
      ...inHour(MIDNIGHT + 3 * HOUR, 10),
      ...inHour(MIDNIGHT + 7 * DAY + 15 * HOUR, 10),
    ]);
    expect(summary.hourOfDay[3]).toBeCloseTo(1 / 3, 3);
    expect(summary.hourOfDay[15]).toBeCloseTo(2 / 3, 3);
    expect(summary.hourOfDay.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it("gives a lone event's hour the whole day, the other hours zero", () => {
    const summary = summaryOf([ev({ timestamp: MIDNIGHT + 12 * HOUR })]);
    expect(activeHours(summary)).toEqual({ 12: 1 });
    expect(summary.hourOfDay.every((x) => Number.isFinite(x))).toBe(true);
  });

  it("uses the UTC hour of a gateway line logged with a local offset (parse -> engine -> profile)", () => {
    // 23:30 at +0200 is 21:30 UTC.
    const decode = createLineDecoder({ format: "nginx" }, () => Date.UTC(2026, 0, 6));
    const engine = createEngine(engineOptionsSchema.parse({}));
    for (const minute of ["10", "20", "30"]) {
      const events: NormalizedEvent[] = [];
      const line =
        `203.0.113.9 - alice [05/Jan/2026:23:${minute}:00 +0200] "GET /v1/orders HTTP/1.1" 200 512 ` +
        `"-" "agent-sdk/1.4"`;
      expect(decode(line, events)).toBeUndefined();
      for (const e of events) engine.process(e);
    }
    const [agentId] = [...engine.profiles.ids()];
    expect(agentId).toBeDefined();
    const summary = engine.profiles.summarize(agentId as string);
    expect(summary?.events).toBe(3);
    expect(activeHours(summary as ProfileSummary)).toEqual({ 21: 1 });
  });
});

describe("status-class rates", () => {
  /** `counts` requests per status, interleaved one second apart so no class is older than another. */
  function mixed(counts: Record<number, number>, start = MIDNIGHT + 10 * HOUR): NormalizedEvent[] {
    const queue = Object.entries(counts).flatMap(([status, n]) => Array<number>(n).fill(Number(status)));
    // The i-th request takes status (37 i mod n) of the pool: a fixed shuffle, each status once
    // as long as 37 and the pool size are coprime (checked).
    const order = queue.map((_, i) => queue[(i * 37) % queue.length] as number);
    expect(new Set(order.map((_, i) => (i * 37) % queue.length)).size).toBe(queue.length);
    return order.map((status, i) => ev({ timestamp: start + i * SECOND, status }));
  }

  it("gives each denied class and 5xx its share of requests; 2xx, 400 and 429 count only in the total", () => {
    const summary = summaryOf(
      mixed({ 200: 44, 201: 10, 400: 4, 429: 2, 401: 10, 403: 5, 404: 20, 405: 2, 500: 2, 502: 1 }),
    );
    expect(summary.events).toBe(100);
    expect(summary.statuses.unauthorized).toBeCloseTo(0.1, 3);
    expect(summary.statuses.forbidden).toBeCloseTo(0.05, 3);
    expect(summary.statuses.notFound).toBeCloseTo(0.2, 3);
    expect(summary.statuses.methodNotAllowed).toBeCloseTo(0.02, 3);
    expect(summary.statuses.serverError).toBeCloseTo(0.03, 3);
  });

  it("counts every 5xx (500, 503, 504, 599) as a server error", () => {
    const summary = summaryOf(mixed({ 200: 6, 500: 1, 503: 1, 504: 1, 599: 1 }));
    expect(summary.statuses.serverError).toBeCloseTo(0.4, 3);
    expect(summary.statuses).toMatchObject({
      unauthorized: 0,
      forbidden: 0,
      notFound: 0,
      methodNotAllowed: 0,
    });
  });

  it("is all zeros for an agent that only ever succeeded", () => {
    expect(summaryOf(mixed({ 200: 30, 204: 5 })).statuses).toEqual({
      unauthorized: 0,
      forbidden: 0,
      notFound: 0,
      methodNotAllowed: 0,
      serverError: 0,
    });
  });

  it("weighs old errors by their 24 h half-life, in event time", () => {
    // 50 requests, half of them 404; a day later 50 clean ones: 12.5 of 75 decayed requests.
    const errors = mixed({ 200: 25, 404: 25 });
    const clean = mixed({ 200: 50 }, MIDNIGHT + 10 * HOUR + DAY);
    const summary = summaryOf([...errors, ...clean]);
    expect(summary.statuses.notFound).toBeCloseTo(12.5 / 75, 2);
    expect(summary.statuses.notFound).toBeLessThan(0.25);
  });

  it("keeps each agent's rates to itself", () => {
    const events = [
      ...mixed({ 200: 5, 401: 5 }).map((e) => ({ ...e, agentId: "a" })),
      ...mixed({ 200: 5, 405: 5 }).map((e) => ({ ...e, agentId: "b" })),
    ];
    const a = summaryOf(events, "a").statuses;
    const b = summaryOf(events, "b").statuses;
    expect(a.unauthorized).toBeCloseTo(0.5, 3);
    expect(a.methodNotAllowed).toBe(0);
    expect(b.unauthorized).toBe(0);
    expect(b.methodNotAllowed).toBeCloseTo(0.5, 3);
  });
});
