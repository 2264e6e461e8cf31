// The status API in front of the real action layer: `actions.decisions` plugs in as the API's
// DecisionSource unchanged; an alert becomes a decision the gateway check enforces, the decisions
// feed shows it, an admin unblock lifts it, and the allowlist shows config and API entries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { actionsOptionsSchema, createActions } from "../../src/actions/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { bearer, buildTestServer, makeAlert } from "./helpers.js";

describe("status API over the real action layer", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aw-api-actions-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("enforces, lists, unblocks and allowlists through actions.decisions", async () => {
    const actions = createActions(
      actionsOptionsSchema.parse({ allowlist: { agents: ["trusted-bot"] }, delivery: { dataDir } }),
      { logger: createLogger({ level: "silent" }) },
    );
    await actions.start();
    const s = buildTestServer({ deps: { decisions: actions.decisions } });
    try {
      await actions.submit(makeAlert("exfil-bot", "high"));
      const deadline = Date.now() + 5000;
      while (!(await actions.decisions.get("exfil-bot")) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const gw = bearer(s.keys.gateway.key);
      const check = () => s.app.inject({ url: "/v1/decisions/check?agent=exfil-bot", headers: gw });
      const blocked = await check();
      expect(blocked.statusCode).toBe(403);
      expect(blocked.headers["x-agentwatch-decision"]).toBe("block");

      const feed = (await s.app.inject({ url: "/v1/decisions", headers: gw })).json();
      expect(feed.decisions.map((d: { agentId: string }) => d.agentId)).toEqual(["exfil-bot"]);
      expect(feed.decisions[0].expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);

      const admin = bearer(s.keys.admin.key);
      const unblock = await s.app.inject({
        method: "POST",
        url: "/v1/agents/exfil-bot/unblock",
        headers: admin,
      });
      expect(unblock.statusCode).toBe(200);
      expect((await check()).statusCode).toBe(204);
      const changes = (await s.app.inject({ url: `/v1/decisions?since=${feed.cursor}`, headers: gw })).json();
      expect(changes.removed).toEqual(["exfil-bot"]);

      const added = await s.app.inject({
        method: "POST",
        url: "/v1/allowlist",
        headers: admin,
        payload: { entry: "10.1.0.0/16" },
      });
      expect(added.statusCode).toBe(201);
      const list = (await s.app.inject({ url: "/v1/allowlist", headers: bearer(s.keys.read.key) })).json();
      expect(list.items).toEqual([
        { entry: "trusted-bot", source: "config" },
        { entry: "10.1.0.0/16", source: "api" },
      ]);
      const removeConfig = await s.app.inject({
        method: "DELETE",
        url: "/v1/allowlist/trusted-bot",
        headers: admin,
      });
      expect(removeConfig.statusCode).toBe(404);

      // Allowlisting an agent lifts the decision already in force against it.
      await actions.submit(makeAlert("partner-bot", "high"));
      while (!(await actions.decisions.get("partner-bot")) && Date.now() < deadline + 5000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const partnerCheck = () => s.app.inject({ url: "/v1/decisions/check?agent=partner-bot", headers: gw });
      expect((await partnerCheck()).statusCode).toBe(403);
      const allowed = await s.app.inject({
        method: "POST",
        url: "/v1/allowlist",
        headers: admin,
        payload: { entry: "partner-bot" },
      });
      expect(allowed.json()).toEqual({ entry: "partner-bot", unblocked: true });
      expect((await partnerCheck()).statusCode).toBe(204);
    } finally {
      await s.app.close();
      await actions.stop();
    }
  });
});
