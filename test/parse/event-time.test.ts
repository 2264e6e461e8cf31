/**
 * Event time in the decoder: an absolute sanity range, a window around the newest event of the
 * source (which follows a source that really moved on), and no wall clock unless one is given,
 * so a replay gives the same result whatever the machine's clock says.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, type DecoderOptionsInput } from "../../src/parse/decoder.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 10);

const line = (timestamp: number | string, requestId = "r") =>
  JSON.stringify({ timestamp, agentId: "a", method: "GET", path: "/x", status: 200, requestId });

/** Decodes the lines with one decoder and no wall clock: each line's reason code, or "ok". */
function outcomes(times: ReadonlyArray<number | string>, options: DecoderOptionsInput = {}): string[] {
  const decode = createLineDecoder({ format: "json", ...options });
  return times.map((time) => decode(line(time), [])?.code ?? "ok");
}

describe("event time relative to the source", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects a 2001 timestamp inside a 2026 stream", () => {
    expect(outcomes([T0, "2001-03-04T05:06:07Z", T0 + 1000])).toEqual(["ok", "TIMESTAMP_OUT_OF_RANGE", "ok"]);
  });

  it("rejects a timestamp far ahead of the stream, without any wall clock", () => {
    const decode = createLineDecoder({ format: "json" });
    expect(decode(line(T0), [])).toBeUndefined();
    const rejection = decode(line(T0 + 30 * DAY), []);
    expect(rejection?.code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(rejection?.message).toContain("ahead of this input's newest event (2026-01-05T10:00:00.000Z)");
    expect(decode(line(T0 + 2000), [])).toBeUndefined();
  });

  it("accepts disorder within the windows, which are configurable", () => {
    expect(outcomes([T0, T0 - 6 * DAY, T0 + HOUR, T0 - 2 * DAY])).toEqual(["ok", "ok", "ok", "ok"]);
    expect(outcomes([T0, T0 - 2 * DAY], { maxPastSkewMs: DAY })).toEqual(["ok", "TIMESTAMP_OUT_OF_RANGE"]);
    expect(outcomes([T0, T0 + 2 * HOUR], { maxGapMs: HOUR })).toEqual(["ok", "TIMESTAMP_OUT_OF_RANGE"]);
    // Behind the newest event, not the last one: the window does not drift back with late events.
    expect(outcomes([T0, T0 - 6 * DAY, T0 - 8 * DAY])).toEqual(["ok", "ok", "TIMESTAMP_OUT_OF_RANGE"]);
  });

  it("takes a quiet weekend at its word, and follows a longer silence at the cost of one event", () => {
    expect(outcomes([T0, T0 + 3 * DAY, T0 + 3 * DAY + 1000])).toEqual(["ok", "ok", "ok"]);
    const after = T0 + 10 * DAY;
    expect(outcomes([T0, after, after + 1000, after + 2000])).toEqual([
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
      "ok",
      "ok",
    ]);
    // Sparse traffic after the silence: the next event is hours later, still in step with the first.
    const sparse = T0 + 8 * DAY;
    expect(outcomes([T0, sparse, sparse + 2 * HOUR, sparse + 4 * HOUR])).toEqual([
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
      "ok",
      "ok",
    ]);
  });

  it("recovers from a wrong first line instead of rejecting the whole stream", () => {
    const wrong = Date.UTC(2031, 0, 1);
    expect(outcomes([wrong, T0, T0 + 1000, T0 + 2000, wrong + 1000])).toEqual([
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
      "ok",
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
    ]);
  });

  it("does not let scattered bad timestamps move the stream", () => {
    const stuck = Date.UTC(2001, 0, 1);
    expect(outcomes([T0, stuck, T0 + 1, stuck + 1, T0 + 2])).toEqual([
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
      "ok",
      "TIMESTAMP_OUT_OF_RANGE",
      "ok",
    ]);
  });

  it("rejects a whole batch line when one record is out of step, and learns nothing from it", () => {
    const kong = (times: number[]) =>
      JSON.stringify(
        times.map((started_at) => ({
          started_at,
          request: { method: "GET", uri: "/x", size: 0, headers: {} },
          response: { status: 200, size: 1 },
          latencies: { request: 1 },
          client_ip: "10.0.0.1",
          consumer: { username: "c" },
        })),
      );
    const decode = createLineDecoder({ format: "kong" });
    expect(decode(kong([T0]), [])).toBeUndefined();
    const rejection = decode(kong([T0 + 1, Date.UTC(2030, 0, 1)]), []);
    expect(rejection?.message).toContain("batch record 1");
    expect(decode(kong([T0 + 2]), [])).toBeUndefined();
  });
});

describe("absolute range and the wall clock", () => {
  it("rejects timestamps outside 2000..2100 even as the first event of a source", () => {
    expect(outcomes(["1999-12-31T23:59:59Z"])).toEqual(["TIMESTAMP_OUT_OF_RANGE"]);
    expect(outcomes(["2100-01-01T00:00:01Z"])).toEqual(["TIMESTAMP_OUT_OF_RANGE"]);
    expect(outcomes([Date.UTC(2099, 0, 1)])).toEqual(["ok"]);
  });

  it("reads no wall clock unless given one: the result is the same whatever the clock says", () => {
    const times = [T0, T0 + 1000, "2001-01-01T00:00:00Z", T0 + 9 * DAY, T0 + 9 * DAY + 1, T0 + 9 * DAY + 2];
    const results: string[][] = [];
    for (const clock of [Date.UTC(2001, 0, 1), Date.UTC(2026, 0, 5), Date.UTC(2090, 0, 1)]) {
      vi.useFakeTimers({ now: clock, toFake: ["Date"] });
      const now = vi.spyOn(Date, "now");
      results.push(outcomes(times));
      expect(now).not.toHaveBeenCalled();
      vi.useRealTimers();
    }
    expect(results[0]).toEqual(["ok", "ok", "TIMESTAMP_OUT_OF_RANGE", "TIMESTAMP_OUT_OF_RANGE", "ok", "ok"]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it("bounds events by the wall clock when the live edge passes one", () => {
    const decode = createLineDecoder({ format: "json" }, () => T0);
    const rejection = decode(line(T0 + 2 * HOUR), []);
    expect(rejection?.code).toBe("TIMESTAMP_OUT_OF_RANGE");
    expect(rejection?.message).toContain("ahead of the wall clock");
    // The wall clock is authoritative: agreeing far-future events do not move the stream past it.
    expect(decode(line(T0 + 2 * HOUR + 1), [])?.code).toBe("TIMESTAMP_OUT_OF_RANGE");
    const out: NormalizedEvent[] = [];
    expect(decode(line(T0 - DAY), out)).toBeUndefined();
    expect(out[0]?.timestamp).toBe(T0 - DAY);
  });
});
