/**
 * Declarative rules: what the loader refuses (naming file, line and field), how conditions combine,
 * window counts and leaky buckets per agent in event time, placeholders, and unreadable request
 * lines reaching the rules as events.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../detectors/rules.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, decoderOptionsSchema } from "../../src/parse/decoder.js";
import { restoreProfile, serializeProfile } from "../../src/profile/snapshot.js";
import { loadRules } from "../../src/rules/load.js";
import { runDetector } from "../detectors/harness.js";
import { ev, SECOND, T0 } from "../helpers/events.js";

const dir = mkdtempSync(join(tmpdir(), "aw-rules-"));
let files = 0;
function ruleFile(body: string): string {
  const file = join(dir, `r${files++}.yaml`);
  writeFileSync(file, `pack: t\ndescription: test\nrules:\n${body}`);
  return file;
}
const run = (file: string, events: NormalizedEvent[]) =>
  runDetector(rules, events, { shippedPacks: false, paths: [file] });
const problems = (file: string) => {
  try {
    loadRules([file]);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
};

describe("rule files", () => {
  it("name file, line and field for each problem, all at once", () => {
    const file = ruleFile(
      [
        "  - id: a",
        "    description: x",
        "    match: { path: { regex: ['(x'] } }",
        "    score: 0.5",
        "    reason: '{nope}'",
        "  - id: b",
        "    description: x",
        "    match: { method: [GET] }",
        "    scroe: 0.5",
        "    score: 0.5",
        "    reason: r",
        "    count: { window: 1m, threshold: 2 }",
        "    bucket: { capacity: 1, leakRate: 1/1s }",
      ].join("\n"),
    );
    const message = problems(file);
    expect(message).toContain(`${file}:6: rules[0].match.path.regex[0]: invalid regular expression`);
    expect(message).toContain(`${file}:8: rules[0].reason: unknown placeholder {nope}`);
    expect(message).toContain(`${file}:12: rules[1].scroe: Unrecognized key`);
    expect(message).toContain("rules[1].bucket: give count or bucket, not both");
  });

  it("refuse duplicate ids across files and unknown disabled ids", () => {
    const rule = "  - { id: same, description: x, match: { method: [GET] }, score: 0.5, reason: r }\n";
    const a = ruleFile(rule);
    const b = ruleFile(rule);
    expect(problems(b)).toBe("");
    expect(() => loadRules([a, b])).toThrow(/r\d+\.yaml:4: rule id same is already used at .*:4/);
    expect(() => loadRules([a], ["other"])).toThrow(/disabled rule other is not defined/);
    expect(loadRules([a], ["same"])).toEqual([]);
  });

  it("stop config validation through the detector options", () => {
    const bad = ruleFile("  - { id: x, description: x, match: {}, score: 0.5, reason: r }\n");
    const parsed = rules.options.safeParse({ shippedPacks: false, paths: [bad] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain("a rule must match on something");
  });
});

describe("matching", () => {
  const file = ruleFile(
    [
      "  - id: admin-delete",
      "    description: x",
      "    match:",
      "      method: [DELETE]",
      "      path: ['/admin/**', '/v{1,2}/ops/*']",
      "      status: [2xx, 404]",
      "      identity: [agent]",
      "      requestBytes: { max: 100 }",
      "    score: 0.7",
      "    reason: '{method} {path} by {agent} ({identity}) answered {status}'",
      "  - id: ua-and-query",
      "    description: x",
      "    match: { userAgent: [evil-bot], query: { regex: ['debug=1'] } }",
      "    score: 0.4",
      "    reason: 'ua {userAgent} query {query}'",
    ].join("\n"),
  );

  it("needs every condition, any value of each; globs keep * within a segment", () => {
    const hits = run(file, [
      ev({ method: "DELETE", path: "/admin/users/7", status: 204 }),
      ev({ method: "DELETE", path: "/v2/ops/x", status: 404 }),
      ev({ method: "DELETE", path: "/v2/ops/x/y", status: 204 }), // * does not cross segments
      ev({ method: "GET", path: "/admin/users/7", status: 200 }),
      ev({ method: "DELETE", path: "/admin/users/7", status: 500 }),
      ev({ method: "DELETE", path: "/admin/users/7", status: 204, identitySource: "ip" }),
      ev({ method: "DELETE", path: "/admin/users/7", status: 204, requestBytes: 101 }),
      ev({ path: "/x?debug=1", userAgent: "Evil-Bot/1.0" }),
      ev({ path: "/x?debug=0", userAgent: "evil-bot/1.0" }),
      ev({ path: "/x?debug=1", userAgent: "good-bot" }),
    ]).findings;
    expect(hits.map((f) => [f.at, f.rule])).toEqual([
      [0, "admin-delete"],
      [1, "admin-delete"],
      [7, "ua-and-query"],
    ]);
    expect(hits[0]?.detail).toBe(
      'rule admin-delete: DELETE "/admin/users/7" by "agent-1" (agent) answered 204',
    );
    expect(hits[2]?.detail).toBe('rule ua-and-query: ua "Evil-Bot/1.0" query "debug=1"');
  });
});

describe("the combined path prefilter", () => {
  it("keeps each pattern's own anchoring: suffix globs, `^` regexes with and without top-level `|`", () => {
    const file = ruleFile(
      [
        "  - { id: suffix, description: x, match: { path: ['**/x.php'] }, score: 0.5, reason: r }",
        "  - { id: anchored, description: x, match: { path: { regex: ['^/start'] } }, score: 0.5, reason: r }",
        "  - { id: either, description: x, match: { path: { regex: ['^/first|second'] } }, score: 0.5, reason: r }",
        "  - { id: inside, description: x, match: { path: { contains: ['/mid/'] } }, score: 0.5, reason: r }",
      ].join("\n"),
    );
    const paths = [
      "/x.php",
      "/a/b/x.php",
      "/ax.php",
      "/start/1",
      "/not/start",
      "/deep/second",
      "/a/mid/b",
      "/mid",
    ];
    const found = run(
      file,
      paths.map((path) => ev({ path })),
    );
    expect(found.findings.map((f) => [paths[f.at], f.rule])).toEqual([
      ["/x.php", "suffix"],
      ["/a/b/x.php", "suffix"],
      ["/start/1", "anchored"],
      ["/deep/second", "either"],
      ["/a/mid/b", "inside"],
    ]);
  });
});

describe("counting per agent, in event time", () => {
  it("a window count fires from its threshold until the window closes, then starts over", () => {
    const file = ruleFile(
      "  - { id: w, description: x, match: { status: [401] }, count: { window: 1m, threshold: 3 }, score: 0.5, reason: '{count}' }\n",
    );
    const at = (s: number, agentId = "agent-1") => ev({ timestamp: T0 + s * SECOND, status: 401, agentId });
    const found = run(file, [
      at(0),
      at(10),
      at(11, "agent-2"),
      at(20),
      at(50),
      at(61),
      at(62),
      at(70),
    ]).findings;
    // agent-1: 3rd and 4th within the first minute; the window reopens at 61 s and holds 3 by 70 s.
    expect(found.map((f) => [f.at, f.detail])).toEqual([
      [3, "rule w: 3"],
      [4, "rule w: 4"],
      [7, "rule w: 3"],
    ]);
  });

  it("a leaky bucket overflows past its capacity and drains at its leak rate", () => {
    const file = ruleFile(
      "  - { id: b, description: x, match: { status: [401] }, bucket: { capacity: 2, leakRate: 1/10s }, score: 0.5, reason: '{count}' }\n",
    );
    const at = (s: number) => ev({ timestamp: T0 + s * SECOND, status: 401 });
    // Levels: 1, 2, 3 (fires), drained to 0 by 60 s, then one every 5 s nets +0.5 each:
    // 1, 1.5, 2, 2.5 (fires), 3 (fires).
    const r = run(file, [at(0), at(1), at(2), at(60), at(65), at(70), at(75), at(80)]);
    expect(r.findings.map((f) => f.at)).toEqual([2, 6, 7]);
    // The counter travels with the profile's snapshot.
    const profile = r.profile();
    expect(profile.ruleCounters?.length).toBe(3);
    const restored = restoreProfile("agent-1", serializeProfile(profile, ["rules"]), profile.params, [
      "rules",
    ]);
    expect([...(restored.ruleCounters ?? [])]).toEqual([...(profile.ruleCounters ?? [])]);
  });
});

describe("unreadable request lines", () => {
  it("are events with method and path '-' and the line kept, so rules see them", () => {
    const decode = createLineDecoder(decoderOptionsSchema.parse({ format: "nginx" }));
    const out: NormalizedEvent[] = [];
    const line = '203.0.113.9 - - [07/Dec/2026:10:00:00 +0000] "\\x16\\x03\\x01\\x00\\xF4" 400 157 "-" "-"';
    expect(decode(line, out, 1)).toBeUndefined();
    expect(out[0]).toMatchObject({
      method: "-",
      path: "-",
      status: 400,
      malformedRequest: "\\x16\\x03\\x01\\x00\\xF4",
    });
    const tls = ruleFile(
      "  - { id: tls, description: x, match: { requestLine: { regex: ['^\\\\x16\\\\x03'] } }, score: 0.4, reason: '{requestLine}' }\n",
    );
    expect(run(tls, out).findings.map((f) => f.rule)).toEqual(["tls"]);
    out.length = 0;
    decode('203.0.113.9 - - [07/Dec/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', out, 2);
    expect(out[0]?.malformedRequest).toBeUndefined();
  });
});
