/**
 * `agentwatch run` when an input fails: a file read once (`--no-follow`) that is missing stops
 * the run before it starts, and one that fails while being read still stops the service (the
 * status API would otherwise keep the process alive). Either way: one line on stderr, no stack
 * trace unless AGENTWATCH_DEBUG asks for it.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeRunConfig } from "../helpers/run-config.js";

const CLI = ["--import", "tsx", "src/cli.ts"];

interface Outcome {
  code: number | null;
  /** Killed because it had not exited within the time allowed: it hung. */
  hung: boolean;
  stderr: string;
}

/** Runs the CLI, killing it if it has not exited within 10 s. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI, ...args],
      { timeout: 10_000, killSignal: "SIGKILL", env: { ...process.env, ...env } },
      (error, _stdout, stderr) => {
        const failure = error as (Error & { code?: number; killed?: boolean }) | null;
        resolve({ code: failure ? (failure.code ?? null) : 0, hung: failure?.killed === true, stderr });
      },
    );
  });
}

/** Reading /proc/self/mem from its start fails with EIO, although the file exists and is readable. */
const FAILS_WHEN_READ = "/proc/self/mem";
const onLinux = process.platform === "linux";

describe("agentwatch run with an input that fails", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-run-errors-"));

  it("stops at once when a file read with --no-follow is missing, with one line naming it", async () => {
    const missing = join(dir, "missing.log");
    const outcome = await runCli([
      "run",
      "--no-follow",
      "-c",
      writeRunConfig(dir, "missing", false),
      missing,
    ]);
    expect(outcome).toEqual({
      code: 1,
      hung: false,
      stderr: `agentwatch: INPUT_UNREADABLE: input file is missing or cannot be read: ${missing} (no such file)\n`,
    });
  }, 20_000);

  it.runIf(onLinux)(
    "stops the service and exits when an input fails while being read, status API included",
    async () => {
      const outcome = await runCli([
        "run",
        "--no-follow",
        "-c",
        writeRunConfig(dir, "eio", true),
        FAILS_WHEN_READ,
      ]);
      expect(outcome.hung).toBe(false);
      expect(outcome.code).toBe(1);
      // The lines before it announce the generated API key.
      const errors = outcome.stderr.split("\n").filter((line) => line.startsWith("agentwatch: "));
      expect(errors).toEqual([expect.stringMatching(/^agentwatch: CLI_INTERNAL: internal error: EIO/)]);
      expect(outcome.stderr).not.toMatch(/^\s+at /m);
    },
    20_000,
  );

  it("prints the stack of an unexpected error only when AGENTWATCH_DEBUG is set", async () => {
    // Settings that are not JSON: an error no code covers yet, with a JavaScript stack.
    const settings = join(dir, "not-json.json");
    writeFileSync(settings, "{not json");
    const args = ["simulate", "--settings", settings, "--out", join(dir, "sim.jsonl")];
    const quiet = await runCli(args);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/^agentwatch: CLI_INTERNAL: internal error: [^\n]*JSON[^\n]*\n$/);

    const debug = await runCli(args, { AGENTWATCH_DEBUG: "1" });
    expect(debug.code).toBe(1);
    // The same line first, then the stack.
    expect(debug.stderr.startsWith(quiet.stderr)).toBe(true);
    expect(debug.stderr).toMatch(/^SyntaxError: [^\n]*\n\s+at /m);
  }, 30_000);

  it("does not take AGENTWATCH_DEBUG for a config override (AGENTWATCH_* are)", async () => {
    const missing = join(dir, "debug-missing.log");
    const debug = await runCli(["replay", missing, "--alerts-out", join(dir, "debug-alerts.jsonl")], {
      AGENTWATCH_DEBUG: "1",
    });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^agentwatch: INPUT_UNREADABLE: [^\n]*debug-missing\.log[^\n]*\n/);
    expect(debug.stderr).not.toContain("INVALID_CONFIG");
  }, 20_000);

  it.each([
    ["a followed file", ["--from-beginning"], "followed"],
    ["stdin, which never ends", [], "-"],
  ])(
    "exits 1 at once with API_LISTEN_FAILED when the API port is taken, reading %s",
    async (_what, flags, input) => {
      const holder = createServer();
      holder.listen(0, "127.0.0.1");
      await once(holder, "listening");
      const { port } = holder.address() as { port: number };
      try {
        const followed = join(dir, "listen.log");
        writeFileSync(followed, "");
        const config = join(dir, `listen-${port}.yaml`);
        writeFileSync(
          config,
          [
            "api:",
            "  host: 127.0.0.1",
            `  port: ${port}`,
            "actions:",
            "  delivery:",
            `    dataDir: ${join(dir, "listen-data")}`,
          ].join("\n"),
        );
        const outcome = await runCli(["run", "-c", config, ...flags, input === "-" ? "-" : followed]);
        expect(outcome.hung).toBe(false);
        expect(outcome.code).toBe(1);
        const errors = outcome.stderr.split("\n").filter((line) => line.startsWith("agentwatch: "));
        expect(errors).toEqual([
          `agentwatch: API_LISTEN_FAILED: the status API could not listen on its address: 127.0.0.1:${port} (EADDRINUSE)`,
        ]);
        // "At once": a run that hangs is killed at 10 s and fails `hung` above.
      } finally {
        holder.close();
      }
    },
    20_000,
  );
});
