/**
 * The shipped Caddy config (examples/gateways/caddy-forward-auth/Caddyfile, the Traefik
 * ForwardAuth protocol), run as is by a real Caddy in front of a stand-in upstream: allowed agents
 * reach it, a blocked agent gets 403, a throttled one 429 with Retry-After, the agent is found by
 * its JWT through the client's own Authorization header, and an X-Forwarded-For the client wrote
 * does not make it another client. Skipped loudly without Caddy (Debian: caddy); a failure in CI.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listenStatusServer } from "../../src/api/server.js";
import { issueApiKey } from "../../src/keys/keys.js";
import { identityOptionsSchema } from "../../src/normalize/identity.js";
import { buildTestServer, makeDecision, makeKeys } from "../api/helpers.js";
import { requiredInCi } from "../helpers/requirement.js";
import { binary, eventually, freePort, startUpstream } from "./harness.js";

const caddy = binary(["caddy", "/usr/bin/caddy"], "version");
requiredInCi(caddy !== undefined, "caddy (Debian: caddy), for the forward_auth config test,");

const jwt = (claims: Record<string, unknown>) =>
  ["{}", JSON.stringify(claims)].map((p) => Buffer.from(p).toString("base64url")).join(".") + ".c2ln";

describe.skipIf(!caddy)("Caddy forward_auth config", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-caddy-"));
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("allows, blocks, throttles with Retry-After, by JWT sub and by the real client address", async () => {
    const gateway = issueApiKey("caddy-edge", ["gateway"]);
    const keys = makeKeys();
    const api = buildTestServer({
      keys: { ...keys, entries: [...keys.entries, gateway.entry] },
      options: { port: 0, check: { indexRefreshMs: 10, maxAgeSeconds: 1 } },
      deps: {
        now: Date.now,
        input: { identity: identityOptionsSchema.parse({ order: ["jwt", "ip"] }), trustedProxies: [] },
      },
    });
    const now = Date.now();
    api.decisions.put(makeDecision("jwt-bot", { expiresAt: now + 60_000 }));
    api.decisions.put(
      makeDecision("slow-bot", { type: "throttle", ratePerMinute: 60, expiresAt: now + 60_000 }),
    );
    api.decisions.put(
      makeDecision("203.0.113.9", {
        identity: { kind: "ip", value: "203.0.113.9" },
        expiresAt: now + 60_000,
      }),
    );
    const apiUrl = await listenStatusServer(api.app, api.options);
    cleanups.push(() => api.app.close());
    const upstream = await startUpstream();
    cleanups.push(upstream.close);

    const port = await freePort();
    const config = readFileSync(
      new URL("../../examples/gateways/caddy-forward-auth/Caddyfile", import.meta.url),
      "utf8",
    )
      .replace("127.0.0.1:8080", new URL(apiUrl).host)
      .replace("aw_REPLACE_WITH_A_GATEWAY_KEY", gateway.key)
      .replace("http://:8000", `http://127.0.0.1:${port}`)
      .replace("127.0.0.1:9000", `127.0.0.1:${upstream.port}`);
    writeFileSync(join(dir, "Caddyfile"), config);
    const proc: ChildProcess = spawn(
      caddy as string,
      ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"],
      { stdio: "ignore", env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } },
    );
    cleanups.push(() => proc.kill("SIGTERM"));
    const url = `http://127.0.0.1:${port}/api/orders`;
    const up = await eventually(async () => (await fetch(url).catch(() => undefined)) !== undefined, 10_000);
    expect(up).toBe(true);
    const as = (sub: string, extra: Record<string, string> = {}) =>
      fetch(url, { headers: { authorization: `Bearer ${jwt({ sub })}`, ...extra } });

    const allowed = await as("billing-bot");
    expect(allowed.status).toBe(200);
    expect((await as("jwt-bot")).status).toBe(403);
    expect((await as("slow-bot")).status).toBe(200);
    const throttled = await as("slow-bot");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    // Anonymous and claiming the blocked address: Caddy forwards its real peer (127.0.0.1).
    expect((await fetch(url, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(200);
    expect(upstream.hits.get("-")).toBeGreaterThan(0);
  });
});
