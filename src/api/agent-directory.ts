/**
 * Where the API finds agents. The local directory reads this process's profile store; the Redis
 * directory reads summaries every instance publishes (a hash per agent, a sorted set by risk, an
 * expiry index), so with several instances in one consumer group any of them answers for any
 * agent. `createAgentDirectory` puts the two together: a profile held here is read fresh, anything
 * else comes from Redis.
 *
 * Ordering everywhere: risk descending, then agent id ascending; cursors are keyset positions
 * (risk, agent id), so pages stay consistent while agents come and go.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { SEVERITIES } from "../engine/types.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import type { AgentBrief, AgentDetail, AgentDirectory, AgentListQuery, Tier } from "./deps.js";

/** What the local directory needs from the engine's profile store (the composition root adapts it). */
export interface LocalProfiles {
  ids(): Iterable<string>;
  /** Cheap: risk, tier and last-seen time, called for every agent on a listing. */
  brief(agentId: string): AgentBrief | undefined;
  /** The full readable profile (engine `profiles.summarize`). */
  summarize(agentId: string): object | undefined;
}

const positionSchema = z.object({ r: z.number().min(0).max(1), id: z.string().min(1).max(256) }).strict();
type Position = z.output<typeof positionSchema>;

/** Where an agent sorts: risk descending, then agent id ascending. */
interface Sortable {
  risk: number;
  agentId: string;
}

/** True when `a` sorts before `b`. */
function before(a: Sortable, b: Sortable): boolean {
  return a.risk > b.risk || (a.risk === b.risk && idBefore(a.agentId, b.agentId));
}

/**
 * Code-point order, which is UTF-8 byte order, the order Redis keeps equal scores in. JavaScript's
 * `<` compares UTF-16 units instead and puts astral characters (surrogate pairs) before U+E000-U+FFFF.
 */
function idBefore(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xAstral = x >= 0xd800 && x <= 0xdfff;
    const yAstral = y >= 0xd800 && y <= 0xdfff;
    return xAstral === yAstral ? x < y : yAstral;
  }
  return a.length < b.length;
}

const sortableOf = (position: Position): Sortable => ({ risk: position.r, agentId: position.id });

function matches(brief: AgentBrief, query: AgentListQuery): boolean {
  return (
    (query.tier === undefined || brief.tier === query.tier) &&
    (query.minRisk === undefined || brief.risk >= query.minRisk) &&
    (query.seenSinceMs === undefined || brief.lastSeenMs >= query.seenSinceMs)
  );
}

function detailOf(profiles: LocalProfiles, agentId: string): AgentDetail | undefined {
  const brief = profiles.brief(agentId);
  const profile = brief && profiles.summarize(agentId);
  return brief && profile ? { ...brief, profile } : undefined;
}

const cursorOf = (brief: AgentBrief) => encodeCursor({ r: brief.risk, id: brief.agentId });

export function createLocalAgentDirectory(profiles: LocalProfiles): AgentDirectory {
  return {
    async list(query) {
      const after =
        query.cursor === undefined ? undefined : sortableOf(decodeCursor(positionSchema, query.cursor));
      // The best `limit + 1` in order (one extra tells whether a next page exists), kept by
      // insertion: with many agents and a small page, almost every candidate loses to the last
      // kept one at the first comparison, so a page costs one pass, not a sort of every agent.
      const keep = query.limit + 1;
      const top: AgentBrief[] = [];
      for (const id of profiles.ids()) {
        const brief = profiles.brief(id);
        if (!brief || !matches(brief, query) || (after && !before(after, brief))) continue;
        if (top.length === keep && !before(brief, top[keep - 1] as AgentBrief)) continue;
        let at = top.length;
        while (at > 0 && before(brief, top[at - 1] as AgentBrief)) at--;
        top.splice(at, 0, brief);
        if (top.length > keep) top.pop();
      }
      const items = top.slice(0, query.limit);
      const lastItem = items[items.length - 1];
      return { items, nextCursor: top.length > query.limit && lastItem ? cursorOf(lastItem) : null };
    },
    async get(agentId) {
      return detailOf(profiles, agentId);
    },
  };
}

export interface RedisDirectoryOptions {
  /** Key prefix shared by all instances of one deployment, e.g. `agentwatch:`. */
  prefix: string;
  /** How long a published summary stays visible without being refreshed. */
  ttlSeconds: number;
  /** Entries examined per listing request at most, bounding its latency with heavy filters. */
  maxScan?: number;
}

const TIER_SET = new Set<string>(["none", ...SEVERITIES]);
const FIELDS = ["risk", "tier", "lastSeenMs"] as const;

function keys(prefix: string) {
  return {
    agent: (id: string) => `${prefix}agent:${id}`,
    // Score is -risk so ascending order is risk descending, ties by member (agent id) ascending.
    byRisk: `${prefix}agents:by-risk`,
    expiry: `${prefix}agents:expiry`,
  };
}

function briefFromHash(agentId: string, values: ReadonlyArray<string | null>): AgentBrief | undefined {
  const [risk, tier, lastSeenMs] = values;
  if (risk == null || tier == null || lastSeenMs == null || !TIER_SET.has(tier)) return undefined;
  return { agentId, risk: Number(risk), tier: tier as Tier, lastSeenMs: Number(lastSeenMs) };
}

/** Reads agent summaries that every instance publishes with `createAgentPublisher`. */
export function createRedisAgentDirectory(redis: Redis, options: RedisDirectoryOptions): AgentDirectory {
  const k = keys(options.prefix);
  const maxScan = options.maxScan ?? 5_000;
  const chunk = 200;
  return {
    async list(query) {
      const after =
        query.cursor === undefined ? undefined : sortableOf(decodeCursor(positionSchema, query.cursor));
      const min = after ? -after.risk : "-inf";
      const max = query.minRisk === undefined ? "+inf" : -query.minRisk;
      const items: AgentBrief[] = [];
      let scanned = 0;
      let offset = 0;
      let lastExamined: AgentBrief | undefined;
      while (scanned < maxScan) {
        const raw = await redis.zrangebyscore(k.byRisk, min, max, "WITHSCORES", "LIMIT", offset, chunk);
        if (raw.length === 0) return { items, nextCursor: null };
        offset += raw.length / 2;
        const members: string[] = [];
        for (let i = 0; i < raw.length; i += 2) {
          const id = raw[i] as string;
          if (after && !before(after, { risk: -Number(raw[i + 1]), agentId: id })) continue;
          members.push(id);
        }
        const pipeline = redis.pipeline();
        for (const id of members) pipeline.hmget(k.agent(id), ...FIELDS);
        const replies = (await pipeline.exec()) ?? [];
        const stale: string[] = [];
        for (const [index, id] of members.entries()) {
          scanned += 1;
          const brief = briefFromHash(id, (replies[index]?.[1] as Array<string | null>) ?? []);
          if (!brief) {
            stale.push(id);
            continue;
          }
          lastExamined = brief;
          if (!matches(brief, query)) continue;
          items.push(brief);
          // One match past the page proves a next page exists: the last page's cursor is null.
          if (items.length > query.limit) {
            const page = items.slice(0, query.limit);
            return { items: page, nextCursor: cursorOf(page[page.length - 1] as AgentBrief) };
          }
        }
        // The hash expired before the index caught up: drop the dangling index entries (and
        // step back over them, or the next chunk would skip as many live ones).
        if (stale.length > 0) {
          await redis.zrem(k.byRisk, ...stale);
          offset -= stale.length;
        }
      }
      // Scan budget spent: hand back a cursor at the last examined entry, the client continues.
      return { items, nextCursor: lastExamined ? cursorOf(lastExamined) : null };
    },
    async get(agentId) {
      const [risk, tier, lastSeenMs, profile] = await redis.hmget(k.agent(agentId), ...FIELDS, "profile");
      const brief = briefFromHash(agentId, [risk ?? null, tier ?? null, lastSeenMs ?? null]);
      return brief && profile ? { ...brief, profile: JSON.parse(profile) as object } : undefined;
    },
  };
}

/** Local profiles first (fresh), then what the other instances published. */
export function createAgentDirectory(local: AgentDirectory, shared?: AgentDirectory): AgentDirectory {
  if (!shared) return local;
  return {
    // Every instance publishes its own agents too, so the shared index is the complete listing.
    list: (query) => shared.list(query),
    async get(agentId) {
      return (await local.get(agentId)) ?? shared.get(agentId);
    },
  };
}

const PRUNE_SCRIPT = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #ids > 0 then
  redis.call('ZREM', KEYS[1], unpack(ids))
  redis.call('ZREM', KEYS[2], unpack(ids))
end
return #ids`;

export interface AgentPublisher {
  /** Publishes agents seen since the previous call; returns how many. */
  publishChanged(): Promise<number>;
  /** Publishes every `intervalMs` until `stop`. */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export interface AgentPublisherOptions extends RedisDirectoryOptions {
  logger?: { warn(obj: object, msg: string): void };
  /** Wall clock for expiry bookkeeping. */
  now?: () => number;
}

/**
 * Publishes this instance's agents to Redis. Only agents whose latest event is at or after the
 * previous round's newest event are re-published (risk changes only with events), so a round
 * costs one pass over briefs plus a summary per active agent.
 */
export function createAgentPublisher(
  profiles: LocalProfiles,
  redis: Redis,
  options: AgentPublisherOptions,
): AgentPublisher {
  const k = keys(options.prefix);
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  const batch = 500;
  let watermark = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  // Atomic, so an agent another instance refreshes meanwhile is never dropped from the index.
  const prune = (nowMs: number) => redis.eval(PRUNE_SCRIPT, 2, k.expiry, k.byRisk, nowMs);

  async function publishChanged(): Promise<number> {
    // One cheap pass picks the agents to publish; summaries are built a batch at a time between
    // Redis round trips, so a large round never holds the event loop (and the pipeline) for long.
    const changed: string[] = [];
    let newest = watermark;
    for (const id of profiles.ids()) {
      const brief = profiles.brief(id);
      if (!brief || brief.lastSeenMs < watermark) continue;
      changed.push(id);
      newest = Math.max(newest, brief.lastSeenMs);
    }
    const nowMs = now();
    let published = 0;
    for (let start = 0; start < changed.length; start += batch) {
      const pipeline = redis.pipeline();
      for (const id of changed.slice(start, start + batch)) {
        const detail = detailOf(profiles, id);
        if (!detail) continue; // evicted since the pass
        const key = k.agent(id);
        pipeline.hset(key, {
          risk: detail.risk,
          tier: detail.tier,
          lastSeenMs: detail.lastSeenMs,
          profile: JSON.stringify(detail.profile),
        });
        pipeline.pexpire(key, ttlMs);
        pipeline.zadd(k.byRisk, -detail.risk, id);
        pipeline.zadd(k.expiry, nowMs + ttlMs, id);
        published += 1;
      }
      await pipeline.exec();
    }
    await prune(nowMs);
    watermark = newest;
    return published;
  }

  return {
    publishChanged,
    start(intervalMs) {
      let busy = false;
      timer = setInterval(() => {
        // A slow Redis must not stack rounds on top of each other.
        if (busy) return;
        busy = true;
        running = publishChanged()
          .catch((error: unknown) =>
            options.logger?.warn({ err: error }, "publishing agent summaries to redis failed"),
          )
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
