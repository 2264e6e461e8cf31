// The in-process stores behind the API: pages of the local agent directory equal a full sort
// whatever the page size, ties and filters; the memory alert log keeps its bound and its cursors.
import { describe, expect, it } from "vitest";
import { createLocalAgentDirectory } from "../../src/api/agent-directory.js";
import { createMemoryAlertLog } from "../../src/api/alert-log.js";
import type { AgentDirectory, AgentListQuery } from "../../src/api/deps.js";
import { collectPages, FakeProfiles, makeAlert, makeSummary, NOW } from "./helpers.js";

async function walk(directory: AgentDirectory, query: Omit<AgentListQuery, "cursor">): Promise<string[]> {
  const items = await collectPages(async (cursor) => {
    const page = await directory.list({ ...query, cursor });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    return page;
  });
  return items.map((a) => a.agentId);
}

describe("local agent directory", () => {
  it("pages through exactly the fully sorted, filtered list", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const profiles = new FakeProfiles();
    const tiers = ["none", "low", "medium", "high", "critical"] as const;
    for (let i = 0; i < 400; i++) {
      // Few distinct risks: many ties, ordered by agent id.
      const risk = Math.round(random() * 10) / 10;
      profiles.add(
        makeSummary(`agent-${Math.floor(random() * 1e6)}-${i}`, risk, tiers[i % 5] ?? "none", NOW - i),
      );
    }
    const all = [...profiles.agents.values()].sort(
      (a, b) => b.risk - a.risk || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0),
    );
    const directory = createLocalAgentDirectory(profiles);
    for (const limit of [1, 7, 50, 399, 400, 500]) {
      expect(await walk(directory, { limit })).toEqual(all.map((a) => a.agentId));
    }
    const filtered = all.filter((a) => a.risk >= 0.5 && a.tier === "high" && a.lastSeenMs >= NOW - 200);
    expect(await walk(directory, { limit: 3, minRisk: 0.5, tier: "high", seenSinceMs: NOW - 200 })).toEqual(
      filtered.map((a) => a.agentId),
    );
  });
});

describe("memory alert log", () => {
  it("keeps the newest alerts up to its capacity, once each, with exclusive cursors", async () => {
    const log = createMemoryAlertLog(50);
    const alerts = Array.from({ length: 80 }, (_, i) => makeAlert(`agent-${i % 4}`, "medium", NOW + i));
    for (const alert of alerts) await log.append(alert);
    await log.append(alerts[79] as (typeof alerts)[number]);
    const ids = (await collectPages((cursor) => log.list({ limit: 7, cursor }))).map((a) => a.id);
    expect(ids).toEqual(
      alerts
        .slice(30)
        .reverse()
        .map((a) => a.id),
    );
    const agent2 = await log.list({ agentId: "agent-2", limit: 100 });
    expect(agent2.items.map((a) => a.id)).toEqual(
      alerts
        .filter((a, i) => i >= 30 && a.agentId === "agent-2")
        .reverse()
        .map((a) => a.id),
    );
  });
});
