/**
 * CRI (containerd/Kubernetes) line unwrapping: full lines, partial lines joined per stream, length limits.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/events/event.js";
import { CriUnwrapper, PARTIAL } from "../../src/parse/cri.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { LineRejection } from "../../src/parse/types.js";

const T = "2026-11-20T10:10:01.000000000+00:00";

describe("CRI unwrapping", () => {
  it("returns the payload of full lines, and nothing for other lines", () => {
    const cri = new CriUnwrapper(1000);
    expect(cri.unwrap(`${T} stdout F {"a":1}`)).toBe('{"a":1}');
    expect(cri.unwrap(`${T} stderr F text`)).toBe("text");
    expect(cri.unwrap(`${T} stdin F text`)).toBeUndefined();
    expect(cri.unwrap(`${T} stdout X text`)).toBeUndefined();
    expect(
      cri.unwrap('192.168.1.1 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "-"'),
    ).toBeUndefined();
    expect(cri.unwrap("2021/12/01 13:53:33 [error] 31#31: *46 not found")).toBeUndefined();
  });

  it("joins partial lines per stream", () => {
    const cri = new CriUnwrapper(1000);
    expect(cri.unwrap(`${T} stdout P {"a":`)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stderr P err-`)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stdout P 1,`)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stderr F line`)).toBe("err-line");
    expect(cri.unwrap(`${T} stdout F "b":2}`)).toBe('{"a":1,"b":2}');
    expect(cri.unwrap(`${T} stdout F next`)).toBe("next");
  });

  it("drops fragments past the maximum length and rejects their line", () => {
    const cri = new CriUnwrapper(10);
    expect(cri.unwrap(`${T} stdout P 123456`)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stdout P 789012`)).toBe(PARTIAL);
    const result = cri.unwrap(`${T} stdout F 3`);
    expect(result).toBeInstanceOf(LineRejection);
    expect((result as LineRejection).code).toBe("LINE_TOO_LONG");
    expect(cri.unwrap(`${T} stdout F ok`)).toBe("ok");
  });

  it("reports lines left unfinished when the source ends, from their first fragment, and starts over", () => {
    const cri = new CriUnwrapper(1000);
    expect(cri.unwrap(`${T} stdout F done`, 1)).toBe("done");
    expect(cri.unwrap(`${T} stderr P err-`, 2)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stdout P {"a":`, 3)).toBe(PARTIAL);
    expect(cri.unwrap(`${T} stdout P 1,`, 4)).toBe(PARTIAL);
    const unfinished = cri.end();
    expect(unfinished.map((u) => [u.lineNumber, u.raw, u.rejection.code])).toEqual([
      [2, `${T} stderr P err-`, "TRUNCATED_CRI_LINE"],
      [3, `${T} stdout P {"a":`, "TRUNCATED_CRI_LINE"],
    ]);
    expect(unfinished[1]?.rejection.message).toContain("2 partial fragment(s)");
    // Nothing carries over to whatever is read next.
    expect(cri.unwrap(`${T} stdout F {"b":2}`, 1)).toBe('{"b":2}');
    expect(cri.end()).toEqual([]);
  });

  it("reports an unfinished line that was already too long, without its text", () => {
    const cri = new CriUnwrapper(10);
    expect(cri.unwrap(`${T} stdout P 123456789012`, 7)).toBe(PARTIAL);
    expect(cri.end().map((u) => [u.lineNumber, u.rejection.code])).toEqual([[7, "TRUNCATED_CRI_LINE"]]);
  });
});

describe("CRI lines through the decoder", () => {
  const line = JSON.stringify({
    timestamp: "2026-11-20T10:10:00Z",
    agentId: "a",
    method: "GET",
    path: "/x",
    status: 200,
  });
  const [head, tail] = [line.slice(0, 30), line.slice(30)];

  it("keeps partial lines per decoder: a fragment left by one source never completes another's line", () => {
    const first = createLineDecoder();
    expect(first(`${T} stdout P ${head}`, [], 1)).toBeUndefined();
    // The next file, with its own decoder: its full line is whole, not glued to the fragment.
    const second = createLineDecoder();
    const out: NormalizedEvent[] = [];
    expect(second(`${T} stdout F ${line}`, out, 1)).toBeUndefined();
    expect(out).toHaveLength(1);
    expect(first.end().map((u) => [u.lineNumber, u.rejection.code])).toEqual([[1, "TRUNCATED_CRI_LINE"]]);
    expect(second.end()).toEqual([]);
  });

  it("joins fragments within one decoder and has nothing left at its end", () => {
    const decode = createLineDecoder();
    const out: NormalizedEvent[] = [];
    expect(decode(`${T} stdout P ${head}`, out, 1)).toBeUndefined();
    expect(decode(`${T} stdout F ${tail}`, out, 2)).toBeUndefined();
    expect(out.map((e) => e.agentId)).toEqual(["a"]);
    expect(decode.end()).toEqual([]);
  });
});
