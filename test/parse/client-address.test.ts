/**
 * The client address each format gives: forwarded first hop or peer address, canonical IPv6, and the IP
 * identity.
 */
import { describe, expect, it } from "vitest";
import { decodeLines, fixtureLines } from "./helpers.js";

/** Client address of each line's event, per `clientAddress` mode. */
function addresses(file: string, format: string, mode: "forwarded" | "peer"): (string | undefined)[] {
  return decodeLines(fixtureLines(file), { format: format as never, clientAddress: mode }).map(
    (r) => r.events[0]?.clientIp,
  );
}

describe("clientAddress", () => {
  it("nginx: the first forwarded hop, or $remote_addr", () => {
    const forwarded = addresses("nginx-combined.filebeat.log", "nginx", "forwarded");
    const peer = addresses("nginx-combined.filebeat.log", "nginx", "peer");
    expect(forwarded.slice(0, 6)).toEqual([
      "10.0.0.2",
      "172.17.0.1",
      "10.0.0.2",
      "85.181.35.98",
      "10.5.102.222",
      "2a03:0:10ff:f00f::8000", // logged as 2a03:0000:10ff:f00f:0000:0000:0:8000
    ]);
    expect(peer.slice(0, 6)).toEqual([
      "127.0.0.1",
      "172.17.0.1",
      "85.181.35.98",
      "85.181.35.98",
      "10.2.1.185",
      "10.2.2.121",
    ]);
  });

  it("envoy JSON: x-forwarded-for or downstream_remote_address", () => {
    const lines = [fixtureLines("envoy-json.cri.log")[6] as string];
    expect(decodeLines(lines, { clientAddress: "forwarded" })[0]?.events[0]?.clientIp).toBe("192.168.1.100");
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]?.clientIp).toBe("10.42.0.1");
  });

  it("traefik: ClientHost or ClientAddr", () => {
    const lines = [fixtureLines("traefik.json.log")[6] as string];
    expect(decodeLines(lines, { clientAddress: "forwarded" })[0]?.events[0]?.clientIp).toBe("192.168.1.100");
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]?.clientIp).toBe("172.71.122.85");
  });

  it("nginx JSON: http_x_forwarded_for or remote_addr", () => {
    const lines = [fixtureLines("nginx-json.constructed.jsonl")[0] as string];
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]?.clientIp).toBe("10.0.0.5");
  });

  it("falls back to the forwarded address when the format logs no peer", () => {
    const lines = fixtureLines("envoy-text.docs.log").slice(0, 1);
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]?.clientIp).toBe("10.0.35.28");
  });

  it("canonicalizes IPv6 (RFC 5952) and IPv4-mapped addresses, so spellings of one client are one", () => {
    const spellings = [
      "2001:DB8:0:0:0:0:0:1",
      "2001:db8::0001",
      "[2001:db8::1]:443",
      "::ffff:192.0.2.7",
      "::FFFF:C000:0207",
      "192.0.2.7",
    ];
    const lines = spellings.map(
      (ip) =>
        `${ip} - - [23/Nov/2026:10:00:00 +0000] "GET /api/v1/customers/42 HTTP/1.1" 200 512 "-" "agent-sdk/1.0"`,
    );
    const events = decodeLines(lines, { format: "nginx" }).map((r) => r.events[0]);
    expect(events.map((e) => e?.clientIp)).toEqual([
      "2001:db8::1",
      "2001:db8::1",
      "2001:db8::1",
      "192.0.2.7",
      "192.0.2.7",
      "192.0.2.7",
    ]);
    // The `ip` identity is read after canonicalization: one agent per client.
    expect(new Set(events.map((e) => e?.agentId))).toEqual(new Set(["2001:db8::1", "192.0.2.7"]));
    expect(events.every((e) => e?.identitySource === "ip")).toBe(true);
  });

  it("decides the IP identity too", () => {
    const lines = [fixtureLines("traefik.json.log")[6] as string];
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]).toMatchObject({
      agentId: "172.71.122.85",
      identitySource: "ip",
      authenticated: false,
    });
  });
});
