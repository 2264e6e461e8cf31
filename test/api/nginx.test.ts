// The documented nginx `auth_request` snippet (src/api/nginx-auth-request.conf), run by a real
// nginx in front of a stand-in backend: allowed agents reach the backend, blocked ones get 403,
// throttled ones 429 with Retry-After, and an unreachable agentwatch fails closed with 503.
// Skipped loudly when nginx is not installed (Debian: nginx-light); a failure in CI.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listenStatusServer } from "../../src/api/server.js";
import { issueApiKey } from "../../src/keys/keys.js";
import { requiredInCi } from "../helpers/requirement.js";
import { buildTestServer, makeDecision, makeKeys } from "./helpers.js";

function nginxBinary(): string | undefined {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    try {
      execFileSync(candidate, ["-v"], { stdio: "ignore" });
      return candidate;
    } catch {}
  }
  return undefined;
}

const nginx = nginxBinary();
requiredInCi(nginx !== undefined, "nginx (Debian: nginx-light), for the auth_request snippet test,");

const listenOn = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenOn(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(!nginx)("nginx auth_request snippet", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-nginx-"));
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("allows, blocks, throttles with Retry-After, and fails closed", async () => {
    const gateway = issueApiKey("nginx-edge", ["gateway"]);
    gateway.entry.rateLimit = { perSecond: 10_000, burst: 10_000 };
    const keys = makeKeys();
    const api = buildTestServer({
      keys: { ...keys, entries: [...keys.entries, gateway.entry] },
      options: { port: 0 },
      deps: { now: Date.now },
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

    const snippet = readFileSync(new URL("../../src/api/nginx-auth-request.conf", import.meta.url), "utf8")
      .replace("http://127.0.0.1:8080", apiUrl)
      .replace("aw_REPLACE_WITH_A_GATEWAY_KEY", gateway.key);
    expect(snippet).toContain(gateway.key);
    const port = await freePort();
    writeFileSync(
      join(dir, "nginx.conf"),
      `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port};
${snippet}
  }
}
`,
    );
    const proc: ChildProcess = spawn(nginx as string, ["-p", dir, "-c", join(dir, "nginx.conf")], {
      stdio: "ignore",
    });
    cleanups.push(() => proc.kill("SIGTERM"));
    const call = (agent: string) =>
      fetch(`http://127.0.0.1:${port}/api/orders`, { headers: { "x-agent-id": agent } });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await call("probe");
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    const allowed = await call("billing-bot");
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toBe("backend");
    expect((await call("blocked-bot")).status).toBe(403);
    expect((await call("slow-bot")).status).toBe(200);
    const throttled = await call("slow-bot");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");

    await api.app.close();
    expect((await call("billing-bot")).status).toBe(503);
  });
});
