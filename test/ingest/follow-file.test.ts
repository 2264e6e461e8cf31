// followFile behaves like `tail -F`: starts at the end by default (or the beginning on request),
// delivers appended lines, follows rotation without losing what the old file held, restarts
// after copytruncate and picks up a file that appears later. Real files in a temp dir; short
// polls and bounded waits keep the whole file to a second or two.
import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LineSplitter } from "../../src/ingest/line-splitter.js";
import { followFile } from "../../src/ingest/sources.js";

const dir = mkdtempSync(join(tmpdir(), "aw-follow-"));
let fileCount = 0;
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** Follows a fresh path in the temp dir; `before` is written before following starts, if given. */
function follow(options: { before?: string; fromEnd: boolean }) {
  const path = join(dir, `access-${++fileCount}.log`);
  if (options.before !== undefined) writeFileSync(path, options.before);
  const lines: string[] = [];
  const splitter = new LineSplitter(
    1024,
    (line) => lines.push(line),
    () => undefined,
  );
  const abort = new AbortController();
  const done = followFile(path, splitter, {
    pollIntervalMs: 10,
    fromEnd: options.fromEnd,
    signal: abort.signal,
  });
  const stop = async () => {
    abort.abort();
    await done;
  };
  stops.push(stop);
  return { path, lines, stop };
}

/** Waits until `lines` holds `count` lines, failing after a bounded time. */
async function waitForLines(lines: string[], count: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (lines.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out with ${lines.length}/${count} lines: ${lines}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("followFile", () => {
  it("starts at the end of an existing file by default and delivers what is appended", async () => {
    const { path, lines } = follow({ before: "old-1\nold-2\n", fromEnd: true });
    appendFileSync(path, "new-1\n");
    await waitForLines(lines, 1);
    // A line written in two parts arrives once, whole.
    appendFileSync(path, "new-");
    appendFileSync(path, "2\nnew-3\n");
    await waitForLines(lines, 3);
    expect(lines).toEqual(["new-1", "new-2", "new-3"]);
  });

  it("reads the existing content first when asked to", async () => {
    const { path, lines } = follow({ before: "old-1\nold-2\n", fromEnd: false });
    appendFileSync(path, "new-1\n");
    await waitForLines(lines, 3);
    expect(lines).toEqual(["old-1", "old-2", "new-1"]);
  });

  it("follows rotation: drains the old file, then reads the new one from its start", async () => {
    const { path, lines } = follow({ before: "before-start\n", fromEnd: true });
    appendFileSync(path, "a-1\n");
    await waitForLines(lines, 1);
    // Written just before the rename, and to the renamed file while the path is missing: both
    // are still in the old file and must be read before switching. An unterminated last line is
    // delivered on its own, not joined to the new file's first line.
    appendFileSync(path, "a-2\n");
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, "a-3\na-partial");
    writeFileSync(path, "b-1\n");
    appendFileSync(path, "b-2\n");
    await waitForLines(lines, 6);
    expect(lines).toEqual(["a-1", "a-2", "a-3", "a-partial", "b-1", "b-2"]);
  });

  it("restarts at the new start after a truncation in place (copytruncate)", async () => {
    const { path, lines } = follow({ before: "x-1\nx-2 is longer\n", fromEnd: false });
    await waitForLines(lines, 2);
    truncateSync(path, 0);
    appendFileSync(path, "y-1\n");
    await waitForLines(lines, 3);
    appendFileSync(path, "y-2\n");
    await waitForLines(lines, 4);
    expect(lines).toEqual(["x-1", "x-2 is longer", "y-1", "y-2"]);
  });

  it("picks up a file created after the start, from its beginning", async () => {
    const { path, lines } = follow({ fromEnd: true });
    await new Promise((resolve) => setTimeout(resolve, 30)); // a few polls find nothing
    writeFileSync(path, "c-1\nc-2\n");
    await waitForLines(lines, 2);
    expect(lines).toEqual(["c-1", "c-2"]);
  });

  it("flushes an unterminated last line when stopped", async () => {
    const { path, lines, stop } = follow({ before: "", fromEnd: true });
    appendFileSync(path, "done-1\nno-newline");
    await waitForLines(lines, 1);
    await stop();
    expect(lines).toEqual(["done-1", "no-newline"]);
  });
});
