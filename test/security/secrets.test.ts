/**
 * Secrets kept: configured secret values are scrubbed from dead letters and test results, written
 * with owner-only modes; rejected lines lose their credentials; a YAML error never quotes the
 * source line that may hold a secret.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDeadLetterLog } from "../../src/actions/dead-letter.js";
import { Secret, scrubSecrets } from "../../src/actions/secret.js";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { redactCredentials } from "../../src/parse/redact-credentials.js";

describe("secrets are never stored or echoed", () => {
  it("scrubs configured secrets, and the token parts of secret URLs, from dead letters (0600 in 0700)", async () => {
    new Secret("R0UT1NGKEYpagerduty32chars000000");
    new Secret("https://hooks.example.test/services/T000/B000/xoxTOKENxoxTOKEN123?sig=querysecret99");
    const dir = join(mkdtempSync(join(tmpdir(), "aw-sec-")), "data");
    const log = new FileDeadLetterLog(join(dir, "dead-letter.jsonl"));
    await log.write({
      at: "2026-12-07T00:00:00Z",
      sink: "pd",
      sinkType: "pagerduty",
      recordId: "r1",
      agentId: "billing-bot",
      code: "DELIVERY_REJECTED",
      // A receiver that echoes its request.
      reason:
        'HTTP 400: {"routing_key":"R0UT1NGKEYpagerduty32chars000000","url":"/services/T000/B000/xoxTOKENxoxTOKEN123?sig=querysecret99"}',
      attempts: 1,
    });
    const text = readFileSync(join(dir, "dead-letter.jsonl"), "utf8");
    for (const secret of ["R0UT1NGKEY", "xoxTOKEN", "querysecret99"]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
    expect(statSync(join(dir, "dead-letter.jsonl")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(scrubSecrets("plain text")).toBe("plain text");
  });

  it("redacts credential-looking fields of rejected lines", () => {
    const line = `{"http_authorization":"Bearer eyJ.abc.def","http_cookie":"sid=s3ss10n","request":"GET /a?access_token=AT123&x=1&api_key=AK456 HTTP/1.1","http_x_api_key":"k3y"}`;
    const kept = redactCredentials(line);
    for (const secret of ["eyJ.abc.def", "s3ss10n", "AT123", "AK456", "k3y"])
      expect(kept).not.toContain(secret);
    expect(kept).toContain("x=1");
    expect(redactCredentials('1.2.3.4 - - "GET /a?token=zz HTTP/1.1" "Bearer t0k.t0k"')).toBe(
      '1.2.3.4 - - "GET /a?token=[redacted] HTTP/1.1" "Bearer [redacted]"',
    );
  });

  it("prints no source line of a broken YAML config", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aw-sec-")), "bad.yaml");
    writeFileSync(
      file,
      "actions:\n  sinks:\n    - type: webhook\n      secret: whsec_topsecret123\n     url: [bad\n",
    );
    expect(() => loadConfig(configSchema, file)).toThrow(/not valid YAML: .*line 5/);
    try {
      loadConfig(configSchema, file);
    } catch (error) {
      expect((error as Error).message).not.toContain("whsec_");
      expect((error as Error).message).not.toContain("[bad");
    }
  });
});
