/**
 * Attack 1, end to end through `agentwatch run`: requests carrying a forged (unsigned) JWT with
 * `sub=billing-bot` and `jti=victim-jti-42`, all refused by the gateway (401), must not frame
 * billing-bot: no decision, no gateway hook call and no revocation names it. A second attacker
 * whose forged JWT the gateway let through (200) is the control: it is alerted on and blocked
 * (so the run does act), but never revoked, as its identity is only claimed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const forged = (sub: string, jti: string) => `${part({ alg: "none", typ: "JWT" })}.${part({ sub, jti })}.`;
const SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

function line(i: number, ip: string, token: string, status: number): string {
  return JSON.stringify({
    time_iso8601: new Date(Date.now() - 600_000 + i * 1000).toISOString(),
    remote_addr: ip,
    request: `GET /api/customers/${10_000 + i} HTTP/1.1`,
    status: String(status),
    body_bytes_sent: "512",
    request_time: "0.010",
    request_id: `req-${ip}-${i}`,
    http_authorization: `Bearer ${token}`,
  });
}

describe("forged JWT framing, through agentwatch run", () => {
  const received: Array<{ path: string; body: string }> = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it("blames no one the forged token names, revokes nothing, and still acts on the control", async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), "aw-framing-"));
    const log = join(dir, "access.jsonl");
    const victim = forged("billing-bot", "victim-jti-42");
    const control = forged("other-bot", "other-jti");
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) lines.push(line(i, "203.0.113.9", victim, 401));
    for (let i = 0; i < 60; i++) lines.push(line(i, "198.51.100.4", control, 200));
    writeFileSync(log, `${lines.join("\n")}\n`);
    const config = join(dir, "framing.yaml");
    writeFileSync(
      config,
      [
        "api:",
        "  enabled: false",
        "input:",
        "  format: nginx-json",
        "actions:",
        "  delivery:",
        `    dataDir: ${join(dir, "data")}`,
        "  sinks:",
        "    - type: gateway",
        "      name: gw",
        `      url: ${base}/gateway`,
        `      secret: ${SECRET}`,
        "    - type: revoke-webhook",
        "      name: revoke",
        `      url: ${base}/revoke`,
        `      secret: ${SECRET}`,
      ].join("\n"),
    );
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "run", log, "--no-follow", "-c", config],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, output).toBe(0);

    const gateway = received.filter((r) => r.path === "/gateway");
    // The control: the run does act on a claimed identity the gateway let through...
    expect(gateway.some((r) => r.body.includes("other-bot"))).toBe(true);
    // ...but nothing names the framed agent or its victim token, and nothing is revoked.
    for (const r of received) {
      expect(r.body).not.toContain("billing-bot");
      expect(r.body).not.toContain("victim-jti-42");
    }
    expect(received.filter((r) => r.path === "/revoke")).toEqual([]);
  }, 30_000);
});
