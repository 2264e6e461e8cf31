/**
 * The one store of per-agent profiles: bounded in agents, expiring idle agents in event time.
 *
 * A Map kept roughly in least-recently-active order (an entry is moved to the end at most once
 * per refresh quantum, not on every event) makes both bounds O(1) amortized: over capacity drops
 * the head; idle expiry walks from the head and stops at the first recently active entry.
 */

import type { Severity } from "../engine/types.js";
import { S_RISK } from "./layout.js";
import { type ProfileParams, type ProfileStoreOptions, profileParams } from "./options.js";
import { AgentProfile } from "./profile.js";
import { restoreProfile, serializeProfile } from "./snapshot.js";
import { type ProfileSummary, summarizeProfile } from "./summary.js";

export { type ProfileStoreOptions, profileStoreOptionsSchema } from "./options.js";

/** What the store needs to know about the rest of the engine. */
export interface ProfileStoreContext {
  /** Detector names in registry order (risk evidence is indexed by it). */
  readonly detectorNames: readonly string[];
  /** Tier label of a risk score, for summaries. */
  tierOf(score: number): Severity | "none";
}

const SWEEP_EVERY_EVENTS = 4096;

export class ProfileStore {
  readonly params: ProfileParams;
  private readonly map = new Map<string, AgentProfile>();
  private readonly idleMs: number;
  private readonly quantumMs: number;
  private untilSweep = SWEEP_EVERY_EVENTS;
  private evicted = 0;

  constructor(
    private readonly options: ProfileStoreOptions,
    private readonly context: ProfileStoreContext,
  ) {
    this.params = profileParams(options);
    this.idleMs = options.idleExpiryMinutes * 60_000;
    // Coarse enough that an agent is moved at most once a minute, fine enough that capacity
    // eviction never drops an agent active in the last minute ahead of an idle one.
    this.quantumMs = Math.min(this.idleMs / 16, 60_000);
  }

  get size(): number {
    return this.map.size;
  }

  /** Profiles dropped so far (capacity or idle expiry). */
  get evictions(): number {
    return this.evicted;
  }

  get(agentId: string): AgentProfile | undefined {
    return this.map.get(agentId);
  }

  entries(): IterableIterator<[string, AgentProfile]> {
    return this.map.entries();
  }

  /** The profile of `agentId` at event time `time`, created if absent; also runs the lazy bounds. */
  acquire(agentId: string, time: number): AgentProfile {
    if (--this.untilSweep <= 0) {
      this.untilSweep = SWEEP_EVERY_EVENTS;
      this.evictIdle(time);
    }
    let p = this.map.get(agentId);
    if (p === undefined) {
      p = new AgentProfile(agentId, this.params, time);
      this.insert(agentId, p, time);
      return p;
    }
    if (time - p.touchedAt > this.quantumMs) {
      this.map.delete(agentId);
      this.map.set(agentId, p);
      p.touchedAt = time;
    }
    return p;
  }

  /** Drops every profile idle since before `eventTimeMs - idleExpiry`; returns how many. */
  evictIdle(eventTimeMs: number): number {
    const cutoff = eventTimeMs - this.idleMs;
    let dropped = 0;
    for (const [agentId, p] of this.map) {
      if (p.lastSeen < cutoff) {
        this.map.delete(agentId);
        dropped++;
        continue;
      }
      if (p.touchedAt >= cutoff) break;
      // Active since its last move: move it now, so the walk can stop at the next recent entry.
      this.map.delete(agentId);
      this.map.set(agentId, p);
      p.touchedAt = p.lastSeen;
    }
    this.evicted += dropped;
    return dropped;
  }

  /** Snapshot of one profile (JSON), undefined when the agent is not tracked. */
  serialize(agentId: string): string | undefined {
    const p = this.map.get(agentId);
    return p && serializeProfile(p, this.context.detectorNames);
  }

  /** Replaces (or adds) the profile of `agentId` from a snapshot. */
  restore(agentId: string, data: string | Uint8Array): void {
    const p = restoreProfile(agentId, data, this.params, this.context.detectorNames);
    this.map.delete(agentId);
    this.insert(agentId, p, p.lastSeen);
  }

  delete(agentId: string): boolean {
    return this.map.delete(agentId);
  }

  /** Agent ids tracked, least recently active first. */
  ids(): IterableIterator<string> {
    return this.map.keys();
  }

  /** The cheap headline of one agent (risk after its latest event, tier, last event time) for listings. */
  brief(
    agentId: string,
  ): { agentId: string; risk: number; tier: Severity | "none"; lastSeenMs: number } | undefined {
    const p = this.map.get(agentId);
    if (!p) return undefined;
    const risk = p.s[S_RISK] as number;
    return { agentId, risk, tier: this.context.tierOf(risk), lastSeenMs: p.lastSeen };
  }

  /** A readable account of what the store knows about `agentId`. */
  summarize(agentId: string): ProfileSummary | undefined {
    const p = this.map.get(agentId);
    return p && summarizeProfile(p, this.context);
  }

  private insert(agentId: string, p: AgentProfile, time: number): void {
    this.map.set(agentId, p);
    p.touchedAt = time;
    if (this.map.size > this.options.maxAgents) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evicted++;
    }
  }
}
