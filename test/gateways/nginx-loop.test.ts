/**
 * The loop, end to end, with a real nginx running the shipped config
 * (examples/gateways/nginx-auth-request/): nginx logs to a file, `agentwatch run` follows it,
 * detects the enumerating agent, and nginx's auth_request refuses it; the benign agent is never
 * refused, the decision's TTL lets the agent pass again, X-Forwarded-For naming an allowlisted
 * network changes nothing, and with agentwatch stopped nginx fails open or closed as configured.
 * Skipped loudly without nginx (Debian: nginx); a failure in CI.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requiredInCi } from "../helpers/requirement.js";
import {
  type Agentwatch,
  binary,
  driveLoop,
  eventually,
  freePort,
  LOOP_TTL_MS,
  sleep,
  startAgentwatch,
  startUpstream,
} from "./harness.js";

const nginx = binary(["nginx", "/usr/sbin/nginx"]);
requiredInCi(nginx !== undefined, "nginx (Debian: nginx), for the gateway loop test,");

const example = (file: string) =>
  readFileSync(new URL(`../../examples/gateways/nginx-auth-request/${file}`, import.meta.url), "utf8");

describe.skipIf(!nginx)("the loop through nginx auth_request", () => {
  const dir = mkdtempSync(join(tmpdir(), "aw-loop-nginx-"));
  const cleanups: Array<() => unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses the enumerating agent within a few requests, never the benign one, until the TTL", async () => {
    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const accessLog = join(dir, "access.jsonl");
    writeFileSync(accessLog, "");
    const agentwatch: Agentwatch = await startAgentwatch(dir, accessLog);
    cleanups.push(agentwatch.stop);

    const snippet = example("agentwatch.conf")
      .replace("http://127.0.0.1:8080", agentwatch.url)
      .replace("aw_REPLACE_WITH_A_GATEWAY_KEY", agentwatch.gatewayKey);
    const open = await freePort();
    const closed = await freePort();
    writeFileSync(
      join(dir, "nginx.conf"),
      `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${example("log-format.conf")}
  upstream backend { server 127.0.0.1:${upstream.port}; keepalive 16; }
  server {
    listen 127.0.0.1:${open};
    access_log ${accessLog} agentwatch;
${snippet}
  }
  server {
    listen 127.0.0.1:${closed};
    access_log ${accessLog} agentwatch;
${snippet.replace('set $agentwatch_fail "open";', 'set $agentwatch_fail "closed";')}
  }
}
`,
    );
    const proc: ChildProcess = spawn(nginx as string, ["-p", dir, "-c", join(dir, "nginx.conf")], {
      stdio: "ignore",
    });
    cleanups.push(() => proc.kill("SIGTERM"));
    const gateway = `http://127.0.0.1:${open}`;
    expect(
      await eventually(async () => (await fetch(`${gateway}/`).catch(() => undefined)) !== undefined, 10_000),
    ).toBe(true);

    // Enumeration through the gateway while a benign agent works beside it.
    const report = await driveLoop(gateway, upstream, 3_000);
    console.info(`nginx loop: ${JSON.stringify(report)}`);
    expect(report.attackerRefused).toBeGreaterThan(0);
    expect(report.attackerReachedAfterFirst).toBeLessThanOrEqual(25);
    expect(report.benignRefused).toBe(0);
    // It claimed an allowlisted network (X-Forwarded-For: 10.20.0.5) all along: enforced anyway.
    const blocked = await fetch(`${gateway}/api/customers/1`, {
      headers: { "x-agent-id": "enum-bot", "x-forwarded-for": "10.20.0.5" },
    });
    expect(blocked.status).toBe(403);

    // The decision's TTL runs out: the agent passes again.
    await sleep(LOOP_TTL_MS);
    const passes = await eventually(async () => {
      const res = await fetch(`${gateway}/api/orders/1`, { headers: { "x-agent-id": "enum-bot" } });
      return res.status === 200;
    }, 3_000);
    expect(passes).toBe(true);

    // agentwatch stopped: the default config keeps serving, the fail-closed one refuses.
    await agentwatch.stop();
    expect(
      (await fetch(`${gateway}/api/orders/1`, { headers: { "x-agent-id": "billing-bot" } })).status,
    ).toBe(200);
    expect(
      (await fetch(`http://127.0.0.1:${closed}/api/orders/1`, { headers: { "x-agent-id": "billing-bot" } }))
        .status,
    ).toBe(503);
  }, 60_000);
});
