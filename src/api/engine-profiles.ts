/**
 * Adapts the engine's profile store to the API's `LocalProfiles`: a brief (risk, tier, last
 * seen) read straight from the profile's scalar block, cheap enough to take for every tracked
 * agent on a listing, and the store's own readable summary for one agent's page.
 */
import type { EngineOptions } from "../engine/engine.js";
import { S_RISK } from "../profile/layout.js";
import type { ProfileStore } from "../profile/store.js";
import { RiskScorer } from "../risk/scorer.js";
import type { LocalProfiles } from "./agent-directory.js";

/** `risk` must be the options the engine was built with, so tiers match its alerts. */
export function engineProfiles(store: ProfileStore, risk: EngineOptions["risk"]): LocalProfiles {
  // A scorer without detectors only answers tier questions with the engine's thresholds.
  const tiers = new RiskScorer(risk, []);
  return {
    *ids() {
      for (const [agentId] of store.entries()) yield agentId;
    },
    brief(agentId) {
      const profile = store.get(agentId);
      if (!profile) return undefined;
      const score = profile.s[S_RISK] as number;
      return { agentId, risk: score, tier: tiers.tierOf(score), lastSeenMs: profile.lastSeen };
    },
    summarize: (agentId) => store.summarize(agentId),
  };
}
