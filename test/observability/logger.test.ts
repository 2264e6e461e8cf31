// Logs never carry credentials: the logger factory redacts them wherever they sit, and the status
// API's request logs (at trace level, for good and bad keys, on success and on failure) name the
// key's holder, never the key.
import { describe, expect, it } from "vitest";
import { ACTIONS_REDACT_PATHS } from "../../src/actions/index.js";
import { generateApiKey } from "../../src/keys/keys.js";
import { createLogger, REDACTED } from "../../src/observability/logger.js";
import { bearer, buildTestServer } from "../api/helpers.js";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: "trace", destination: { write: (l: string) => lines.push(l) } });
  return { lines, logger };
}

describe("createLogger", () => {
  it("redacts credentials at the top level, nested, and in request headers", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        token: "tok-1",
        req: { headers: { authorization: "Bearer sk-2", "x-api-key": "aw_3", cookie: "session=4" } },
        sink: { type: "slack", webhookUrl: "https://hooks.slack.example/T0/B0/xyz5" },
        pagerduty: { routingKey: "R0UTING6", nested: { clientSecret: "cs-7" } },
        revoke: { password: "pw-8", refreshToken: "rt-9" },
      },
      "config loaded",
    );
    const text = lines.join("");
    for (const secret of ["tok-1", "sk-2", "aw_3", "session=4", "xyz5", "R0UTING6", "cs-7", "pw-8", "rt-9"]) {
      expect(text).not.toContain(secret);
    }
    const entry = JSON.parse(lines[0] as string);
    expect(entry.req.headers.authorization).toBe(REDACTED);
    expect(entry.sink.type).toBe("slack");
    expect(entry.pagerduty.nested.clientSecret).toBe(REDACTED);
  });
});

describe("coverage of the action layer's secrets", () => {
  it("redacts every path the actions layer lists in ACTIONS_REDACT_PATHS", () => {
    for (const path of ACTIONS_REDACT_PATHS) {
      const { lines, logger } = capture();
      const record: Record<string, unknown> = {};
      const parts = path.split(".").map((part) => (part === "*" ? "sink" : part));
      let node = record;
      for (const part of parts.slice(0, -1)) {
        const child: Record<string, unknown> = {};
        node[part] = child;
        node = child;
      }
      node[parts[parts.length - 1] as string] = "s3cr3t-value";
      logger.info(record, "probe");
      expect(lines.join(""), path).not.toContain("s3cr3t-value");
    }
  });
});

describe("status API request logs", () => {
  it("never contain a presented key, valid or not, whatever the outcome", async () => {
    const wrong = generateApiKey();
    const s = buildTestServer({
      deps: {
        testSinks: async () => {
          throw new Error("sink exploded");
        },
      },
    });
    await s.app.inject({ url: "/v1/agents", headers: bearer(s.keys.read.key) });
    await s.app.inject({ url: "/v1/agents", headers: { "x-api-key": s.keys.read.key } });
    await s.app.inject({ url: "/v1/agents", headers: bearer(wrong) });
    await s.app.inject({ url: "/v1/test", method: "POST", headers: { "x-api-key": s.keys.admin.key } });
    await s.app.inject({ url: "/v1/agents", headers: bearer(s.keys.gateway.key) });
    await s.app.close();

    const text = s.logs.join("");
    expect(s.logs.length).toBeGreaterThan(8);
    for (const key of [s.keys.read.key, s.keys.admin.key, s.keys.gateway.key, wrong]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3, 20));
    }
    const entries = s.logs.map((l) => JSON.parse(l));
    expect(entries.some((e) => e.keyName === "reader" && e.msg === "request completed")).toBe(true);
    expect(entries.some((e) => e.keyName === "operator" && e.level === 50)).toBe(true);
    // Request paths stay readable although every `url` field is redacted.
    expect(entries.some((e) => e.req?.path === "/v1/agents")).toBe(true);
  });
});
