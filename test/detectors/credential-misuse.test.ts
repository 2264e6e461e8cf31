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
