/**
 * The loop end to end, for any gateway: a tiny upstream that counts what reaches it,
 * `agentwatch run` following the gateway's access log with a gateway key and short TTLs, and a
 * driver that sends a benign agent and an enumerating one (about 50 requests/s) through the
 * gateway. Each gateway's test starts its real binary with the config shipped in
 * examples/gateways/<name>/ and asserts on what the driver reports.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { issueApiKey } from "../../src/keys/keys.js";

export function binary(candidates: string[], versionFlag = "-v"): string | undefined {
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, [versionFlag], { stdio: "ignore" });
      return candidate;
    } catch {}
  }
  return undefined;
}

export const listenOn = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenOn(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Upstream that answers 200 and counts requests per agent (X-Agent-Id). */
export async function startUpstream() {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const agent = String(req.headers["x-agent-id"] ?? "-");
    hits.set(agent, (hits.get(agent) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  const port = await listenOn(server);
  return { port, hits, close: () => new Promise((resolve) => server.close(resolve)) };
}

export interface Agentwatch {
  url: string;
  gatewayKey: string;
  child: ChildProcess;
  output: { text: string };
  stop(): Promise<void>;
}

/** TTL of every decision in the loop tests: long enough to see, short enough to wait out. */
export const LOOP_TTL_MS = 3_000;

/**
 * `agentwatch run <accessLog>` from source, identity by X-Agent-Id (the test's gateway passes the
 * client's; a real one sets it) then the client address, 10.20.0.0/16 allowlisted.
 */
export async function startAgentwatch(dir: string, accessLog: string): Promise<Agentwatch> {
  const gateway = issueApiKey("edge", ["gateway"]);
  const config = join(dir, "agentwatch.yaml");
  const ttl = `${LOOP_TTL_MS}ms`;
  writeFileSync(
    config,
    [
      "input:",
      "  format: nginx-json",
      "  identity:",
      '    order: ["header:x-agent-id", "ip"]',
      '    trustedHeaders: ["x-agent-id"]',
      "api:",
      "  port: 0",
      "  keys:",
      `    - { name: edge, sha256: ${gateway.entry.sha256}, scopes: [gateway] }`,
      "actions:",
      "  tiers: { medium: [block], high: [block], critical: [block, revoke] }",
      "  decisions:",
      `    ttl: { throttle: ${ttl}, block: ${ttl}, revoke: ${ttl} }`,
      "    sweepInterval: 100ms",
      "  allowlist:",
      '    cidrs: ["10.20.0.0/16"]',
      "  delivery:",
      `    dataDir: ${join(dir, "data")}`,
    ].join("\n"),
  );
  const output = { text: "" };
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", accessLog, "-c", config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output.text += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output.text += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    url = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output.text)?.[1];
    if (child.exitCode !== null) throw new Error(`agentwatch exited: ${output.text.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`agentwatch did not start: ${output.text.slice(-2000)}`);
    await sleep(50);
  }
  return {
    url,
    gatewayKey: gateway.key,
    child,
    output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface LoopReport {
  /** Attacker requests the gateway let through to the upstream after its first one. */
  attackerReachedAfterFirst: number;
  attackerRefused: number;
  attackerSent: number;
  benignRefused: number;
  benignSent: number;
}

/**
 * Drives both agents for `durationMs`: the attacker walks /api/customers/<id> at ~50/s claiming
 * an allowlisted address in X-Forwarded-For; the benign agent re-reads a few orders at ~5/s.
 */
export async function driveLoop(
  gatewayUrl: string,
  upstream: { hits: Map<string, number> },
  durationMs: number,
): Promise<LoopReport> {
  const report: LoopReport = {
    attackerReachedAfterFirst: 0,
    attackerRefused: 0,
    attackerSent: 0,
    benignRefused: 0,
    benignSent: 0,
  };
  const start = Date.now();
  const attacker = (async () => {
    for (let i = 0; Date.now() - start < durationMs; i++) {
      const res = await fetch(`${gatewayUrl}/api/customers/${10_000 + i}`, {
        headers: { "x-agent-id": "enum-bot", "x-forwarded-for": "10.20.0.5" },
      });
      await res.arrayBuffer();
      report.attackerSent++;
      if (res.status === 403 || res.status === 429) report.attackerRefused++;
      await sleep(20);
    }
  })();
  const benign = (async () => {
    for (let i = 0; Date.now() - start < durationMs; i++) {
      const res = await fetch(`${gatewayUrl}/api/orders/${(i % 3) + 1}`, {
        headers: { "x-agent-id": "billing-bot" },
      });
      await res.arrayBuffer();
      report.benignSent++;
      if (res.status !== 200) report.benignRefused++;
      await sleep(200);
    }
  })();
  await Promise.all([attacker, benign]);
  report.attackerReachedAfterFirst = (upstream.hits.get("enum-bot") ?? 0) - 1;
  return report;
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(100);
  }
  return false;
}
