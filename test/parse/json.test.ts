/** agentwatch's canonical JSON lines: camelCase and snake_case fields, defaults and strict types. */
import { describe, expect, it } from "vitest";
import { decodeLines, fixtureLines, rejectionOf } from "./helpers.js";

describe("canonical JSON lines", () => {
  const lines = decodeLines(fixtureLines("canonical.constructed.jsonl"), { format: "json" });

  it("reads camelCase fields exactly, ISO timestamp to epoch ms", () => {
    expect(lines[0]?.events[0]).toEqual({
      timestamp: Date.UTC(2026, 10, 20, 10, 15),
      agentId: "support-agent",
      method: "GET",
      path: "/tickets/5531?expand=comments",
      status: 200,
      requestBytes: 0,
      responseBytes: 2200,
      latencyMs: 14.2,
      clientIp: "10.1.2.3",
      tokenId: "tok-42",
      userId: "u-7",
      userAgent: "agent-sdk/1.4",
      requestId: "r-1",
      route: undefined,
      scopes: ["tickets:read"],
      identitySource: "agent",
      authenticated: true,
      template: "/tickets/{id}",
      queryKeys: ["expand"],
      objectId: "5531",
      objectNumber: 5531,
    });
  });

  it("reads snake_case aliases, epoch ms and a route", () => {
    expect(lines[1]?.events[0]).toMatchObject({
      timestamp: 1795169701000,
      agentId: "support-agent",
      requestBytes: 640,
      responseBytes: 120,
      latencyMs: 30,
      clientIp: "10.1.2.3",
      tokenId: "tok-42",
      userId: "u-7",
      userAgent: "agent-sdk/1.4",
      requestId: "r-2",
      route: "/tickets",
    });
  });

  it("defaults optional fields and falls back to the IP identity", () => {
    expect(lines[2]?.events[0]).toMatchObject({
      timestamp: Date.UTC(2026, 10, 20, 10, 15, 2),
      agentId: "10.1.2.4",
      identitySource: "ip",
      authenticated: false,
      requestBytes: 0,
      tokenId: "",
    });
  });

  it("is strict about types: a gateway may log strings, the canonical format may not", () => {
    const base = { timestamp: 1795169701000, agentId: "a", method: "GET", path: "/", status: 200 };
    const bad = (patch: object) => rejectionOf(JSON.stringify({ ...base, ...patch }), { format: "json" });
    expect(bad({ status: "200" }).code).toBe("INVALID_FIELD");
    expect(bad({ requestBytes: -1 }).message).toContain("requestBytes");
    expect(bad({ latencyMs: "fast" }).code).toBe("INVALID_FIELD");
    expect(bad({ scopes: "read" }).code).toBe("INVALID_FIELD");
    expect(bad({ timestamp: "2026-11-20 10:00" }).code).toBe("INVALID_FIELD");
    expect(bad({ status: 1000 }).message).toContain("status");
    expect(bad({ method: "" }).code).toBe("INVALID_FIELD");
    expect(rejectionOf('{"agentId":"a","method":"GET","path":"/"}', { format: "json" }).code).toBe(
      "MISSING_FIELD",
    );
    expect(rejectionOf("[1,2,3]", { format: "json" }).code).toBe("MALFORMED_LINE");
  });
});
