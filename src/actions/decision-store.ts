/**
 * Where decisions live: one per agent, shared by every instance. `MemoryDecisionStore` serves
 * the embedded mode; `RedisDecisionStore` (same contract) serves several instances. Besides the
 * current decisions, a store keeps a bounded change feed so gateways can poll "what changed since
 * cursor" cheaply; a cursor that fell off the feed gets a full snapshot flagged `reset`.
 */
import type { Decision, OffenderState } from "./records.js";

export interface DecisionChanges {
  /** Decisions added or changed since the cursor and not removed since (latest version). */
  added: Decision[];
  /** Agents whose decision was removed since the cursor and not re-added. */
  removed: string[];
  /** Pass it back to get the next changes. */
  cursor: string;
  /** True when the cursor was missing or too old: `added` is then the full active set. */
  reset: boolean;
}

/** What a policy (`decide`, `recover` in `policy.ts`) returns: at least the state to store. */
export interface StateChange {
  /** The identical input object when nothing changed. */
  next: OffenderState;
}

export interface UpdateResult<Outcome extends StateChange> {
  outcome: Outcome;
  /** The decision the agent had before the update, if any (expired or not). */
  previous: Decision | undefined;
}

export interface DecisionStore {
  /**
   * Read, apply `policy`, write back: atomic per agent, across instances. A new decision in
   * `next` is indexed and fed to `changesSince`; a decision gone from `next` is removed likewise.
   */
  update<Outcome extends StateChange>(
    agentId: string,
    policy: (state: OffenderState) => Outcome,
  ): Promise<UpdateResult<Outcome>>;
  /** The agent's current decision, until it is removed (callers compare `expiresAt` with their clock). */
  get(agentId: string): Promise<Decision | undefined>;
  list(): Promise<Decision[]>;
  /** Decisions whose `expiresAt` is after `now`. */
  countActive(now: number): Promise<number>;
  /** Decisions whose `expiresAt` is at or before `now`, oldest first. */
  expired(now: number, limit: number): Promise<Decision[]>;
  /**
   * Remove the agent's decision if it is still `expected` (same incident and version), or whatever
   * it is when `expected` is omitted. `forgive` also clears the agent's strikes (a manual unblock
   * says the decision was wrong). Returns the removed decision.
   */
  remove(agentId: string, expected?: Decision, forgive?: boolean): Promise<Decision | undefined>;
  changesSince(cursor: string | undefined): Promise<DecisionChanges>;
  allowlistAdd(entry: string): Promise<boolean>;
  allowlistRemove(entry: string): Promise<boolean>;
  allowlistEntries(): Promise<string[]>;
}

export function sameVersion(a: Decision, b: Decision): boolean {
  return a.incidentKey === b.incidentKey && a.updatedAt === b.updatedAt && a.type === b.type;
}

type Change = { op: "add"; decision: Decision } | { op: "remove"; agentId: string };

/** Folds a run of changes into added/removed, the last change per agent winning. */
export function collapseChanges(changes: Iterable<Change>): Pick<DecisionChanges, "added" | "removed"> {
  const last = new Map<string, Change>();
  for (const change of changes) {
    const agentId = change.op === "add" ? change.decision.agentId : change.agentId;
    last.delete(agentId); // keep feed order for the survivors
    last.set(agentId, change);
  }
  const added: Decision[] = [];
  const removed: string[] = [];
  for (const [agentId, change] of last) {
    if (change.op === "add") added.push(change.decision);
    else removed.push(agentId);
  }
  return { added, removed };
}

export interface MemoryDecisionStoreOptions {
  /** Changes kept for `changesSince`; older cursors get a reset snapshot. */
  maxChanges?: number;
  /** Offender states kept; the least recently offending agent is forgotten first. */
  maxAgents?: number;
}

export class MemoryDecisionStore implements DecisionStore {
  readonly #states = new Map<string, OffenderState>();
  readonly #changes: Array<{ seq: number; change: Change }> = [];
  readonly #allowlist = new Set<string>();
  readonly #maxChanges: number;
  readonly #maxAgents: number;
  #seq = 0;

  constructor(options: MemoryDecisionStoreOptions = {}) {
    this.#maxChanges = options.maxChanges ?? 10_000;
    this.#maxAgents = options.maxAgents ?? 100_000;
  }

  #record(change: Change): void {
    this.#changes.push({ seq: ++this.#seq, change });
    if (this.#changes.length > this.#maxChanges)
      this.#changes.splice(0, this.#changes.length - this.#maxChanges);
  }

  async update<Outcome extends StateChange>(
    agentId: string,
    policy: (state: OffenderState) => Outcome,
  ): Promise<UpdateResult<Outcome>> {
    const state = this.#states.get(agentId) ?? { strikes: 0 };
    const outcome = policy(state);
    if (outcome.next !== state) {
      this.#states.delete(agentId); // re-insert: Map order doubles as recency for eviction
      this.#states.set(agentId, outcome.next);
      if (this.#states.size > this.#maxAgents) this.#evictOne();
      const decision = outcome.next.decision;
      if (decision && decision !== state.decision) this.#record({ op: "add", decision });
      else if (!decision && state.decision) this.#record({ op: "remove", agentId });
    }
    return { outcome, previous: state.decision };
  }

  #evictOne(): void {
    // Never forget an agent with a decision in force: that would silently lift it.
    for (const [agentId, state] of this.#states) {
      if (!state.decision) {
        this.#states.delete(agentId);
        return;
      }
    }
  }

  async get(agentId: string): Promise<Decision | undefined> {
    return this.#states.get(agentId)?.decision;
  }

  /** Agents with a state kept. */
  get size(): number {
    return this.#states.size;
  }

  /** The agent's whole offender state (for the decision journal). */
  stateOf(agentId: string): OffenderState | undefined {
    return this.#states.get(agentId);
  }

  /** Every agent's offender state, least recently offending first (for compacting the journal). */
  states(): IterableIterator<[string, OffenderState]> {
    return this.#states.entries();
  }

  /** Puts back a state read from the decision journal (no change is fed: a restart is a reset). */
  load(agentId: string, state: OffenderState | undefined): void {
    this.#states.delete(agentId);
    if (state) this.#states.set(agentId, state);
  }

  async list(): Promise<Decision[]> {
    const out: Decision[] = [];
    for (const state of this.#states.values()) if (state.decision) out.push(state.decision);
    return out;
  }

  async countActive(now: number): Promise<number> {
    return (await this.list()).filter((d) => d.expiresAt > now).length;
  }

  async expired(now: number, limit: number): Promise<Decision[]> {
    return (await this.list())
      .filter((d) => d.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit);
  }

  async remove(agentId: string, expected?: Decision, forgive = false): Promise<Decision | undefined> {
    const state = this.#states.get(agentId);
    const current = state?.decision;
    if (!state || !current || (expected && !sameVersion(current, expected))) return undefined;
    this.#states.set(agentId, { ...state, decision: undefined, ...(forgive ? { strikes: 0 } : {}) });
    this.#record({ op: "remove", agentId });
    return current;
  }

  async changesSince(cursor: string | undefined): Promise<DecisionChanges> {
    const from = cursor === undefined ? Number.NaN : Number(cursor);
    const oldest = this.#changes[0]?.seq ?? this.#seq + 1;
    const valid = Number.isInteger(from) && from >= 0 && from <= this.#seq && from >= oldest - 1;
    if (!valid) return { added: await this.list(), removed: [], cursor: String(this.#seq), reset: true };
    const since = this.#changes.filter((c) => c.seq > from).map((c) => c.change);
    return { ...collapseChanges(since), cursor: String(this.#seq), reset: false };
  }

  async allowlistAdd(entry: string): Promise<boolean> {
    const had = this.#allowlist.has(entry);
    this.#allowlist.add(entry);
    return !had;
  }

  async allowlistRemove(entry: string): Promise<boolean> {
    return this.#allowlist.delete(entry);
  }

  async allowlistEntries(): Promise<string[]> {
    return [...this.#allowlist].sort();
  }
}
