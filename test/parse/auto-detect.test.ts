/**
 * The format registry and auto detection: each fixture sniffs as its own format and decodes as with it set
 * explicitly.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FORMAT_NAMES } from "../../src/parse/decoder.js";
import { FORMATS } from "../../src/parse/formats/index.js";
import { decodeLines, EVERY_PROXY_TRUSTED, fixtureLines } from "./helpers.js";

const FIXTURES = readdirSync(new URL("../fixtures/gateway-logs/", import.meta.url)).filter(
  (f) => f !== "SOURCES.md",
);

/** What each fixture file holds; mixed files list a format per line. */
const EXPECTED: Record<string, string | (string | null)[]> = {
  "nginx-combined.crowdsec.log": [
    "nginx",
    "nginx",
    "nginx",
    "nginx",
    "nginx",
    "nginx",
    "nginx",
    "nginx",
    null,
  ],
  "nginx-combined.filebeat.log": "nginx",
  "envoy-json.cri.log": [
    "envoy-json",
    "envoy-json",
    "envoy-json",
    "envoy",
    "envoy",
    "envoy-json",
    "envoy-json",
    "envoy-json",
    "envoy",
    "envoy",
  ],
  "traefik.json.log": ["traefik", "traefik", "traefik", "traefik", "traefik", null, "traefik"],
  "kong-file-log.jsonl": "kong",
  "envoy-text.docs.log": "envoy",
  "istio-text.constructed.log": "envoy",
  "envoy-json-headers.constructed.log": "envoy-json",
  "nginx-json.constructed.jsonl": "nginx-json",
  "kong.constructed.jsonl": "kong",
  "traefik-headers.constructed.log": "traefik",
  "aws-apigw-rest.constructed.jsonl": "aws-apigw",
  "aws-apigw-http.constructed.jsonl": "aws-apigw",
  "canonical.constructed.jsonl": "json",
};

/** The payload a sniffer sees: CRI lines unwrapped. */
function payload(line: string): string {
  const match = /^\d{4}-\d\d-\d\dT\S+ std(?:out|err) [FP] (.*)$/.exec(line);
  return match ? (match[1] as string) : line;
}

describe("format registry", () => {
  it("has exactly one parser per format name", () => {
    expect(FORMATS.map((f) => f.name).sort()).toEqual(FORMAT_NAMES.filter((n) => n !== "auto").sort());
  });

  it("covers every fixture file", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...FIXTURES].sort());
  });
});

describe("auto detection", () => {
  for (const file of FIXTURES) {
    const lines = fixtureLines(file);
    const expected = EXPECTED[file] as string | (string | null)[];
    const formatOf = (i: number) => (Array.isArray(expected) ? expected[i] : expected);

    it(`sniffs each line of ${file} as exactly its own format`, () => {
      lines.forEach((line, i) => {
        if (line.includes(" stdout P ") || lines[i - 1]?.includes(" stdout P ")) return; // sniffed once joined
        const matches = FORMATS.filter((f) => f.sniff(payload(line))).map((f) => f.name);
        const format = formatOf(i);
        expect(matches, `${file}:${i + 1}`).toEqual(format ? [format] : []);
      });
    });

    it(`decodes ${file} in auto mode as with its explicit format`, () => {
      const auto = decodeLines(lines, { format: "auto" });
      lines.forEach((line, i) => {
        const format = formatOf(i);
        if (!format) {
          expect(auto[i]?.rejection?.code, `${file}:${i + 1}`).toBe("UNKNOWN_FORMAT");
          return;
        }
        const [explicit] = decodeLines([line], { format: format as never });
        if (line.includes(" stdout P ") || lines[i - 1]?.includes(" stdout P ")) return; // joined below
        expect(auto[i], `${file}:${i + 1}`).toEqual(explicit);
      });
    });
  }

  it("switches formats line by line in a mixed stream", () => {
    const mixed = [
      fixtureLines("nginx-combined.filebeat.log")[0] as string,
      fixtureLines("kong-file-log.jsonl")[0] as string,
      fixtureLines("traefik.json.log")[0] as string,
      fixtureLines("nginx-combined.filebeat.log")[3] as string,
    ];
    const results = decodeLines(mixed, EVERY_PROXY_TRUSTED);
    expect(results.map((r) => r.events[0]?.clientIp)).toEqual([
      "10.0.0.2",
      "192.168.144.1",
      "172.17.0.1",
      "85.181.35.98",
    ]);
  });
});
