// The recent-deliveries view: bounded, newest first, dead letters remembered as written and read
// back from the tail of a previous run's file (a line cut by a crash is skipped, not fatal).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DeadLetter } from "../../src/actions/dead-letter.js";
import type { Job } from "../../src/actions/delivery.js";
import { RecentDeliveries } from "../../src/actions/recent-deliveries.js";

const job = (i: number): Job => ({
  key: `r${i}/log`,
  recordId: `r${i}`,
  agentId: `agent-${i}`,
  event: { kind: "test", at: i },
  done: () => undefined,
});

const letter = (i: number): DeadLetter => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  sink: "slack",
  sinkType: "slack",
  recordId: `r${i}`,
  agentId: `agent-${i}`,
  code: "SINK_REJECTED",
  reason: "400 invalid_payload",
  attempts: 1,
  status: 400,
});

describe("RecentDeliveries", () => {
  it("keeps the last 200 final outcomes, newest first, and ignores deferred ones", () => {
    const recent = new RecentDeliveries();
    for (let i = 0; i < 250; i++) recent.finished("log", job(i), i === 249 ? "deferred" : "delivered");
    const { deliveries } = recent.view();
    expect(deliveries).toHaveLength(200);
    expect(deliveries[0]).toMatchObject({
      recordId: "r248",
      agentId: "agent-248",
      kind: "test",
      sink: "log",
    });
    expect(deliveries[199]?.recordId).toBe("r49");
  });

  it("remembers dead letters written through it, after the file has them", async () => {
    const recent = new RecentDeliveries();
    const written: DeadLetter[] = [];
    const log = recent.remembering({ write: async (l) => void written.push(l) });
    await log.write(letter(1));
    await log.write(letter(2));
    expect(written).toHaveLength(2);
    expect(recent.view().deadLetters.map((l) => l.recordId)).toEqual(["r2", "r1"]);
  });

  it("reads back a previous run's dead letters from the file's tail, skipping a cut line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aw-recent-"));
    const path = join(dir, "dead-letter.jsonl");
    writeFileSync(path, `${[letter(1), letter(2)].map((l) => JSON.stringify(l)).join("\n")}\n{"at":"2026-01`);
    const recent = new RecentDeliveries();
    await recent.loadDeadLetters(path);
    expect(recent.view().deadLetters.map((l) => l.recordId)).toEqual(["r2", "r1"]);
    await new RecentDeliveries().loadDeadLetters(join(dir, "missing.jsonl"));
  });

  it("reads only the last 64 KiB of a large file, dropping the first partial line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aw-recent-"));
    const path = join(dir, "dead-letter.jsonl");
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(letter(i)));
    writeFileSync(path, `${lines.join("\n")}\n`);
    const recent = new RecentDeliveries();
    await recent.loadDeadLetters(path);
    const kept = recent.view().deadLetters;
    expect(kept).toHaveLength(200);
    expect(kept[0]?.recordId).toBe("r1999");
    expect(kept.every((l) => l.reason === "400 invalid_payload")).toBe(true);
  });
});
