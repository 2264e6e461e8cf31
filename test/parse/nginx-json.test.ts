import { describe, expect, it } from "vitest";
import { decodeLines, fixtureLines, rejectionOf } from "./helpers.js";

describe("nginx JSON (escape=json)", () => {
  const lines = decodeLines(fixtureLines("nginx-json.constructed.jsonl"), { format: "nginx-json" });

  it("reads a record exactly: seconds to ms, X-Forwarded-For first hop, agent header", () => {
    expect(lines[0]?.events[0]).toEqual({
      timestamp: Date.parse("2026-11-20T09:00:00Z"),
      agentId: "invoice-agent",
      method: "GET",
      path: "/customers/1042/invoices?from=2026-01-01&to=2026-02-01",
      status: 200,
      requestBytes: 412,
      responseBytes: 5120,
      latencyMs: 52,
      clientIp: "203.0.113.9",
      tokenId: "",
      userId: "",
      userAgent: "agent-sdk/1.4",
      requestId: "7f3c1a2b4d5e6f708192a3b4c5d6e7f8",
      route: undefined,
      scopes: undefined,
      identitySource: "header",
      template: "/customers/{id}/invoices",
      queryKeys: ["from", "to"],
      objectId: "1042",
      objectNumber: 1042,
    });
  });

  it("sums a list-valued $upstream_response_time when $request_time is absent; numbers as numbers", () => {
    expect(lines[1]?.events[0]).toMatchObject({
      latencyMs: 16,
      status: 502,
      responseBytes: 157,
      requestBytes: 930,
      agentId: "billing-agent",
      identitySource: "jwt",
      tokenId: "9f1c2e7a-jwt-0001",
    });
  });

  it("reads $time_local, request_method + request_uri, $remote_user and an empty upstream time", () => {
    expect(lines[2]?.events[0]).toMatchObject({
      timestamp: Date.UTC(2026, 10, 20, 9, 0, 2),
      method: "GET",
      path: "/reports/2026/Q3",
      template: "/reports/{id}/q3",
      status: 304,
      latencyMs: 0,
      userAgent: "",
      agentId: "svc-reporting",
      identitySource: "consumer",
    });
  });

  it("reads $msec, `-` upstream time and an empty request line", () => {
    expect(lines[3]?.events[0]).toMatchObject({
      timestamp: 1795165203250,
      method: "-",
      path: "-",
      status: 400,
      latencyMs: 0,
      clientIp: "10.0.0.8",
    });
  });

  it("falls back to $remote_addr when the forwarded client is not an address", () => {
    const line = fixtureLines("nginx-json.constructed.jsonl")[0]?.replace(
      "203.0.113.9, 10.0.0.5",
      "evil-host, 10.0.0.5",
    );
    expect(decodeLines([line as string], { format: "nginx-json" })[0]?.events[0]?.clientIp).toBe("10.0.0.5");
  });

  it("rejects records missing time/status or with wrongly typed values", () => {
    expect(
      rejectionOf('{"remote_addr":"1.2.3.4","request":"GET / HTTP/1.1"}', { format: "nginx-json" }).code,
    ).toBe("MISSING_FIELD");
    expect(
      rejectionOf(
        '{"msec":"1795165203.250","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"200","body_bytes_sent":[1]}',
        {
          format: "nginx-json",
        },
      ).code,
    ).toBe("INVALID_FIELD");
    expect(
      rejectionOf(
        '{"msec":"1795165203.250","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"200","body_bytes_sent":"-5"}',
        {
          format: "nginx-json",
        },
      ).message,
    ).toContain("responseBytes");
  });
});
