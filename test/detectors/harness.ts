/**
 * Runs one detector over a stream the way the engine does (prepare, inspect on the profile as it
 * was, absorb), collecting every finding with the index of the event that raised it. Baseline
 * detectors only run once the profile is warm, as in the engine.
 */
import type { Detector, DetectorDescriptor, Finding } from "../../src/engine/types.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import { profileStoreOptionsSchema } from "../../src/profile/options.js";
import type { AgentProfile } from "../../src/profile/profile.js";
import { ProfileStore } from "../../src/profile/store.js";

export interface Run {
  findings: (Finding & { at: number })[];
  store: ProfileStore;
  profile(agentId?: string): AgentProfile;
  /** Feeds more events through the same detector and store. */
  feed(events: NormalizedEvent[]): (Finding & { at: number })[];
}

export function runDetector(
  descriptor: DetectorDescriptor,
  events: NormalizedEvent[],
  options: Record<string, unknown> = {},
  profileOptions: Record<string, unknown> = {},
): Run {
  const detector: Detector = descriptor.create(descriptor.options.parse(options));
  const store = new ProfileStore(profileStoreOptionsSchema.parse(profileOptions), {
    detectorNames: [descriptor.name],
    tierOf: () => "none",
  });
  const all: (Finding & { at: number })[] = [];
  let index = 0;
  const feed = (batch: NormalizedEvent[]) => {
    const found: (Finding & { at: number })[] = [];
    const out: Finding[] = [];
    for (const event of batch) {
      const profile = store.acquire(event.agentId, event.timestamp);
      profile.prepare(event);
      out.length = 0;
      if (descriptor.kind === "baseline-free" || profile.isWarm()) {
        detector.inspect(event, profile, out);
        detector.absorb?.(event, profile);
      }
      for (const f of out) found.push({ ...f, at: index });
      profile.absorb(event);
      index++;
    }
    all.push(...found);
    return found;
  };
  feed(events);
  return {
    findings: all,
    store,
    profile: (agentId = "agent-1") => store.get(agentId) as AgentProfile,
    feed,
  };
}
