/**
 * credential-misuse: one token id or agent used from a new network AND a new user agent while its usual
 * one is still active; a change of network alone, or of user agent alone, is not misuse.
 */
import { describe, expect, it } from "vitest";
import { credentialMisuse } from "../../detectors/credential-misuse.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { tokenDigest } from "../../src/profile/keys.js";
import { benignStream, ev, HOUR, SECOND } from "../helpers/events.js";
import { runDetector } from "./harness.js";

const thief = { clientIp: "198.51.100.23", userAgent: "curl/8.4.0" };

describe("credential-misuse", () => {
  const warm = benignStream(400); // 10.0.0.7, agent-sdk, tok-agent-1, for 2h13
  const next = (warm.at(-1)?.timestamp ?? 0) + 20 * SECOND;

  it("flags the token replayed from a new network and client while the agent keeps working", () => {
    const run = runDetector(credentialMisuse, warm);
    const mixed: NormalizedEvent[] = [];
    for (let i = 0; i < 6; i++) {
      mixed.push(ev({ timestamp: next + i * 20 * SECOND, path: "/v1/orders" }));
      mixed.push(ev({ timestamp: next + i * 20 * SECOND + 5 * SECOND, path: "/v1/customers/1", ...thief }));
    }
    const found = run.feed(mixed);
    expect(found.length).toBeGreaterThanOrEqual(3);
    const first = found[0];
    expect(first?.score).toBeGreaterThanOrEqual(0.8);
    expect(first?.detail).toContain(`token ${tokenDigest("tok-agent-1")}`);
    expect(first?.detail).toMatch(
      /new network with user agent "curl\/8\.4\.0" \(client "198\.51\.100\.23"\)/,
    );
    expect(first?.detail).toMatch(/established use from 10\.0\.0\.0\/24 was active \d+ s earlier/);
    expect(first?.detail).not.toContain("tok-agent-1");
  });

  describe.each([
    { via: "the token id", tokenId: "tok-agent-1", score: 0.8 },
    { via: "the agent (no token id)", tokenId: "", score: 0.6 },
  ])("one dimension changing is not misuse, through $via", ({ tokenId, score }) => {
    const base = warm.map((e) => ({ ...e, tokenId }));
    /** The agent's own requests every 20 s, each followed 5 s later by one carrying `other`'s fields. */
    const interleaved = (other: Partial<NormalizedEvent>): NormalizedEvent[] =>
      Array.from({ length: 6 }, (_, i) => [
        ev({ timestamp: next + i * 20 * SECOND, path: "/v1/orders", tokenId }),
        ev({ timestamp: next + i * 20 * SECOND + 5 * SECOND, path: "/v1/customers/1", tokenId, ...other }),
      ]).flat();

    it("fires when both network and user agent differ (the control)", () => {
      const found = runDetector(credentialMisuse, base).feed(interleaved(thief));
      expect(found).toHaveLength(6);
      expect(found.map((f) => f.score)).toEqual(Array(6).fill(score));
    });

    it("is silent when only the network changes (same user agent, another network)", () => {
      expect(runDetector(credentialMisuse, base).feed(interleaved({ clientIp: thief.clientIp }))).toEqual([]);
    });

    it("is silent when only the user agent changes (same address, or another host of the same /24)", () => {
      const run = runDetector(credentialMisuse, base);
      expect(run.feed(interleaved({ userAgent: thief.userAgent }))).toEqual([]);
      const sameNetwork = runDetector(credentialMisuse, base);
      expect(sameNetwork.feed(interleaved({ userAgent: thief.userAgent, clientIp: "10.0.0.200" }))).toEqual(
        [],
      );
    });
  });

  it("is silent when the agent moves after going quiet", () => {
    const run = runDetector(credentialMisuse, warm);
    const moved = benignStream(50, { start: next + HOUR }).map((e) => ({ ...e, ...thief }));
    expect(run.feed(moved)).toEqual([]);
  });

  it("is silent for an agent that always ran from two places", () => {
    const two = benignStream(600).map((e, i) =>
      i % 2 ? { ...e, clientIp: "172.16.4.9", userAgent: "worker/2" } : e,
    );
    expect(runDetector(credentialMisuse, two).findings).toEqual([]);
  });

  it("skips agents identified only by their address", () => {
    const ipWarm = warm.map((e) => ({ ...e, identitySource: "ip" as const }));
    const run = runDetector(credentialMisuse, ipWarm);
    const found = run.feed([
      ev({ timestamp: next, identitySource: "ip" }),
      ev({ timestamp: next + SECOND, identitySource: "ip", ...thief }),
    ]);
    expect(found).toEqual([]);
  });
});
