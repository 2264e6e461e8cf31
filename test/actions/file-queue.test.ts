/**
 * FileQueue, the durable on-disk alert queue: ordered hand-out, redelivery after restart, torn lines, segment
 * rolling.
 */
import { appendFile, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileQueue } from "../../src/actions/file-queue.js";
import type { ActionRecord } from "../../src/actions/records.js";
import { makeAlert, tempDir } from "./helpers.js";

const rec = (id: string): ActionRecord => ({ kind: "alert", alert: makeAlert({ id }) });
const ids = (records: { record: ActionRecord }[]) =>
  records.map((r) => (r.record.kind === "alert" ? r.record.alert.id : "?"));

describe("FileQueue", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it("hands records out once, in order, and waits for new ones", async () => {
    const q = await FileQueue.open({ dir });
    await Promise.all([q.append(rec("a")), q.append(rec("b")), q.append(rec("c"))]);
    expect(ids(await q.next(2, 10))).toEqual(["a", "b"]);
    expect(ids(await q.next(10, 10))).toEqual(["c"]);
    expect(await q.next(10, 20)).toEqual([]);
    const waiting = q.next(10, 2_000);
    await q.append(rec("d"));
    expect(ids(await waiting)).toEqual(["d"]);
    expect(q.depth).toBe(4);
    await q.close();
  });

  it("hands unacked records out again after a restart, acked ones never", async () => {
    const q = await FileQueue.open({ dir });
    for (const id of ["a", "b", "c", "d"]) await q.append(rec(id));
    const got = await q.next(10, 10);
    await q.ack(got[0]?.id as string);
    await q.ack(got[2]?.id as string);
    await q.close();

    const reopened = await FileQueue.open({ dir });
    expect(reopened.depth).toBe(2);
    expect(ids(await reopened.next(10, 10))).toEqual(["b", "d"]);
    await reopened.append(rec("e"));
    expect(ids(await reopened.next(10, 10))).toEqual(["e"]);
    await reopened.close();
  });

  it("cuts off a torn last line left by a crash and keeps appending after it", async () => {
    const q = await FileQueue.open({ dir });
    await q.append(rec("a"));
    await q.close();
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith(".log") && n !== "acks.log");
    await appendFile(join(dir, segment as string), '{"s":2,"r":{"kind":"al');
    const reopened = await FileQueue.open({ dir });
    expect(ids(await reopened.next(10, 10))).toEqual(["a"]);
    await reopened.append(rec("b"));
    await reopened.close();
    const again = await FileQueue.open({ dir });
    expect(ids(await again.next(10, 10))).toEqual(["a", "b"]);
    await again.close();
  });

  it("rolls segments and deletes the ones whose records are all acked", async () => {
    const q = await FileQueue.open({ dir, segmentBytes: 2_000 });
    for (let i = 0; i < 30; i++) await q.append(rec(`r${i}`));
    const segmentsBefore = (await readdir(dir)).filter((n) => /^\d{16}\.log$/.test(n));
    expect(segmentsBefore.length).toBeGreaterThan(3);
    for (const r of await q.next(100, 10)) await q.ack(r.id);
    await q.close();
    const reopened = await FileQueue.open({ dir, segmentBytes: 2_000 });
    const segmentsAfter = (await readdir(dir)).filter((n) => /^\d{16}\.log$/.test(n));
    expect(segmentsAfter.length).toBe(1); // the newest is kept for sequence continuity
    expect(reopened.depth).toBe(0);
    await reopened.append(rec("next"));
    expect(ids(await reopened.next(10, 10))).toEqual(["next"]);
    await reopened.close();
    const acks = await readFile(join(dir, "acks.log"), "utf8");
    expect(acks.split("\n").filter(Boolean).length).toBeLessThanOrEqual(30);
  });

  it("group-commits concurrent appends", async () => {
    const q = await FileQueue.open({ dir });
    await Promise.all(Array.from({ length: 500 }, (_, i) => q.append(rec(`g${i}`))));
    expect(q.depth).toBe(500);
    await q.close();
    const reopened = await FileQueue.open({ dir });
    expect(ids(await reopened.next(1000, 10))).toEqual(Array.from({ length: 500 }, (_, i) => `g${i}`));
    await reopened.close();
  });
});
