/**
 * The embedded mode's durable decisions: the in-memory store, with every change appended to a
 * journal (`<dataDir>/decisions.jsonl`) before the change is reported done, so a decision acted
 * on (its alert acked off the queue afterwards) survives a SIGKILL; fsync'd within 100 ms. On open the
 * journal is replayed (the last line per agent wins) and compacted: rewritten atomically with one
 * line per agent that has a state, and the allowlist. It is compacted again once it holds far
 * more lines than agents. A line that cannot be read (a write cut short by the kill) is counted
 * and skipped. With Redis, the Redis store is the shared durable one and this is not used.
 *
 * Lines: `{"agent": id, "state": OffenderState | null}` and `{"allow": entry, "on": boolean}`;
 * whatever the decision type is, it is stored as the store holds it.
 */
import { type FileHandle, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import {
  type DecisionChanges,
  type DecisionStore,
  MemoryDecisionStore,
  type MemoryDecisionStoreOptions,
  type StateChange,
  type UpdateResult,
} from "./decision-store.js";
import type { Decision, OffenderState } from "./records.js";

/** Longest time a written line waits for its fsync. */
const SYNC_DELAY_MS = 100;

type JournalLine = { agent: string; state: OffenderState | null } | { allow: string; on: boolean };

export class JournaledDecisionStore implements DecisionStore {
  readonly #memory: MemoryDecisionStore;
  #file: FileHandle | undefined;
  #lines = 0;
  #syncTimer: NodeJS.Timeout | undefined;
  /** Journal writes, one at a time and in order. */
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    options: MemoryDecisionStoreOptions,
    private readonly logger: Logger,
  ) {
    this.#memory = new MemoryDecisionStore(options);
  }

  static async open(
    path: string,
    options: MemoryDecisionStoreOptions,
    logger: Logger,
  ): Promise<JournaledDecisionStore> {
    const store = new JournaledDecisionStore(path, options, logger);
    await store.#replay();
    await store.#compact();
    return store;
  }

  async #replay(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    let unreadable = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const entry = JSON.parse(line) as JournalLine;
        if ("agent" in entry && typeof entry.agent === "string")
          this.#memory.load(entry.agent, entry.state ?? undefined);
        else if ("allow" in entry && typeof entry.allow === "string") {
          if (entry.on) await this.#memory.allowlistAdd(entry.allow);
          else await this.#memory.allowlistRemove(entry.allow);
        } else unreadable++;
      } catch {
        unreadable++;
      }
    }
    if (unreadable > 0)
      this.logger.warn({ unreadable, path: this.path }, "decision journal lines unreadable; skipped");
    const decisions = (await this.#memory.list()).length;
    this.logger.info({ decisions, path: this.path }, "decisions restored from journal");
  }

  /** Rewrites the journal as the current state, atomically, and reopens it for appending. */
  async #compact(): Promise<void> {
    const lines: string[] = [];
    for (const [agent, state] of this.#memory.states()) lines.push(JSON.stringify({ agent, state }));
    for (const allow of await this.#memory.allowlistEntries())
      lines.push(JSON.stringify({ allow, on: true }));
    const temporary = `${this.path}.tmp`;
    const file = await open(temporary, "w", 0o600);
    try {
      await file.writeFile(lines.length > 0 ? `${lines.join("\n")}\n` : "");
      await file.sync();
    } finally {
      await file.close();
    }
    await this.#file?.close();
    await rename(temporary, this.path);
    const directory = await open(dirname(this.path), "r");
    await directory.sync().finally(() => directory.close());
    this.#file = await open(this.path, "a", 0o600);
    this.#lines = lines.length;
  }

  /**
   * Appends; resolves once the line is written to the file, which a killed process cannot undo.
   * The fsync that makes it survive a power loss follows within SYNC_DELAY_MS, shared by every
   * line written meanwhile: an fsync per decision would slow a flood of alerts to the disk's pace.
   */
  #append(entry: JournalLine): Promise<void> {
    const write = this.#writing.then(async () => {
      await this.#file?.appendFile(`${JSON.stringify(entry)}\n`);
      this.#syncTimer ??= setTimeout(() => {
        this.#syncTimer = undefined;
        // Beside the chain, not in it: appends go on while the disk syncs.
        this.#file
          ?.datasync()
          .catch((error: Error) => this.logger.warn({ err: error }, "journal fsync failed"));
      }, SYNC_DELAY_MS);
      this.#lines++;
      if (this.#lines > 10_000 + 4 * this.#memory.size) await this.#compact();
    });
    this.#writing = write.catch(() => undefined);
    return write;
  }

  #journalAgent(agentId: string): Promise<void> {
    return this.#append({ agent: agentId, state: this.#memory.stateOf(agentId) ?? null });
  }

  async update<Outcome extends StateChange>(
    agentId: string,
    policy: (state: OffenderState) => Outcome,
  ): Promise<UpdateResult<Outcome>> {
    const before = this.#memory.stateOf(agentId);
    const result = await this.#memory.update(agentId, policy);
    // Not awaited: the action layer awaits `flushed()` before it acks the record that decided,
    // which is what durability needs, and a flood of alerts is decided at memory speed.
    if (this.#memory.stateOf(agentId) !== before)
      this.#journalAgent(agentId).catch((error: Error) =>
        this.logger.error({ err: error }, "decision journal write failed"),
      );
    return result;
  }

  async remove(agentId: string, expected?: Decision, forgive = false): Promise<Decision | undefined> {
    const removed = await this.#memory.remove(agentId, expected, forgive);
    if (removed) await this.#journalAgent(agentId);
    return removed;
  }

  async allowlistAdd(entry: string): Promise<boolean> {
    const added = await this.#memory.allowlistAdd(entry);
    if (added) await this.#append({ allow: entry, on: true });
    return added;
  }

  async allowlistRemove(entry: string): Promise<boolean> {
    const removed = await this.#memory.allowlistRemove(entry);
    if (removed) await this.#append({ allow: entry, on: false });
    return removed;
  }

  get(agentId: string): Promise<Decision | undefined> {
    return this.#memory.get(agentId);
  }
  list(): Promise<Decision[]> {
    return this.#memory.list();
  }
  countActive(now: number): Promise<number> {
    return this.#memory.countActive(now);
  }
  expired(now: number, limit: number): Promise<Decision[]> {
    return this.#memory.expired(now, limit);
  }
  changesSince(cursor: string | undefined): Promise<DecisionChanges> {
    return this.#memory.changesSince(cursor);
  }
  allowlistEntries(): Promise<string[]> {
    return this.#memory.allowlistEntries();
  }

  /** Resolves once every change made so far is written to the journal. */
  flushed(): Promise<void> {
    return this.#writing;
  }

  async close(): Promise<void> {
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#writing;
    await this.#file?.datasync();
    await this.#file?.close();
    this.#file = undefined;
  }
}
