// LineSplitter: lines across chunk boundaries, CRLF, oversized lines, invalid UTF-8.
import { describe, expect, it } from "vitest";
import { LineSplitter, REJECT_PREFIX_BYTES } from "../../src/ingest/line-splitter.js";

function split(chunks: Buffer[], maxLineBytes = 64) {
  const lines: Array<[number, string]> = [];
  const rejects: Array<[number, string, string]> = [];
  const splitter = new LineSplitter(
    maxLineBytes,
    (line, n) => lines.push([n, line]),
    (n, code, raw) => rejects.push([n, code, raw]),
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, rejects, seen: splitter.linesSeen };
}

describe("LineSplitter", () => {
  it("joins lines that straddle chunks and strips CR", () => {
    const { lines } = split([
      Buffer.from("ab"),
      Buffer.from("c\r\nde"),
      Buffer.from("f\n"),
      Buffer.from("tail"),
    ]);
    expect(lines).toEqual([
      [1, "abc"],
      [2, "def"],
      [3, "tail"],
    ]);
  });

  it("rejects an oversized line without losing its neighbours, even when it spans many chunks", () => {
    const huge = Buffer.alloc(10_000, "x");
    const { lines, rejects, seen } = split([Buffer.from("ok1\n"), huge, huge, Buffer.from("yz\nok2\n")], 100);
    expect(lines).toEqual([
      [1, "ok1"],
      [3, "ok2"],
    ]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]?.[0]).toBe(2);
    expect(rejects[0]?.[1]).toBe("LINE_TOO_LONG");
    expect(rejects[0]?.[2].length).toBe(REJECT_PREFIX_BYTES);
    expect(seen).toBe(3);
  });

  it("rejects an oversized line contained in a single chunk", () => {
    const { lines, rejects } = split([Buffer.from(`${"y".repeat(200)}\nok\n`)], 100);
    expect(lines).toEqual([[2, "ok"]]);
    expect(rejects.map((r) => r[1])).toEqual(["LINE_TOO_LONG"]);
  });

  it("rejects invalid UTF-8 on bytes and keeps valid multi-byte text split across chunks", () => {
    const euro = Buffer.from("€"); // 3 bytes
    const { lines, rejects } = split([
      Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]),
      Buffer.concat([euro.subarray(1), Buffer.from("\n")]),
      Buffer.from([0x62, 0xff, 0xfe, 0x0a]),
      Buffer.from("c\n"),
    ]);
    expect(lines).toEqual([
      [1, "a€"],
      [3, "c"],
    ]);
    expect(rejects.map((r) => [r[0], r[1]])).toEqual([[2, "INVALID_UTF8"]]);
  });

  it("does not emit a phantom empty line at the end of a newline-terminated stream", () => {
    const { lines, seen } = split([Buffer.from("one\ntwo\n")]);
    expect(lines.map((l) => l[1])).toEqual(["one", "two"]);
    expect(seen).toBe(2);
  });
});
