/**
 * Text humans read is safe at the source: ids with invisible characters are no identity,
 * request ids and client addresses are checked at parse time, and alert details show control,
 * bidi and zero-width characters escaped.
 */
import { describe, expect, it } from "vitest";
import { hasInvisible, visibleText } from "../../src/events/visible-text.js";
import { buildAlert } from "../../src/risk/alert.js";
import { ev } from "../helpers/events.js";
import { decodeOne } from "../parse/helpers.js";

const line = (patch: Record<string, unknown>) =>
  JSON.stringify({
    timestamp: "2026-11-20T10:00:00Z",
    agentId: "billing-bot",
    method: "GET",
    path: "/a",
    status: 200,
    clientIp: "203.0.113.9",
    requestId: "req-1",
    ...patch,
  });

describe("visible text", () => {
  it("shows controls, newlines, bidi and zero-width characters escaped, and leaves the rest alone", () => {
    expect(visibleText("a\u202Eb\nc\u200Bd\u0007e\u2066f")).toBe("a\\u202eb\\nc\\u200bd\\u0007e\\u2066f");
    expect(visibleText("héllo wörld ✓ 日本")).toBe("héllo wörld ✓ 日本");
    expect(hasInvisible("plain")).toBe(false);
  });

  it("refuses ids with invisible characters as identities (the next candidate names the agent)", () => {
    const event = decodeOne(line({ agentId: "billing\u202Ebot" }), { format: "json", identity: {} });
    expect(event).toMatchObject({ agentId: "203.0.113.9", identitySource: "ip" });
  });

  it("drops a request id or client address that is not one, keeping the request", () => {
    const event = decodeOne(
      line({ requestId: "r1\n:white_check_mark: *RESOLVED* @here", clientIp: "1.2.3.4\n*fake*" }),
      { format: "json", identity: {} },
    );
    expect(event).toMatchObject({ agentId: "billing-bot", requestId: "", clientIp: "" });
    expect(decodeOne(line({ requestId: "0b1c-XY_z:9/+=" }), { format: "json" }).requestId).toBe(
      "0b1c-XY_z:9/+=",
    );
  });

  it("makes alert details and templates visible text for every sink and the API", () => {
    const alert = buildAlert(
      ev({ path: "/files/\u202Eevil\ngood" }),
      0.9,
      {
        severity: "high",
        reasons: [{ detector: "probing", score: 0.9, detail: "path /x\u202E\n*RESOLVED*" }],
      } as never,
      "block",
    );
    expect(alert.reasons[0]?.detail).toBe("path /x\\u202e\\n*RESOLVED*");
    expect(alert.request.template).not.toMatch(/[\u202E\n]/);
  });
});
