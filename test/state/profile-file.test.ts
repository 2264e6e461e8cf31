/**
 * Profile snapshots on disk and the decision journal, against real files: a restored engine
 * raises the same alerts as one that never stopped; a snapshot that is truncated, of another
 * version or not ours is reported (INVALID_SNAPSHOT), moved aside, and startup goes on; the
 * journal gives back every decision after a crash, skipping a line the crash cut short.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { JournaledDecisionStore } from "../../src/actions/decision-journal.js";
import type { Decision } from "../../src/actions/records.js";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import { restoreProfileSnapshot, writeProfileSnapshot } from "../../src/state/profile-file.js";
import { benignStream, ev, MINUTE, T0 } from "../helpers/events.js";

function capture() {
  const lines: string[] = [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  return { logger, lines };
}

const engine = () => createEngine(engineOptionsSchema.parse({}));

describe("profile snapshot file", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-state-"));

  it("restores profiles so that the engine goes on exactly as if it had not stopped", async () => {
    const events = [
      ...benignStream(400, { agentId: "steady" }),
      ...benignStream(300, { agentId: "other" }),
    ].sort((a, b) => a.timestamp - b.timestamp);
    const attack = Array.from({ length: 60 }, (_, i) =>
      ev({
        agentId: "steady",
        timestamp: T0 + 500 * MINUTE + i * 200,
        path: `/admin/users/${i}`,
        method: "DELETE",
      }),
    );
    const uninterrupted = engine();
    for (const e of events) uninterrupted.process(e);
    const expected = attack.map((e) => uninterrupted.process(e)?.severity ?? null);

    const first = engine();
    for (const e of events) first.process(e);
    const path = join(dir, "profiles.snapshot");
    expect(await writeProfileSnapshot(path, first.profiles)).toBe(2);
    const second = engine();
    const { logger } = capture();
    expect(await restoreProfileSnapshot(path, second.profiles, logger)).toEqual({ restored: 2, skipped: 0 });
    expect(attack.map((e) => second.process(e)?.severity ?? null)).toEqual(expected);
    expect(expected.some((s) => s !== null)).toBe(true);
  });

  it.each([
    ["truncated", (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ["of another version", (text: string) => text.replace('"v":1', '"v":99')],
    ["not a snapshot at all", () => "\u0000\u0001garbage"],
    ["empty", () => ""],
  ])("reports a snapshot that is %s, moves it aside and starts empty", async (_what, damage) => {
    const source = engine();
    for (const e of benignStream(50, { agentId: "a" })) source.process(e);
    const path = join(dir, `damaged-${_what.replace(/\W/g, "")}.snapshot`);
    await writeProfileSnapshot(path, source.profiles);
    writeFileSync(path, damage(readFileSync(path, "utf8")));
    const { logger, lines } = capture();
    const target = engine();
    const report = await restoreProfileSnapshot(path, target.profiles, logger);
    expect(report.restored).toBe(0);
    expect(report.unreadable).toBeTruthy();
    expect(target.profiles.size).toBe(0);
    expect(lines.join()).toContain("INVALID_SNAPSHOT");
    expect(existsSync(`${path}.unreadable`)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it("skips profiles this configuration cannot use and restores the rest", async () => {
    const source = engine();
    for (const e of benignStream(50, { agentId: "a" })) source.process(e);
    for (const e of benignStream(50, { agentId: "b" })) source.process(e);
    const path = join(dir, "partial.snapshot");
    await writeProfileSnapshot(path, source.profiles);
    const text = readFileSync(path, "utf8").split("\n");
    text[1] = JSON.stringify({ agent: "a", profile: { v: 1 } });
    writeFileSync(path, text.join("\n"));
    const { logger, lines } = capture();
    const target = engine();
    expect(await restoreProfileSnapshot(path, target.profiles, logger)).toEqual({ restored: 1, skipped: 1 });
    expect(lines.join()).toContain("INVALID_SNAPSHOT");
  });

  it("a missing snapshot is a first start, not an error", async () => {
    const { logger } = capture();
    expect(await restoreProfileSnapshot(join(dir, "none.snapshot"), engine().profiles, logger)).toEqual({
      restored: 0,
      skipped: 0,
    });
  });
});

describe("decision journal", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-journal-"));
  const decision = (agentId: string, at: number): Decision =>
    ({
      agentId,
      type: "block",
      incidentKey: `${agentId}:${at}`,
      since: at,
      updatedAt: at,
      expiresAt: at + 3_600_000,
      level: 0,
    }) as unknown as Decision;

  it("gives back every decision and the allowlist after a crash, skipping a line cut short", async () => {
    const path = join(dir, "decisions.jsonl");
    const { logger } = capture();
    const store = await JournaledDecisionStore.open(path, {}, logger);
    for (const agent of ["a", "b", "c"])
      await store.update(agent, (state) => ({
        next: { ...state, strikes: 1, decision: decision(agent, T0) },
      }));
    await store.remove("b");
    await store.allowlistAdd("ci-bot");
    // No close: the process dies here, with half a line written.
    appendFileSync(path, '{"agent":"d","sta');

    const again = await JournaledDecisionStore.open(path, {}, logger);
    expect((await again.list()).map((d) => d.agentId).sort()).toEqual(["a", "c"]);
    expect(await again.get("a")).toEqual(decision("a", T0));
    expect(await again.allowlistEntries()).toEqual(["ci-bot"]);
    await again.close();
    // Compacted on open: one line per agent with a state, and the allowlist.
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(4);
  });
});
