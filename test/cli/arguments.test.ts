/**
 * Mistakes on the command line: a bad flag or value is INVALID_ARGUMENT with exit status 2 (not a
 * configuration error, not a crash), and an output that cannot be written is OUTPUT_UNWRITABLE in
 * every command that writes files.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = ["--import", "tsx", "src/cli.ts"];

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), "aw-args-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missingDir = join(dir, "missing", "x");

describe("command-line mistakes", () => {
  it.each([
    [["replay", "x.log", "--formt", "nginx"], /unknown option '--formt' \(Did you mean --format\?\)/],
    [["replay", "x.log", "--format", "apache"], /argument 'apache' is invalid/],
    [
      ["keys", "create", "--scopes", "foo"],
      /--scopes: expected a comma list of read, admin, gateway, metrics/,
    ],
    [["simulate", "--preset", "nope"], /--preset: no preset nope/],
    [["simulate", "--agents", "-3"], /--agents.*expected a whole number/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])(
    "%j is INVALID_ARGUMENT, exit 2, on one line",
    async (args, message) => {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^agentwatch: INVALID_ARGUMENT: [^\n]+\n$/);
      expect(stderr).toMatch(message);
    },
    20_000,
  );

  it.each([
    [["simulate", "--agents", "2", "--hours", "0.01", "--out", missingDir]],
    [
      [
        "simulate",
        "--agents",
        "2",
        "--hours",
        "0.01",
        "--out",
        join(dir, "ok.jsonl"),
        "--labels",
        missingDir,
      ],
    ],
    [["eval", "--agents", "2", "--hours", "0.05", "--quiet", "--json-out", missingDir]],
  ])(
    "%j is OUTPUT_UNWRITABLE naming the path",
    async (args) => {
      const { code, stderr } = await runCli(args);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^agentwatch: OUTPUT_UNWRITABLE: [^\n]*missing\/x[^\n]*\n$/);
    },
    60_000,
  );

  it("--help prints the usage and exits 0", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: agentwatch");
  }, 20_000);
});
