// docs/configuration.md is generated from the config schema and its TSDoc: it must match what the
// generator prints now, so a changed field, default or comment cannot ship with stale docs.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { REFERENCE_PATH, renderConfigReference } from "../../scripts/config-reference.js";

describe("configuration reference", () => {
  let reference: string;
  // Building a TypeScript program over the schema's modules takes a few seconds.
  beforeAll(() => {
    reference = renderConfigReference();
  }, 60_000);

  it("is up to date", () => {
    expect(
      readFileSync(REFERENCE_PATH, "utf8"),
      "docs/configuration.md is stale: run `npm run docs:config`",
    ).toBe(reference);
  });

  it("documents fields with their type, default and TSDoc", () => {
    expect(reference).toContain(
      "| `engine.risk.halfLifeMinutes` | duration (a number is in minutes) | `30m` | Half-life of accumulated evidence in event time",
    );
    expect(reference).toContain("| `input.maxLineLength` | integer, > 0 | `1048576` | Longest accepted line");
    expect(reference).toContain("| `kafka.brokers` | list of string | required | Bootstrap brokers");
  });

  it("lists every detector's options and every sink's fields", () => {
    expect(reference).toContain("| `engine.detectors.<name>.enabled` | boolean | `true` |");
    expect(reference).toContain(
      "| `engine.detectors.new-endpoint.deleteScore` | number, ≥ 0, ≤ 1 | `0.55` |",
    );
    expect(reference).toContain("#### `type: slack`");
    expect(reference).toContain("| `actions.sinks[].url` | secret URL | required | Incoming webhook URL");
  });
});
