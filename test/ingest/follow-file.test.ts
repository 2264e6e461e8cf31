// followFile behaves like `tail -F`: starts at the end by default (or the beginning on request),
// delivers appended lines, follows rotation without losing what the old file held, restarts
// after copytruncate and picks up a file that appears later. Real files in a temp dir; short
// polls and bounded waits keep the whole file to a second or two. Opening can be made to fail
// (as EACCES would; tests run as root, where chmod does not stop a read).
import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LineSplitter } from "../../src/ingest/line-splitter.js";
import { type ChunkSink, followFile } from "../../src/ingest/sources.js";

const openFails = vi.hoisted(() => ({ value: false }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    open: (...args: Parameters<typeof actual.open>) =>
      openFails.value
        ? Promise.reject(Object.assign(new Error("permission denied"), { code: "EACCES" }))
        : actual.open(...args),
  };
});

const dir = mkdtempSync(join(tmpdir(), "aw-follow-"));
let fileCount = 0;
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  openFails.value = false;
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/**
 * Follows a fresh path in the temp dir; `before` is written before following starts, if given.
 * With `signals`, rotation and end are recorded among the lines as `<rotated>` and `<end>`.
 */
function follow(options: { before?: string; fromEnd: boolean; signals?: boolean }) {
  const path = join(dir, `access-${++fileCount}.log`);
  if (options.before !== undefined) writeFileSync(path, options.before);
  const lines: string[] = [];
  const lineSplitter = new LineSplitter(
    1024,
    (line) => lines.push(line),
    () => undefined,
  );
  const splitter: ChunkSink = options.signals
    ? {
        push: (chunk) => lineSplitter.push(chunk),
        rotated: () => {
          lineSplitter.end();
          lines.push("<rotated>");
        },
        end: () => {
          lineSplitter.end();
          lines.push("<end>");
        },
      }
    : lineSplitter;
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

  it("signals rotation and truncation apart from the end of input", async () => {
    // The sink keeps per-input state (a CRI fragment) across a rotation, but not past the end.
    const { path, lines, stop } = follow({ before: "", fromEnd: true, signals: true });
    appendFileSync(path, "a-1\na-partial");
    await waitForLines(lines, 1);
    renameSync(path, `${path}.1`);
    writeFileSync(path, "b-1 is longer\n");
    await waitForLines(lines, 4);
    truncateSync(path, 0);
    appendFileSync(path, "c-1\n");
    await waitForLines(lines, 6);
    await stop();
    expect(lines).toEqual(["a-1", "a-partial", "<rotated>", "b-1 is longer", "<rotated>", "c-1", "<end>"]);
  });

  it("starts at the end of a file that existed at the start but could be opened only later", async () => {
    openFails.value = true;
    const { path, lines } = follow({ before: "old-1\nold-2\n", fromEnd: true });
    await new Promise((resolve) => setTimeout(resolve, 50)); // a few polls fail to open it
    openFails.value = false;
    appendFileSync(path, "new-1\n");
    await waitForLines(lines, 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lines).toEqual(["new-1"]);
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
