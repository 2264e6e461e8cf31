/**
 * The client address each format gives: forwarded first hop or peer address, canonical IPv6, and the IP
 * identity.
 */
import { describe, expect, it } from "vitest";
import { ClientAddressResolver } from "../../src/normalize/client-address.js";
import { decodeLines, decodeOne, EVERY_PROXY_TRUSTED, fixtureLines } from "./helpers.js";

/** Client address of each line's event, per `clientAddress` mode (forwarded: behind trusted proxies). */
function addresses(file: string, format: string, mode: "forwarded" | "peer"): (string | undefined)[] {
  return decodeLines(fixtureLines(file), {
    format: format as never,
    clientAddress: mode,
    ...EVERY_PROXY_TRUSTED,
  }).map((r) => r.events[0]?.clientIp);
}

describe("trustedProxies", () => {
  const line = (forwardedFor: string, peer = "10.0.0.1") =>
    `${peer} - - [20/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "ua" "${forwardedFor}"`;

  it("believes no header by default: the peer is the client, whatever X-Forwarded-For says", () => {
    expect(decodeOne(line("10.20.0.5")).clientIp).toBe("10.0.0.1");
    expect(decodeOne(line("10.20.0.5, 198.51.100.7")).clientIp).toBe("10.0.0.1");
  });

  it("takes the right-most hop that is not a trusted proxy (nginx real_ip_recursive)", () => {
    const behindLb = { trustedProxies: ["10.0.0.0/24", "172.16.0.0/12"] };
    // The client spoofs an allowlisted address; the load balancer appended the real one.
    expect(decodeOne(line("10.20.0.5, 198.51.100.7"), behindLb).clientIp).toBe("198.51.100.7");
    expect(decodeOne(line("10.20.0.5, 198.51.100.7, 172.16.3.4"), behindLb).clientIp).toBe("198.51.100.7");
    // An untrusted peer is the client even when a trusted-looking list follows.
    expect(decodeOne(line("198.51.100.7", "203.0.113.50"), behindLb).clientIp).toBe("203.0.113.50");
    // Garbage in the list ends the walk at the last address reached.
    expect(decodeOne(line("garbage, 172.16.3.4"), behindLb).clientIp).toBe("172.16.3.4");
    // Everything trusted: as far left as can be seen.
    expect(decodeOne(line("172.16.0.9, 172.16.3.4"), behindLb).clientIp).toBe("172.16.0.9");
  });

  it("resolves ports, brackets and IPv6 spellings the same way as the log pipeline", () => {
    const resolver = new ClientAddressResolver(["fd00::/8", "10.0.0.0/8"]);
    expect(resolver.resolve("[2001:DB8::1]:443, fd00::2", "10.1.1.1")).toBe("2001:db8::1");
    expect(resolver.resolve("198.51.100.7:5000", "10.1.1.1")).toBe("198.51.100.7");
    expect(resolver.resolve("", "::ffff:10.1.1.1")).toBe("10.1.1.1");
    expect(resolver.resolve("198.51.100.7, 10.9.9.9", "")).toBe("198.51.100.7"); // no peer logged
    expect(new ClientAddressResolver([]).resolve("198.51.100.7, 10.9.9.9", "")).toBe("10.9.9.9");
  });

  it("refuses entries that are neither a CIDR nor an address", () => {
    expect(() => decodeOne(line("x"), { trustedProxies: ["10.0.0.0/33"] })).toThrow();
    expect(() => decodeOne(line("x"), { trustedProxies: ["lb.internal"] })).toThrow();
  });
});

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
    const trusted = { clientAddress: "forwarded", ...EVERY_PROXY_TRUSTED } as const;
    expect(decodeLines(lines, trusted)[0]?.events[0]?.clientIp).toBe("192.168.1.100");
    expect(decodeLines(lines, { clientAddress: "forwarded" })[0]?.events[0]?.clientIp).toBe("10.42.0.1");
    expect(decodeLines(lines, { clientAddress: "peer" })[0]?.events[0]?.clientIp).toBe("10.42.0.1");
  });

  it("traefik: ClientHost or ClientAddr", () => {
    const lines = [fixtureLines("traefik.json.log")[6] as string];
    const trusted = { clientAddress: "forwarded", ...EVERY_PROXY_TRUSTED } as const;
    expect(decodeLines(lines, trusted)[0]?.events[0]?.clientIp).toBe("192.168.1.100");
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
