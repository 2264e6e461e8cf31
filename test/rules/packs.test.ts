/**
 * The shipped rule packs, tested the way users test their own rules: `rules test` over each pack's
 * fixture log with its expected hits (rules/tests/). Besides: every shipped rule cites a source,
 * every one hits at least once in its fixture, and the fixtures' benign look-alikes stay quiet.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configSchema } from "../../src/config/schema.js";
import { loadRules, ruleFilesOf, shippedRulesDir } from "../../src/rules/load.js";
import { runRulesTest } from "../../src/rules/test-run.js";

const run = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli.ts"];
const config = configSchema.parse({ input: { format: "nginx" } });
const packs = ruleFilesOf(shippedRulesDir()).map((file) => file.replace(/^.*\/|\.yaml$/g, ""));

describe("shipped rule packs", () => {
  it("are the six the README lists", () => {
    expect(packs.sort()).toEqual([
      "attack-tools",
      "credential-stuffing",
      "fingerprinting",
      "known-exploits",
      "protocol-abuse",
      "sensitive-files",
    ]);
  });

  it("cite a source for every rule", () => {
    for (const rule of loadRules([shippedRulesDir()])) {
      const sources = [rule.source ?? []].flat();
      expect(sources.length, rule.id).toBeGreaterThan(0);
      for (const s of sources) expect(s, rule.id).toMatch(/^https:\/\//);
    }
  });

  it.each(packs)("%s: hits in its fixture exactly as expected, every rule at least once", async (pack) => {
    const dir = join(shippedRulesDir(), "tests");
    const result = await runRulesTest(
      join(shippedRulesDir(), `${pack}.yaml`),
      join(dir, `${pack}.log`),
      config,
      join(dir, `${pack}.expected.yaml`),
    );
    expect(result.rejected).toBe(0);
    expect(result.differences).toEqual([]);
    const ids = loadRules([join(shippedRulesDir(), `${pack}.yaml`)]).map((r) => r.id);
    for (const id of ids) expect(Object.keys(result.hits), `${id} never hits`).toContain(id);
    // 198.51.100.x are the fixtures' benign look-alikes (API routes that share words with probes).
    const benign = Object.values(result.hits).flatMap((byAgent) =>
      Object.keys(byAgent).filter((a) => a.startsWith("198.51.100.")),
    );
    expect(benign).toEqual([]);
  });
});

describe("agentwatch rules test", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-rules-test-"));
  const pack = join(shippedRulesDir(), "credential-stuffing.yaml");
  const log = join(shippedRulesDir(), "tests", "credential-stuffing.log");

  it("prints hits per rule and agent; exits 1 and names each difference when they do not", async () => {
    const wrong = join(dir, "wrong.yaml");
    writeFileSync(wrong, "hits:\n  failed-logins:\n    203.0.113.80: 4\n    198.51.100.6: 1\n");
    const failure = await run("node", [
      ...CLI,
      "rules",
      "test",
      pack,
      log,
      "-f",
      "nginx",
      "--expect",
      wrong,
    ]).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain("failed-logins  203.0.113.80  5");
    expect(failure?.stdout).toContain("DIFF failed-logins 198.51.100.6: expected 1 hit, got 0");
    expect(failure?.stdout).toContain("DIFF failed-logins 203.0.113.80: expected 4 hits, got 5");
    expect(failure?.stdout).toContain("DIFF login-burst 203.0.113.81: expected 0 hits, got 6");
  });

  it("--update writes the expectations of the run", async () => {
    const out = join(dir, "written.yaml");
    await run("node", [...CLI, "rules", "test", pack, log, "-f", "nginx", "--expect", out, "--update"]);
    expect(parseYaml(readFileSync(out, "utf8"))).toEqual({
      hits: { "failed-logins": { "203.0.113.80": 5 }, "login-burst": { "203.0.113.81": 6 } },
    });
  });

  it("refuses a broken rule file with file, line and field, exit 2", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "pack: mine\ndescription: x\nrules:\n  - id: a\n    description: x\n    match:\n      path:\n        regex: ['(']\n    score: 0.5\n    reason: r\n",
    );
    const failure = await run("node", [...CLI, "rules", "test", bad, log]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(`${bad}:8: rules[0].match.path.regex[0]: invalid regular expression`);
  });
});
