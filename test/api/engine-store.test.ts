// The status API over the real engine: events flow through createEngine, the API lists the
// attacked agent first with its tier, shows its readable profile and reasons, and the metrics
// pulled from engine.stats() move with the traffic.
import { describe, expect, it } from "vitest";
import { createLocalAgentDirectory } from "../../src/api/agent-directory.js";
import { createEngine, engineOptionsSchema } from "../../src/engine/engine.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { ev, SECOND, T0 } from "../helpers/events.js";
import { bearer, buildTestServer } from "./helpers.js";

describe("status API over the real engine", () => {
  it("lists, explains and counts what the engine saw", async () => {
    const options = engineOptionsSchema.parse({});
    const engine = createEngine(options);
    const metrics = createMetrics({ processMetrics: false });
    metrics.bindSources({ engine: () => engine.stats() });
    const s = buildTestServer({
      deps: { agents: createLocalAgentDirectory(engine.profiles), metrics },
    });
    const read = bearer(s.keys.read.key);
    const scrape = async () => (await s.app.inject({ url: "/metrics", headers: read })).body;
    expect(await scrape()).toContain("agentwatch_profiles_tracked 0");

    const alerts = [];
    for (let i = 0; i < 60; i++) {
      engine.process(
        ev({ agentId: "reporting-bot", path: "/v1/reports/daily", timestamp: T0 + i * 10 * SECOND }),
      );
      const probe = ev({
        agentId: "scraper",
        path: `/v1/customers/${1000 + i}`,
        status: 404,
        clientIp: "198.51.100.9",
        timestamp: T0 + i * SECOND,
      });
      const alert = engine.process(probe);
      if (alert) alerts.push(alert);
    }
    expect(alerts.length).toBeGreaterThan(0);

    const list = (await s.app.inject({ url: "/v1/agents", headers: read })).json();
    expect(list.items.map((a: { agentId: string }) => a.agentId)).toEqual(["scraper", "reporting-bot"]);
    expect(list.items[0].tier).not.toBe("none");
    expect(list.items[0].tier).toBe(alerts[alerts.length - 1]?.severity);
    expect(list.items[1]).toMatchObject({ risk: 0, tier: "none" });
    expect(list.items[0].lastSeen).toBe(new Date(T0 + 59 * SECOND).toISOString());

    const detail = (await s.app.inject({ url: "/v1/agents/scraper", headers: read })).json();
    expect(detail.agent.risk).toBe(list.items[0].risk);
    expect(detail.profile.endpoints[0].template).toBe("/v1/customers/{id}");
    expect(detail.profile.risk.reasons.map((r: { detector: string }) => r.detector)).toContain("enumeration");

    const after = await scrape();
    expect(after).toContain("agentwatch_profiles_tracked 2");
    expect(after).toMatch(/agentwatch_findings_total\{detector="enumeration"\} [1-9]\d*/);
    const severity = alerts[0]?.severity as string;
    expect(after).toMatch(new RegExp(`agentwatch_alerts_total\\{severity="${severity}"\\} [1-9]`));
    await s.app.close();
  });
});
