/**
 * What a failing replay blames and what it leaves behind: only the input's own failure (open,
 * read) is INPUT_UNREADABLE, an engine bug stays itself; and an output that cannot be created
 * stops the replay before any other output was truncated.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { AgentwatchError } from "../../src/errors.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import { replay } from "../../src/replay/replay.js";
import { canonicalLine } from "../helpers/jsonl.js";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];

describe("replay failures", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-replay-errors-"));
  const config = configSchema.parse({});
  const input = join(dir, "one.jsonl");
  writeFileSync(input, `${canonicalLine()}\n`);

  const replayTo = (inputs: string[], engine = createEngine(config.engine)) =>
    replay(
      { inputs, alertsOut: join(dir, "alerts.jsonl"), maxLineBytes: config.input.maxLineLength },
      () => createLineDecoder(config.input),
      engine,
    );

  it("lets an error thrown by the engine through as it is, not as INPUT_UNREADABLE", async () => {
    const bug = new TypeError("engine bug");
    const engine = createEngine(config.engine);
    const failing = {
      profiles: engine.profiles,
      stats: () => engine.stats(),
      process: () => {
        throw bug;
      },
    };
    await expect(replayTo([input], failing)).rejects.toBe(bug);
  });

  it.runIf(process.platform === "linux")(
    "reports an input that fails while being read as INPUT_UNREADABLE naming it",
    async () => {
      // Exists and is readable, so it passes the check up front; reading it from 0 fails (EIO).
      const error = await replayTo(["/proc/self/mem"]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentwatchError);
      expect(error).toMatchObject({
        code: "INPUT_UNREADABLE",
        message: expect.stringContaining("/proc/self/mem"),
      });
    },
  );

  it("leaves an existing alerts file untouched when another output cannot be created", async () => {
    const alerts = join(dir, "existing-alerts.jsonl");
    const summary = join(dir, "existing-summary.json");
    writeFileSync(alerts, "yesterday's alerts\n");
    writeFileSync(summary, "yesterday's summary\n");
    const failure = (await run(process.execPath, [
      ...CLI,
      "replay",
      input,
      "--alerts-out",
      alerts,
      "--summary-out",
      summary,
      "--rejects-out",
      join(dir, "no-such-dir", "rejects.jsonl"),
    ]).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^agentwatch: OUTPUT_UNWRITABLE: .*no-such-dir.*ENOENT.*\n$/);
    expect(readFileSync(alerts, "utf8")).toBe("yesterday's alerts\n");
    expect(readFileSync(summary, "utf8")).toBe("yesterday's summary\n");
  }, 20_000);

  it("still replaces the previous content of every output when all can be written", async () => {
    const alerts = join(dir, "replaced-alerts.jsonl");
    const summary = join(dir, "replaced-summary.json");
    writeFileSync(alerts, `${"old line that is longer than anything written now ".repeat(50)}\n`);
    writeFileSync(summary, `${"x".repeat(10_000)}\n`);
    await run(process.execPath, [
      ...CLI,
      "replay",
      input,
      "--alerts-out",
      alerts,
      "--summary-out",
      summary,
      "--quiet",
    ]);
    expect(readFileSync(alerts, "utf8")).toBe("");
    expect(JSON.parse(readFileSync(summary, "utf8"))).toMatchObject({ linesRead: 1, eventsRead: 1 });
  }, 20_000);
});
