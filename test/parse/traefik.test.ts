/** Traefik JSON access logs: nanosecond durations, StartUTC, client hops and kept request headers. */
import { describe, expect, it } from "vitest";
import { decodeLines, EVERY_PROXY_TRUSTED, fixtureLines } from "./helpers.js";

describe("traefik JSON", () => {
  const real = decodeLines(fixtureLines("traefik.json.log"), { format: "traefik", ...EVERY_PROXY_TRUSTED });
  const constructed = decodeLines(fixtureLines("traefik-headers.constructed.log"), { format: "traefik" });

  it("reads a real record exactly, durations from nanoseconds", () => {
    expect(real[0]?.events[0]).toEqual({
      timestamp: Date.parse("2021-12-08T14:02:43.587Z"),
      agentId: "172.17.0.1",
      method: "GET",
      path: "/594VAEoi.save",
      status: 200,
      requestBytes: 0,
      responseBytes: 357,
      latencyMs: 0.357313,
      clientIp: "172.17.0.1",
      tokenId: "",
      userId: "",
      userAgent: "Nikto",
      requestId: "",
      route: undefined,
      scopes: undefined,
      identitySource: "ip",
      authenticated: false,
      template: "/594vaeoi.save",
      queryKeys: [],
      objectId: undefined,
      objectNumber: undefined,
    });
  });

  it("uses StartUTC, not the local time", () => {
    expect(real[4]?.events[0]?.timestamp).toBe(Date.parse("2026-01-14T09:45:33.759Z"));
    expect(real[4]?.events[0]).toMatchObject({ status: 404, responseBytes: 19, latencyMs: 0.010158 });
  });

  it("takes the first hop when ClientHost is a list", () => {
    expect(real[6]?.events[0]).toMatchObject({ clientIp: "192.168.1.100", method: "OPTIONS", status: 204 });
  });

  it("rejects the plugin's debug line", () => {
    expect(real[5]?.rejection?.code).toBe("MALFORMED_JSON");
    expect(real.filter((r) => r.events.length === 1)).toHaveLength(6);
  });

  it("reads kept request headers: x-agent-id, request id, bearer JWT; ignores REDACTED", () => {
    expect(constructed[0]?.events[0]).toMatchObject({
      agentId: "docs-agent",
      identitySource: "header",
      authenticated: true,
      requestId: "c0ffee00-0000-4000-8000-000000000001",
      template: "/documents/{uuid}/versions",
      objectId: "6f1c2a3e-0b4d-4c5e-8f90-1a2b3c4d5e6f",
      latencyMs: 23.4,
    });
    expect(constructed[1]?.events[0]).toMatchObject({
      agentId: "backup",
      identitySource: "consumer",
      authenticated: true,
      status: 401,
    });
    expect(constructed[2]?.events[0]).toMatchObject({
      agentId: "report-agent",
      identitySource: "jwt",
      authenticated: false,
      scopes: ["reports:read"],
      requestBytes: 77,
    });
    expect(constructed[2]?.events[0]?.tokenId).toMatch(/^sha256:/); // no jti: hashed token
  });
});
