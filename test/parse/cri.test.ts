import { describe, expect, it } from "vitest";
import { CriUnwrapper, PARTIAL } from "../../src/parse/cri.js";
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
});
