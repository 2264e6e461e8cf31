/** probing: bursts of 401/403/404/405 across distinct endpoints, scanner paths, refused privileged writes. */
import { describe, expect, it } from "vitest";
import { probing } from "../../detectors/probing.js";
import { benignStream, ev, HOUR, SECOND, T0 } from "../helpers/events.js";
import { runDetector } from "./harness.js";

describe("probing", () => {
  it("flags a burst of 401/403/404/405 across distinct endpoints from a brand-new agent", () => {
    const paths = [
      "/v1/users",
      "/v1/admin",
      "/v1/billing",
      "/v1/keys",
      "/v1/config",
      "/v1/export",
      "/v1/debug/vars",
    ];
    const events = paths.map((path, i) =>
      ev({ agentId: "scanner", timestamp: T0 + i * SECOND, path, status: i % 2 ? 403 : 404 }),
    );
    const run = runDetector(probing, events);
    const last = run.findings.at(-1);
    expect(last?.detail).toMatch(
      /^7 distinct endpoints answered 401\/403\/404\/405 in ~10 min \(100% of requests; agent's usual: /,
    );
    expect(last?.score).toBeGreaterThanOrEqual(0.5);
  });

  describe.each([401, 405])("a burst answered %i only", (status) => {
    const paths = ["/v1/users", "/v1/admin", "/v1/billing", "/v1/keys", "/v1/config", "/v1/export", "/v1/x"];
    const burst = (code: number) =>
      paths.map((path, i) => ev({ agentId: "scanner", timestamp: T0 + i * SECOND, path, status: code }));

    it("is probing, weighed exactly as the same burst answered 404", () => {
      const run = runDetector(probing, burst(status));
      // The window decays, so the fifth endpoint counts a hair under 5: the sixth crosses minDistinct.
      expect(run.findings.map((f) => f.at)).toEqual([5, 6]);
      expect(run.findings[0]?.detail).toBe(
        "6 distinct endpoints answered 401/403/404/405 in ~10 min (100% of requests; agent's usual: 0%)",
      );
      expect(run.findings[0]?.score).toBeGreaterThan(0.4);
      expect(run.findings[1]?.score).toBeGreaterThan(run.findings[0]?.score ?? 1);
      expect(run.findings).toEqual(runDetector(probing, burst(404)).findings);
    });

    it("counts it in the agent's usual share: a warm agent mostly answered so is not probing", () => {
      // Three requests in five of its own workflow answered `status`; an hour later, the burst.
      const habitual = benignStream(300).map((e, i) => (i % 5 < 3 ? { ...e, status } : e));
      const next = (habitual.at(-1)?.timestamp ?? 0) + HOUR;
      const later = burst(status).map((e, i) => ({ ...e, agentId: "agent-1", timestamp: next + i * SECOND }));
      const run = runDetector(probing, habitual);
      expect(run.findings).toEqual([]);
      expect(run.feed(later)).toEqual([]);
      // The control: the same agent with a clean history is probing on the same burst.
      const clean = runDetector(probing, benignStream(300));
      const found = clean.feed(later);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]?.detail).toMatch(/ of requests; agent's usual: 0\.0%\)$/);
    });
  });

  it("does not count other 4xx (400, 410, 429) as probing", () => {
    for (const status of [400, 410, 429]) {
      const events = ["/v1/users", "/v1/admin", "/v1/billing", "/v1/keys", "/v1/config", "/v1/export"].map(
        (path, i) => ev({ agentId: "s", timestamp: T0 + i * SECOND, path, status }),
      );
      expect(runDetector(probing, events).findings, `status ${status}`).toEqual([]);
    }
  });

  it("flags a refused privileged write on 403 only: 401 and 405 on it are not a denied write", () => {
    const warm = benignStream(300);
    const next = (warm.at(-1)?.timestamp ?? 0) + SECOND;
    for (const status of [401, 405]) {
      const run = runDetector(probing, warm);
      expect(
        run.feed([ev({ timestamp: next, method: "PUT", path: "/v1/admin/settings", status })]),
        `status ${status}`,
      ).toEqual([]);
    }
  });

  it("flags scanner paths, and more when they come with probing", () => {
    const alone = runDetector(probing, [ev({ agentId: "s", path: "/.env", status: 404 })]);
    expect(alone.findings[0]?.detail).toMatch(/scanner-style paths requested .* this one "\/.env"/);
    const scan = [
      "/.env",
      "/.git/config",
      "/wp-login.php",
      "/openapi.json",
      "/v1/internal",
      "/v1/x",
      "/v1/y",
      "/v1/z",
    ];
    const run = runDetector(
      probing,
      scan.map((path, i) =>
        ev({ agentId: "s", timestamp: T0 + i * SECOND, path, status: i === 3 ? 200 : 404 }),
      ),
    );
    expect(Math.max(...run.findings.map((f) => f.score))).toBeGreaterThan(alone.findings[0]?.score ?? 1);
  });

  it("is silent on an agent's occasional 404s on its own endpoints", () => {
    const events = benignStream(500).map((e, i) => (i % 25 === 0 ? { ...e, status: 404 } : e));
    expect(runDetector(probing, events).findings).toEqual([]);
  });

  it("is silent when errors stay on one endpoint (that is enumeration's business)", () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      ev({ agentId: "e", timestamp: T0 + i * SECOND, path: `/v1/customers/${9000 + i}`, status: 404 }),
    );
    expect(runDetector(probing, events).findings).toEqual([]);
  });

  it("flags a privileged write the API refused, but not a refused read", () => {
    const warm = benignStream(300);
    const next = (warm.at(-1)?.timestamp ?? 0) + SECOND;
    const run = runDetector(probing, warm);
    expect(run.feed([ev({ timestamp: next, path: "/v1/orders/1001", status: 403 })])).toEqual([]);
    const [denied] = run.feed([
      ev({ timestamp: next + SECOND, method: "PUT", path: "/v1/admin/settings", status: 403 }),
    ]);
    expect(denied?.score).toBeGreaterThanOrEqual(0.5);
    expect(denied?.detail).toMatch(/PUT \/v1\/admin\/settings refused with 403: a denied privileged write/);
  });
});
