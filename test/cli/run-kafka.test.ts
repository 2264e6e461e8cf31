// `agentwatch run --kafka-brokers` end to end against the real broker: the composition root's
// Kafka mode consumes an unkeyed gateway topic, answers on the status API for the agents it
// holds, reports consumer lag and batch latency in /metrics, and exits 0 on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BROKERS,
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  produceValues,
  testKafka,
  uniqueName,
} from "../kafka/helpers/broker.js";

const available = await kafkaAvailable();

function line(i: number, agentId: string, path: string): string {
  return JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 1000).toISOString(),
    agentId,
    method: "GET",
    path,
    status: 200,
    requestBytes: 0,
    responseBytes: 700,
    latencyMs: 9,
    clientIp: "10.0.0.9",
    tokenId: "tok-k",
    userId: "u",
    userAgent: "sdk/2",
    requestId: `k-${i}`,
  });
}

describe.skipIf(!available)("agentwatch run with Kafka", () => {
  const prefix = uniqueName("aw-run");
  const input = `${prefix}.gateway`;
  const kafka = testKafka();
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    await createTopic(kafka, input, 3);
    const values: string[] = [];
    for (let i = 0; i < 60; i++) values.push(line(i, `bot-${i % 3}`, `/api/v1/reports/${i % 4}`));
    values.push(line(61, "hijacked", "/api/v1/search?q=%27%20UNION%20SELECT%20password%20FROM%20users--"));
    values.push(line(62, "hijacked", "/api/v1/files?name=..%2F..%2F..%2Fetc%2Fpasswd"));
    await produceValues(kafka, input, values);
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it("consumes the topic, serves the agents and metrics, and stops cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aw-run-kafka-"));
    const config = join(dir, "agentwatch.yaml");
    writeFileSync(
      config,
      [
        "input: { format: json }",
        "api: { port: 0 }",
        `actions: { delivery: { dataDir: ${join(dir, "data")} } }`,
        `kafka: { groupId: ${prefix}, topicPrefix: ${prefix}, inputTopic: ${input}, shutdownTimeoutMs: 20000 }`,
        "logging: { level: info }",
      ].join("\n"),
    );
    let output = "";
    child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", "run", "-c", config, "--kafka-brokers", BROKERS.join(",")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));

    const until = async <T>(read: () => T | undefined, what: string): Promise<T> => {
      for (let i = 0; i < 150; i++) {
        const value = read();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${what}\n${output}`);
    };
    const key = await until(() => output.match(/generated an admin key[^\n]*\n\s+(\S+)/)?.[1], "the key");
    const url = await until(() => output.match(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1], "the API");
    const auth = { authorization: `Bearer ${key}` };

    let agents: string[] = [];
    for (let i = 0; i < 150 && agents.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const page = (await (await fetch(`${url}/v1/agents?limit=50`, { headers: auth })).json()) as {
        items: Array<{ agentId: string }>;
      };
      agents = page.items.map((a) => a.agentId);
    }
    expect(agents[0]).toBe("hijacked");
    expect([...agents].sort()).toEqual(["bot-0", "bot-1", "bot-2", "hijacked"]);

    const detail = (await (await fetch(`${url}/v1/agents/hijacked`, { headers: auth })).json()) as {
      agent: { risk: number };
      recentAlerts: Array<{ reasons: Array<{ detector: string }> }>;
    };
    expect(detail.agent.risk).toBeGreaterThan(0.3);
    // The alert went through the alerts topic and the action layer before reaching the alert log.
    let alerts: Array<{ agentId: string }> = [];
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const page = (await (await fetch(`${url}/v1/alerts?agent=hijacked`, { headers: auth })).json()) as {
        items: typeof alerts;
      };
      alerts = page.items;
    }
    expect(alerts.length).toBeGreaterThan(0);

    const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(/agentwatch_consumer_lag\{[^}]*topic="/);
    expect(metrics).toMatch(/agentwatch_processing_latency_seconds_count\{stage="detect"\} [1-9]/);
    expect(metrics).toMatch(/agentwatch_profiles_tracked 4/);

    const exited = new Promise<number | null>((resolve) => child?.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
