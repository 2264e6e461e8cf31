/** nginx combined/main text logs: fields, time offsets, virtual-host prefixes, forwarded hops, rejects. */
import { describe, expect, it } from "vitest";
import { decodeLines, decodeOne, EVERY_PROXY_TRUSTED, fixtureLines, rejectionOf } from "./helpers.js";

describe("nginx combined/main", () => {
  const crowdsec = decodeLines(fixtureLines("nginx-combined.crowdsec.log"), { format: "nginx" });
  const filebeat = decodeLines(fixtureLines("nginx-combined.filebeat.log"), {
    format: "nginx",
    ...EVERY_PROXY_TRUSTED,
  });

  it("reads every field of a plain combined line", () => {
    expect(crowdsec[2]?.events[0]).toEqual({
      timestamp: Date.UTC(2020, 5, 8, 8, 4, 43),
      agentId: "192.168.1.1",
      method: "GET",
      path: "/solr/admin/info/system?wt=json",
      status: 500,
      requestBytes: 0,
      responseBytes: 803,
      latencyMs: 0,
      clientIp: "192.168.1.1",
      tokenId: "",
      userId: "",
      userAgent:
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36",
      requestId: "",
      route: undefined,
      scopes: undefined,
      identitySource: "ip",
      authenticated: false,
      template: "/solr/admin/info/system",
      queryKeys: ["wt"],
      objectId: undefined,
      objectNumber: undefined,
    });
  });

  it("applies the $time_local offset", () => {
    // 07/Dec/2016:11:05:07 +0100
    expect(filebeat[0]?.events[0]?.timestamp).toBe(Date.UTC(2016, 11, 7, 10, 5, 7));
  });

  it("skips virtual-host prefixes, with or without port", () => {
    expect(crowdsec[3]?.events[0]?.clientIp).toBe("192.168.1.1");
    expect(crowdsec[5]?.events[0]?.clientIp).toBe("192.168.1.1");
    expect(crowdsec[5]?.events[0]?.status).toBe(301);
  });

  it("takes $remote_user as the consumer identity", () => {
    const event = crowdsec[6]?.events[0];
    expect(event?.agentId).toBe("user123");
    expect(event?.identitySource).toBe("consumer");
    expect(event?.clientIp).toBe("192.168.1.1");
  });

  it("reads a line whose ident field is missing", () => {
    const event = crowdsec[7]?.events[0];
    expect(event?.path).toBe("/api/test");
    expect(event?.identitySource).toBe("ip");
    expect(event?.agentId).toBe("192.168.1.1");
  });

  it("rejects the error-log line", () => {
    expect(crowdsec[8]?.rejection?.code).toBe("MALFORMED_LINE");
    expect(crowdsec.slice(0, 8).every((r) => r.events.length === 1)).toBe(true);
  });

  it("uses the first hop of an X-Forwarded-For list before the address", () => {
    expect(filebeat[0]?.events[0]?.clientIp).toBe("10.0.0.2");
    expect(filebeat[2]?.events[0]?.clientIp).toBe("10.0.0.2");
    expect(filebeat[4]?.events[0]?.clientIp).toBe("10.5.102.222"); // quoted list
    expect(filebeat[5]?.events[0]?.clientIp).toBe("2a03:0:10ff:f00f::8000");
  });

  it("ignores a trailing `-` $http_x_forwarded_for", () => {
    expect(filebeat[1]?.events[0]).toMatchObject({ clientIp: "172.17.0.1", status: 404, responseBytes: 612 });
  });

  it("keeps an empty request line with 400 as a `-` request", () => {
    expect(filebeat[6]?.events[0]).toMatchObject({
      method: "-",
      path: "-",
      template: "-",
      status: 400,
      userAgent: "",
      clientIp: "127.0.0.1",
    });
  });

  it("takes the client from a trailing X-Forwarded-For field (main format)", () => {
    const line =
      '10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "ua" "203.0.113.9, 10.0.0.1"';
    expect(decodeOne(line, { format: "nginx", trustedProxies: ["10.0.0.0/8"] }).clientIp).toBe("203.0.113.9");
    // Nothing trusted (the default): the header is the client's word, the peer is the client.
    expect(decodeOne(line, { format: "nginx" }).clientIp).toBe("10.0.0.1");
  });

  it("rejects lines that are not in the format", () => {
    expect(rejectionOf("just some text", { format: "nginx" }).code).toBe("MALFORMED_LINE");
    expect(
      rejectionOf('1.2.3.4 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1"', { format: "nginx" }).code,
    ).toBe("MALFORMED_LINE");
    expect(
      rejectionOf('1.2.3.4 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" abc 12 "-" "-"', {
        format: "nginx",
      }).code,
    ).toBe("INVALID_FIELD");
  });
});
