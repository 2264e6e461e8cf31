/** Envoy and Istio default text format: the documented example, unset values, response code 0, CRI lines. */
import { describe, expect, it } from "vitest";
import { decodeLines, EVERY_PROXY_TRUSTED, fixtureLines, rejectionOf } from "./helpers.js";

describe("envoy default text format", () => {
  const docs = decodeLines(fixtureLines("envoy-text.docs.log"), { format: "envoy", ...EVERY_PROXY_TRUSTED });
  const istio = decodeLines(fixtureLines("istio-text.constructed.log"), { format: "envoy" });
  const cri = decodeLines(fixtureLines("envoy-json.cri.log"), { format: "envoy", ...EVERY_PROXY_TRUSTED });

  it("reads the documented example exactly", () => {
    expect(docs[0]?.events[0]).toEqual({
      timestamp: Date.parse("2016-04-15T20:17:00.310Z"),
      agentId: "10.0.35.28",
      method: "POST",
      path: "/api/v1/locations",
      status: 204,
      requestBytes: 154,
      responseBytes: 0,
      latencyMs: 226,
      clientIp: "10.0.35.28",
      tokenId: "",
      userId: "",
      userAgent: "nsq2http",
      requestId: "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2",
      route: undefined,
      scopes: undefined,
      identitySource: "ip",
      authenticated: false,
      template: "/api/v1/locations",
      queryKeys: [],
      objectId: undefined,
      objectNumber: undefined,
    });
  });

  it("reads an unset X-Forwarded-For as no client address", () => {
    const [result] = decodeLines([fixtureLines("envoy-text.docs.log")[1] as string], {
      format: "envoy",
      identity: { order: ["ip"] },
    });
    expect(result?.rejection?.code).toBe("MISSING_IDENTITY");
    expect(docs[1]?.rejection?.code).toBe("MISSING_IDENTITY"); // default order ends at ip too
  });

  it("reads Istio's layout, including response code 0 (client went away)", () => {
    expect(istio[0]?.events[0]).toMatchObject({
      timestamp: Date.parse("2026-11-20T09:14:02.118Z"),
      method: "GET",
      path: "/api/customers/1042/orders?page=2",
      status: 200,
      requestBytes: 0,
      responseBytes: 5120,
      latencyMs: 31,
      clientIp: "203.0.113.7",
      userAgent: "agent-sdk/1.4",
      requestId: "5d0a3f2e-2c11-4c8a-9f3b-7e8d9c0b1a22",
      template: "/api/customers/{id}/orders",
      queryKeys: ["page"],
      objectId: "1042",
      objectNumber: 1042,
    });
    expect(istio[1]?.events[0]).toMatchObject({ status: 0, responseBytes: 0, latencyMs: 12 });
  });

  it("unwraps CRI lines and takes the first X-Forwarded-For hop (IPv4, bracketed IPv6)", () => {
    expect(cri[3]?.events[0]).toMatchObject({
      timestamp: Date.parse("2016-04-15T20:17:00.310Z"),
      status: 204,
    });
    expect(cri[4]?.events[0]).toMatchObject({
      clientIp: "fd00:1234:5678::5a24",
      requestId: "test-request-id",
      responseBytes: 256,
      latencyMs: 50,
    });
    expect(cri[8]?.events[0]).toMatchObject({ clientIp: "192.168.1.100", requestId: "multi-ip-clf-v4" });
    expect(cri[9]?.events[0]).toMatchObject({
      clientIp: "fd00:1234:5678::5a24",
      method: "POST",
      status: 201,
    });
    // The JSON lines of the same file are not this format.
    expect(cri[0]?.rejection?.code).toBe("MALFORMED_LINE");
  });

  it("rejects non-HTTP entries and broken lines", () => {
    expect(
      rejectionOf('[2026-11-20T09:14:02.118Z] "- - -" 0 - 0 0 5 - "-" "-" "-" "-" "10.0.0.1:5432"', {
        format: "envoy",
      }).code,
    ).toBe("MISSING_FIELD");
    expect(rejectionOf('[2026-11-20T09:14:02.118Z] "GET / HTTP/1.1" 200 -', { format: "envoy" }).code).toBe(
      "MALFORMED_LINE",
    );
    expect(
      rejectionOf('[yesterday] "GET / HTTP/1.1" 200 - 0 1 2 3 "1.2.3.4" "-" "-" "-" "-"', { format: "envoy" })
        .code,
    ).toBe("INVALID_FIELD");
  });
});
