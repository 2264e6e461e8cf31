/**
 * Envoy and Istio JSON access logs, CRI-wrapped: fields, forwarded hops, agent headers, JWTs and hashed
 * tokens.
 */
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { BEARER_TOKEN, decodeLines, EVERY_PROXY_TRUSTED, fixtureLines } from "./helpers.js";

describe("envoy JSON", () => {
  const real = decodeLines(fixtureLines("envoy-json.cri.log"), {
    format: "envoy-json",
    ...EVERY_PROXY_TRUSTED,
  });
  const constructed = decodeLines(fixtureLines("envoy-json-headers.constructed.log"), {
    format: "envoy-json",
  });

  it("reads an Envoy Gateway record from a CRI line exactly", () => {
    expect(real[0]?.events[0]).toEqual({
      timestamp: Date.parse("2025-12-31T16:37:40.479Z"),
      agentId: "10.0.0.12",
      method: "GET",
      path: "/assets/image.webp",
      status: 200,
      requestBytes: 0,
      responseBytes: 121258,
      latencyMs: 11,
      clientIp: "10.0.0.12",
      tokenId: "",
      userId: "",
      userAgent: "Mozilla/4.0 (Windows NT 9.0; Win64; x64; rv:136.0) Gecko/20101 Firefox/136.0",
      requestId: "3bbc0252-2d5c-49fe-bd89-104e9b61770b",
      route: undefined, // httproute/... names a rule, not an endpoint
      scopes: undefined,
      identitySource: "ip",
      authenticated: false,
      template: "/assets/image.webp",
      queryKeys: [],
      objectId: undefined,
      objectNumber: undefined,
    });
  });

  it("takes the first X-Forwarded-For hop, also from mixed IPv6 lists", () => {
    expect(real[6]?.events[0]?.clientIp).toBe("192.168.1.100");
    expect(real[7]?.events[0]?.clientIp).toBe("fd00:1234:5678::5a24");
    expect(real[5]?.events[0]?.clientIp).toBe("fd00:1234:5678::5a24");
  });

  it("rejects the text-format lines of the same file", () => {
    expect(real[3]?.rejection?.code).toBe("MALFORMED_JSON");
    expect(real.filter((r) => r.events.length === 1)).toHaveLength(6);
  });

  it("uses an x-agent-id key and a route_name that is a path template", () => {
    expect(constructed[0]?.events[0]).toMatchObject({
      agentId: "ledger-agent",
      identitySource: "header",
      authenticated: true,
      route: "/accounts/{account}/statements",
      template: "/accounts/{account}/statements",
      objectId: "4421-0099-1234",
      queryKeys: ["year"],
      requestBytes: 120,
      latencyMs: 17,
    });
  });

  it("joins CRI partial lines and reads the bearer JWT's subject, jti and scopes", () => {
    expect(constructed[1]).toEqual({ events: [], rejection: undefined }); // the P fragment
    expect(constructed[2]?.events[0]).toMatchObject({
      agentId: "billing-agent",
      identitySource: "jwt",
      authenticated: false,
      tokenId: hashSecret(BEARER_TOKEN), // no JWKS configured: the jti is only claimed
      scopes: ["invoices:read", "invoices:write"],
      status: 0,
      path: "/export/all",
    });
  });

  it("reads Istio's JSON keys and string values, with the downstream address as fallback", () => {
    expect(constructed[3]?.events[0]).toMatchObject({
      method: "PUT",
      status: 204,
      requestBytes: 33,
      latencyMs: 9,
      clientIp: "192.0.2.32",
      userAgent: "agent-sdk/1.4",
      requestId: "e1000000-0000-4000-8000-000000000003",
      route: undefined,
      template: "/users/{email}/roles",
      objectId: "jane.doe@example.com",
    });
  });

  it("hashes a bearer token that is not a JWT", () => {
    const line = JSON.stringify({
      start_time: "2026-11-20T10:00:00.000Z",
      method: "GET",
      path: "/a",
      response_code: 200,
      "x-forwarded-for": "192.0.2.40",
      authorization: "Bearer opaque-token-value",
    });
    const [result] = decodeLines([line], { format: "envoy-json" });
    const event = result?.events[0];
    expect(event?.tokenId).toBe(hashSecret("opaque-token-value"));
    expect(event?.tokenId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(JSON.stringify(event)).not.toContain("opaque-token-value");
  });
});
