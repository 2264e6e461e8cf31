/**
 * nginx `escape=json` logs: seconds to ms, $upstream_response_time forms, time variables, client address,
 * rejects.
 */
import { describe, expect, it } from "vitest";
import { hashSecret } from "../../src/normalize/secret-hash.js";
import { BEARER_TOKEN, decodeLines, EVERY_PROXY_TRUSTED, fixtureLines, rejectionOf } from "./helpers.js";

describe("nginx JSON (escape=json)", () => {
  const lines = decodeLines(fixtureLines("nginx-json.constructed.jsonl"), {
    format: "nginx-json",
    ...EVERY_PROXY_TRUSTED,
  });

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
      authenticated: true,
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
      authenticated: false,
      tokenId: hashSecret(BEARER_TOKEN), // no JWKS configured: the jti is only claimed
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
      authenticated: true,
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

  describe("$upstream_response_time as the latency ($request_time not logged)", () => {
    /** A record without `request_time`, with `upstream` as its `upstream_response_time` (omitted when undefined). */
    const decodeUpstream = (upstream: unknown) => {
      const record: Record<string, unknown> = {
        msec: "1795165203.250",
        remote_addr: "10.0.0.8",
        request: "GET /orders/7 HTTP/1.1",
        status: "200",
        body_bytes_sent: "10",
      };
      if (upstream !== undefined) record.upstream_response_time = upstream;
      const [result] = decodeLines([JSON.stringify(record)], { format: "nginx-json" });
      return result;
    };
    const latencyOf = (upstream: unknown) => {
      const result = decodeUpstream(upstream);
      expect(result?.rejection).toBeUndefined();
      expect(result?.events).toHaveLength(1);
      return result?.events[0]?.latencyMs;
    };

    it("reads a single value, string or number, seconds to ms", () => {
      expect(latencyOf("0.250")).toBe(250);
      expect(latencyOf(0.25)).toBe(250);
    });

    it('reads "" and `-` (no upstream contacted) as 0, and an absent variable as 0', () => {
      expect(latencyOf("")).toBe(0);
      expect(latencyOf("-")).toBe(0);
      expect(latencyOf(undefined)).toBe(0);
    });

    it("sums the comma list of retried upstreams", () => {
      expect(latencyOf("0.010, 0.020")).toBeCloseTo(30, 9);
      expect(latencyOf("0.010,0.020,0.005")).toBeCloseTo(35, 9);
    });

    it("sums the colon list left by an internal redirect, and lists mixing both", () => {
      expect(latencyOf("0.010 : 0.020")).toBeCloseTo(30, 9);
      expect(latencyOf("0.010, 0.020 : 0.005")).toBeCloseTo(35, 9);
    });

    it("skips `-` and empty entries inside a list (an attempt that got no response time)", () => {
      expect(latencyOf("-, 0.020")).toBeCloseTo(20, 9);
      expect(latencyOf("0.010 : -")).toBeCloseTo(10, 9);
      expect(latencyOf("0.010, , 0.020")).toBeCloseTo(30, 9);
    });

    it("is ignored when $request_time is logged: the total wins", () => {
      const [result] = decodeLines(
        [
          JSON.stringify({
            msec: "1795165203.250",
            remote_addr: "10.0.0.8",
            request: "GET / HTTP/1.1",
            status: 200,
            request_time: "0.040",
            upstream_response_time: "0.010, 0.020",
          }),
        ],
        { format: "nginx-json" },
      );
      expect(result?.rejection).toBeUndefined();
      expect(result?.events[0]?.latencyMs).toBe(40);
    });

    it("rejects a list entry that is not a number", () => {
      for (const bad of ["0.010, fast", "0.010 : 1e999", ["0.010"]]) {
        const result = decodeUpstream(bad);
        expect(result?.events, JSON.stringify(bad)).toEqual([]);
        expect(result?.rejection?.code, JSON.stringify(bad)).toBe("INVALID_FIELD");
      }
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
