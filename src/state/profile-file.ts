/**
 * Profile snapshots on disk, for `agentwatch run` on files or stdin (Kafka has its changelog):
 * every profile the engine holds, in the profile snapshot encoding of `src/profile/snapshot.ts`,
 * written every `interval` and on stop, and read back before the first line of the next start.
 *
 * File: JSON lines. A header (`format`, `v`, `agents`), one line per agent, least recently
 * active first (so restoring keeps the store's recency order), and an `end` line with the count.
 * Written to a temporary file, fsync'd, renamed over the previous snapshot and the directory
 * fsync'd: a crash leaves the old snapshot or the new one, never half of one. A snapshot that
 * cannot be read (truncated, another version, not ours) is reported with INVALID_SNAPSHOT, moved
 * aside to `<file>.unreadable` for inspection, and the run starts with empty profiles.
 */
import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";

const FORMAT = "agentwatch-profiles";
const VERSION = 1;

/** What of the engine's profile store a snapshot needs. */
export interface SnapshotProfiles {
  ids(): IterableIterator<string>;
  serialize(agentId: string): string | undefined;
  restore(agentId: string, data: string): void;
}

export interface RestoreReport {
  /** Profiles restored. */
  restored: number;
  /** Profiles in the file that this configuration cannot use (their layout or options changed). */
  skipped: number;
  /** Why the whole file was not used, when it was not. */
  unreadable?: string;
}

/** Writes the whole store to `path` atomically; returns the number of profiles written. */
export async function writeProfileSnapshot(path: string, profiles: SnapshotProfiles): Promise<number> {
  const lines: string[] = [];
  for (const agentId of profiles.ids()) {
    const profile = profiles.serialize(agentId);
    if (profile !== undefined) lines.push(`{"agent":${JSON.stringify(agentId)},"profile":${profile}}`);
  }
  const header = JSON.stringify({ format: FORMAT, v: VERSION, agents: lines.length, savedAt: new Date() });
  const text = `${header}\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}${JSON.stringify({ end: true, agents: lines.length })}\n`;
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return lines.length;
}

/** Reads `path` into `profiles`; a missing file is a first start, an unreadable one is moved aside. */
export async function restoreProfileSnapshot(
  path: string,
  profiles: SnapshotProfiles,
  logger: Logger,
): Promise<RestoreReport> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { restored: 0, skipped: 0 };
    return unreadable(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`, logger);
  }
  const parsed = parseSnapshot(text);
  if (typeof parsed === "string") return unreadable(path, parsed, logger);
  let restored = 0;
  let skipped = 0;
  for (const { agent, profile } of parsed) {
    try {
      profiles.restore(agent, JSON.stringify(profile));
      restored++;
    } catch {
      skipped++;
    }
  }
  if (skipped > 0)
    logger.warn(
      { code: "INVALID_SNAPSHOT", skipped },
      "profiles that do not fit this configuration were skipped",
    );
  logger.info({ restored, path }, "profiles restored from snapshot");
  return { restored, skipped };
}

/** The agent lines of a complete snapshot, or why it is not one. */
function parseSnapshot(text: string): Array<{ agent: string; profile: unknown }> | string {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let header: { format?: unknown; v?: unknown; agents?: unknown };
  let end: { end?: unknown; agents?: unknown };
  try {
    header = JSON.parse(lines[0] ?? "");
    end = JSON.parse(lines.at(-1) ?? "");
  } catch {
    return "truncated or not a snapshot";
  }
  if (header?.format !== FORMAT) return "not an agentwatch profile snapshot";
  if (header.v !== VERSION) return `snapshot version ${String(header.v)}, this version reads ${VERSION}`;
  const count = lines.length - 2;
  if (end?.end !== true || end.agents !== header.agents || header.agents !== count) return "truncated";
  const agents: Array<{ agent: string; profile: unknown }> = [];
  for (const line of lines.slice(1, -1)) {
    try {
      const entry = JSON.parse(line) as { agent?: unknown; profile?: unknown };
      if (typeof entry.agent !== "string") return "malformed agent line";
      agents.push({ agent: entry.agent, profile: entry.profile });
    } catch {
      return "malformed agent line";
    }
  }
  return agents;
}

async function unreadable(path: string, reason: string, logger: Logger): Promise<RestoreReport> {
  const aside = `${path}.unreadable`;
  await rename(path, aside).catch(() => undefined);
  logger.error(
    { code: "INVALID_SNAPSHOT", reason, movedTo: aside },
    "profile snapshot unreadable; starting with empty profiles",
  );
  return { restored: 0, skipped: 0, unreadable: reason };
}

/**
 * Saves every `intervalMs` (never two saves at once) and once more on `stop`. Failures are logged
 * and retried at the next tick: a full disk must not stop detection.
 */
export class ProfileSnapshotter {
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly profiles: SnapshotProfiles,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.save(), this.intervalMs);
    this.#timer.unref();
  }

  save(): Promise<void> {
    this.#saving ??= (async () => {
      try {
        const written = await writeProfileSnapshot(this.path, this.profiles);
        this.logger.debug({ profiles: written }, "profile snapshot written");
      } catch (error) {
        this.logger.error({ err: error }, "profile snapshot failed; will retry");
      } finally {
        this.#saving = undefined;
      }
    })();
    return this.#saving;
  }

  /** Stops the timer and writes a last snapshot (after the one in progress, if any). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#saving;
    await this.save();
  }
}
