/**
 * The process-wide crash handler (src/crash.ts) in a real Node process: an unhandled rejection
 * and an uncaught exception each give one coded line on stderr, run the registered stop before
 * exiting, and exit 1; a stop that hangs does not keep the process alive past its deadline.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const CRASH_MODULE = resolve("src/crash.ts");

function runScript(body: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), "aw-crash-"));
  const script = join(dir, "script.ts");
  writeFileSync(
    script,
    `import { installCrashHandlers } from ${JSON.stringify(CRASH_MODULE)};\n${body.replaceAll("$DIR", dir)}`,
  );
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script],
      { timeout: 10_000, killSignal: "SIGKILL" },
      (error, _stdout, stderr) => {
        const failure = error as (Error & { code?: number }) | null;
        done({ code: failure ? (failure.code ?? null) : 0, stderr, ms: Date.now() - started });
      },
    );
  });
}

describe("crash handler", () => {
  it("reports an unhandled rejection with one coded line, stops the service, exits 1", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "aw-crash-marker-")), "stopped");
    const outcome = await runScript(`
      import { writeFileSync } from "node:fs";
      const crash = installCrashHandlers({ write: (t) => process.stderr.write(t), debug: false });
      crash.onCrash(async () => { writeFileSync(${JSON.stringify(marker)}, "yes"); });
      setInterval(() => undefined, 1000); // a running service keeps the loop alive
      void Promise.reject(new Error("commit failed: rebalance in progress"));
    `);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe("agentwatch: UNHANDLED_REJECTION: commit failed: rebalance in progress\n");
    expect(readFileSync(marker, "utf8")).toBe("yes");
  }, 20_000);

  it("reports an uncaught exception, and exits by the deadline when stopping hangs", async () => {
    const outcome = await runScript(`
      const crash = installCrashHandlers({ write: (t) => process.stderr.write(t), debug: false, stopTimeoutMs: 300 });
      crash.onCrash(() => new Promise(() => undefined));
      setInterval(() => undefined, 1000);
      setTimeout(() => { throw new TypeError("x is not a function"); }, 10);
    `);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe("agentwatch: UNCAUGHT_EXCEPTION: x is not a function\n");
    expect(outcome.ms).toBeLessThan(8_000);
  }, 20_000);
});
