// The shipped nginx `auth_request` config (examples/gateways/nginx-auth-request/agentwatch.conf),
// run as is by a real nginx in front of a stand-in backend: allowed agents reach the backend,
// blocked ones get 403, throttled ones 429 with Retry-After; an unreachable agentwatch lets
// requests through (fail open, the default) or answers 503 (fail closed).
// Skipped loudly when nginx is not installed (Debian: nginx-light); a failure in CI.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listenStatusServer } from "../../src/api/server.js";
import { issueApiKey } from "../../src/keys/keys.js";
import { identityOptionsSchema } from "../../src/normalize/identity.js";
import { binary, freePort, listenOn } from "../gateways/harness.js";
import { requiredInCi } from "../helpers/requirement.js";
import { buildTestServer, makeDecision, makeKeys } from "./helpers.js";

const nginx = binary(["nginx", "/usr/sbin/nginx"]);
requiredInCi(nginx !== undefined, "nginx (Debian: nginx-light), for the auth_request snippet test,");

describe.skipIf(!nginx)("nginx auth_request snippet", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-nginx-"));
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("allows, blocks, throttles with Retry-After, and fails closed", async () => {
    const gateway = issueApiKey("nginx-edge", ["gateway"]);
    const keys = makeKeys();
    const api = buildTestServer({
      keys: { ...keys, entries: [...keys.entries, gateway.entry] },
      options: { port: 0 },
      deps: {
        now: Date.now,
        input: {
          identity: identityOptionsSchema.parse({
            order: ["header:x-agent-id", "ip"],
            trustedHeaders: ["x-agent-id"],
          }),
          trustedProxies: [],
        },
      },
    });
    const now = Date.now();
    api.decisions.put(makeDecision("blocked-bot", { expiresAt: now + 60_000 }));
    api.decisions.put(
      makeDecision("slow-bot", { type: "throttle", ratePerMinute: 60, expiresAt: now + 60_000 }),
    );
    const apiUrl = await listenStatusServer(api.app, api.options);
    cleanups.push(() => api.app.close());

    const backend = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/plain" }).end("backend"),
    );
    const backendPort = await listenOn(backend);
    cleanups.push(() => new Promise((resolve) => backend.close(resolve)));

    const snippet = readFileSync(
      new URL("../../examples/gateways/nginx-auth-request/agentwatch.conf", import.meta.url),
      "utf8",
    ).replace("http://127.0.0.1:8080", apiUrl);
    expect(snippet).toContain('set $agentwatch_fail "open";');

    async function startNginx(name: string, text: string): Promise<number> {
      const root = join(dir, name);
      mkdirSync(root);
      const port = await freePort();
      writeFileSync(
        join(root, "nginx.conf"),
        `daemon off;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${root}/body; proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fcgi; uwsgi_temp_path ${root}/uwsgi; scgi_temp_path ${root}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port};
${text}
  }
}
`,
      );
      const proc: ChildProcess = spawn(nginx as string, ["-p", root, "-c", join(root, "nginx.conf")], {
        stdio: "ignore",
      });
      cleanups.push(() => proc.kill("SIGTERM"));
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await fetch(`http://127.0.0.1:${port}/`);
          return port;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
    const withKey = snippet.replace("aw_REPLACE_WITH_A_GATEWAY_KEY", gateway.key);
    const open = await startNginx("open", withKey);
    const closed = await startNginx(
      "closed",
      withKey.replace('set $agentwatch_fail "open";', 'set $agentwatch_fail "closed";'),
    );
    const wrongKey = await startNginx("wrong-key", snippet);
    const call = (port: number, agent: string) =>
      fetch(`http://127.0.0.1:${port}/api/orders`, { headers: { "x-agent-id": agent } });

    const allowed = await call(open, "billing-bot");
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toBe("backend");
    expect((await call(open, "blocked-bot")).status).toBe(403);
    expect((await call(closed, "blocked-bot")).status).toBe(403);
    expect((await call(open, "slow-bot")).status).toBe(200);
    const throttled = await call(open, "slow-bot");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    // agentwatch answering an error (here 401 for a wrong key) is no decision: the fail mode applies.
    expect((await call(wrongKey, "blocked-bot")).status).toBe(200);

    await api.app.close();
    expect((await call(open, "billing-bot")).status).toBe(200); // fail open (default)
    expect((await call(closed, "billing-bot")).status).toBe(503); // fail closed
  });
});
