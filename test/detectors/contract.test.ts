/**
 * Checks every registered detector passes, whatever it detects: self-description, strict options
 * with defaults, scores in [0, 1], no throw on odd events, no mutation of the profile, and silence
 * on a steady benign stream. A new detector gets these for free by being in the registry.
 */
import { describe, expect, it } from "vitest";
import { DETECTORS } from "../../detectors/index.js";
import type { Finding } from "../../src/engine/types.js";
import { profileStoreOptionsSchema } from "../../src/profile/options.js";
import { serializeProfile } from "../../src/profile/snapshot.js";
import { ProfileStore } from "../../src/profile/store.js";
import { benignStream, ev, HOUR, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

const oddEvents = () => {
  const base = T0 + 5 * HOUR;
  return [
    ev({ timestamp: base, path: "/", template: "/", method: "BREW", status: 0 }),
    ev({
      timestamp: base + 1,
      path: `/${"a".repeat(8000)}`,
      status: 999,
      requestBytes: 2 ** 31,
      responseBytes: 2 ** 40,
    }),
    ev({ timestamp: base + 2, path: "/ünïcødé/%ZZ/%/%e2%82", clientIp: "", userAgent: "", tokenId: "" }),
    ev({
      timestamp: base + 3,
      path: "/v1/items/abc",
      objectId: "abc",
      objectNumber: undefined,
      clientIp: "::1",
    }),
    ev({
      timestamp: base + 4,
      path: "/v1/items/1",
      objectId: "1",
      objectNumber: 1e300,
      clientIp: "not-an-ip",
    }),
    ev({ timestamp: base - 60_000, path: "/v1/items/2", objectId: "2", objectNumber: -5 }),
    ev({
      timestamp: base + 5,
      identitySource: "ip",
      clientIp: "2001:db8::1",
      path: "/v1/orders?q=%27%20OR%201=1",
    }),
    ev({ timestamp: base + 6, template: "", path: "/v1/x", queryKeys: ["__proto__", "constructor"] }),
  ];
};

describe.each(DETECTORS.map((d) => [d.name, d] as const))("detector contract: %s", (name, descriptor) => {
  it("describes itself", () => {
    expect(descriptor.name).toMatch(/^[a-z][a-z-]*$/);
    expect(descriptor.description.length).toBeGreaterThan(20);
    expect(["baseline", "baseline-free"]).toContain(descriptor.kind);
  });

  it("has options with defaults, enabled/weight, and rejects unknown keys", () => {
    const defaults = descriptor.options.parse({}) as { enabled: boolean; weight: number };
    expect(defaults.enabled).toBe(true);
    expect(defaults.weight).toBe(1);
    expect(() => descriptor.options.parse({ noSuchOption: 1 })).toThrow();
    expect(descriptor.create(defaults as never).name).toBe(name);
  });

  it("stays silent on a steady benign stream", () => {
    const run = runDetector(descriptor, benignStream(600));
    expect(run.findings).toEqual([]);
  });

  it("never throws on odd events, and scores stay in [0, 1]", () => {
    const run = runDetector(descriptor, benignStream(300));
    expect(() => run.feed(oddEvents())).not.toThrow();
    for (const f of run.findings) {
      expect(f.score).toBeGreaterThanOrEqual(0);
      expect(f.score).toBeLessThanOrEqual(1);
      expect(f.detector).toBe(name);
      expect(f.detail.length).toBeGreaterThan(10);
    }
  });

  it("does not change the profile it inspects", () => {
    const store = new ProfileStore(profileStoreOptionsSchema.parse({}), {
      detectorNames: [name],
      tierOf: () => "none",
    });
    const detector = descriptor.create(descriptor.options.parse({}) as never);
    const out: Finding[] = [];
    for (const event of [...benignStream(300), ...oddEvents()]) {
      const profile = store.acquire(event.agentId, event.timestamp);
      profile.prepare(event);
      const before = serializeProfile(profile, [name]);
      detector.inspect(event, profile, out);
      expect(serializeProfile(profile, [name])).toBe(before);
      profile.absorb(event);
    }
  });
});
