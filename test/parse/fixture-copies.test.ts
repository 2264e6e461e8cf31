/**
 * The real gateway lines in test/fixtures/gateway-logs are copies of ../shared/fixtures/gateway-logs
 * (beside the repository, in CI too): byte for byte, with the attribution of SOURCES.md kept.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const LOCAL = fileURLToPath(new URL("../fixtures/gateway-logs/", import.meta.url));
const SHARED = fileURLToPath(new URL("../../../shared/fixtures/gateway-logs/", import.meta.url));

// Like requiredInCi (test/helpers/requirement.ts): a laptop without the shared directory skips,
// loudly; in CI a missing directory is a failure, never a silent skip.
const sharedPresent = existsSync(SHARED);
if (!sharedPresent) {
  const message = `the shared fixtures (${SHARED}) are missing: SKIPPING the fixture copy checks`;
  if (process.env.CI) throw new Error(`${message} is not allowed in CI`);
  console.warn(`\n*** ${message} ***\n`);
}

describe.skipIf(!sharedPresent)("fixture copies of ../shared/fixtures/gateway-logs", () => {
  const shared = sharedPresent ? readdirSync(SHARED).filter((f) => f !== "SOURCES.md") : [];
  const local = readdirSync(LOCAL);

  it("finds the shared fixtures to compare", () => {
    expect(shared.length).toBeGreaterThanOrEqual(5);
  });

  it.each(shared)("%s is copied byte for byte", (file) => {
    expect(local, `${file} is not copied into test/fixtures/gateway-logs`).toContain(file);
    const original = readFileSync(SHARED + file);
    const copy = readFileSync(LOCAL + file);
    expect(copy.length, file).toBe(original.length);
    expect(copy.equals(original), `${file} differs from its shared original`).toBe(true);
  });

  it("keeps the shared SOURCES.md as the start of its own, extended by the lines added here", () => {
    const original = readFileSync(`${SHARED}SOURCES.md`);
    const copy = readFileSync(`${LOCAL}SOURCES.md`);
    expect(copy.subarray(0, original.length).equals(original)).toBe(true);
  });

  it("attributes every local fixture file in SOURCES.md", () => {
    const sources = readFileSync(`${LOCAL}SOURCES.md`, "utf8");
    for (const file of local.filter((f) => f !== "SOURCES.md"))
      expect(sources, file).toContain(`| ${file} |`);
  });
});
