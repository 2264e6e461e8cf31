// Gateway renderings of simulated events carry the event's fields where each real format has them,
// and the file/stdout/pacing edge of `simulate` behaves.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SimEvent } from "../../src/sim/agent.js";
import { nginxTime, renderEnvoy, renderJson, renderKong, renderNginx } from "../../src/sim/formats.js";
import { labelsFileSchema } from "../../src/sim/labels.js";
import { paced } from "../../src/sim/output.js";
import { runSimulate } from "../../src/sim/simulate.js";

const event: SimEvent = {
  timestamp: Date.UTC(2026, 0, 5, 9, 15, 2, 345),
  agentId: "support-assistant-1a2b-0007",
  method: "GET",
  path: "/api/v1/customers/1042/orders?page=2&q=caf%C3%A9",
  status: 200,
  requestBytes: 0,
  responseBytes: 5321,
  latencyMs: 37,
  clientIp: "10.20.4.17",
  tokenId: "tok_abc",
  userId: "u_123456",
  userAgent: 'agent/1.0 "quoted" \\ é',
  requestId: "492ca3f7-f196-40ad-ab34-df014fdd82c4",
  malicious: false,
};

describe("renderers", () => {
  it("json uses the canonical field names and an ISO timestamp", () => {
    const o = JSON.parse(renderJson(event));
    expect(o).toEqual({
      timestamp: "2026-01-05T09:15:02.345Z",
      agentId: event.agentId,
      method: "GET",
      path: event.path,
      status: 200,
      requestBytes: 0,
      responseBytes: 5321,
      latencyMs: 37,
      clientIp: event.clientIp,
      tokenId: "tok_abc",
      userId: "u_123456",
      userAgent: event.userAgent,
      requestId: event.requestId,
    });
  });

  it("json is byte-identical to JSON.stringify of the canonical object, whatever the strings hold", () => {
    for (const [ms, ua] of [
      [Date.UTC(2026, 0, 5, 9, 15, 2, 5), "plain/1.0"],
      [Date.UTC(2026, 0, 5, 9, 15, 2, 45), 'q"uote\\back\nline\u0001 é 😀'],
      [Date.UTC(2026, 0, 5, 9, 15, 3, 0), "x"],
    ] as const) {
      const e = { ...event, timestamp: ms, userAgent: ua, path: `/a?q=${ua}` };
      const { malicious: _, ...fields } = e;
      expect(renderJson(e)).toBe(JSON.stringify({ ...fields, timestamp: new Date(ms).toISOString() }));
    }
  });

  it("nginx is `combined` with the agent in $remote_user and nginx's \\xHH escaping", () => {
    const line = renderNginx(event);
    expect(nginxTime(event.timestamp)).toBe("05/Jan/2026:09:15:02 +0000");
    const m = line.match(
      /^(\S+) - (\S+) \[([^\]]+)\] "(\S+) (\S+) (HTTP\/1\.1)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/,
    );
    expect(m, line).not.toBeNull();
    const [, ip, user, time, method, path, , status, bytes, referer, ua] = m as RegExpMatchArray;
    expect([ip, user, time, method, path, status, bytes, referer]).toEqual([
      "10.20.4.17",
      event.agentId,
      "05/Jan/2026:09:15:02 +0000",
      "GET",
      event.path,
      "200",
      "5321",
      "-",
    ]);
    expect(ua).toBe("agent/1.0 \\x22quoted\\x22 \\x5C \\xC3\\xA9");
  });

  it("envoy is a JSON access-log object with x-agent-id", () => {
    const o = JSON.parse(renderEnvoy(event));
    expect(o["x-agent-id"]).toBe(event.agentId);
    expect(o["x-envoy-origin-path"]).toBe(event.path);
    expect(o.start_time).toBe("2026-01-05T09:15:02.345Z");
    expect(o.response_code).toBe(200);
    expect(o.bytes_sent).toBe(5321);
    expect(o.duration).toBe(37);
    expect(o["x-request-id"]).toBe(event.requestId);
    expect(o.downstream_remote_address).toMatch(/^10\.20\.4\.17:\d+$/);
  });

  it("kong is a file-log object with consumer.username and the decoded query", () => {
    const o = JSON.parse(renderKong(event));
    expect(o.consumer.username).toBe(event.agentId);
    expect(o.started_at).toBe(event.timestamp);
    expect(o.request.uri).toBe(event.path);
    expect(o.request.querystring).toEqual({ page: "2", q: "café" });
    expect(o.response.status).toBe(200);
    expect(o.response.size).toBe(5321);
    expect(o.latencies.proxy).toBe(37);
    expect(o.authenticated_entity.id).toBe("tok_abc");
    expect(o.client_ip).toBe(event.clientIp);
  });
});

describe("paced", () => {
  it("releases events at their simulated time scaled by speed, measured from the first", async () => {
    let clock = 1_000;
    const slept: number[] = [];
    const events = [0, 500, 500, 2_000].map((dt) => ({ ...event, timestamp: event.timestamp + dt }));
    const out: number[] = [];
    for await (const e of paced(events, {
      speed: 2,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    })) {
      out.push(e.timestamp - event.timestamp);
    }
    expect(out).toEqual([0, 500, 500, 2_000]);
    expect(slept).toEqual([250, 750]);
  });
});

describe("runSimulate", () => {
  it("writes lines and labels files that agree", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aw-sim-"));
    const out = join(dir, "events.log");
    const labelsPath = join(dir, "labels.json");
    const r = await runSimulate({ agents: 12, hours: 3, seed: 4, format: "envoy", out, labels: labelsPath });
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(lines.length).toBe(r.events);
    const labels = labelsFileSchema.parse(JSON.parse(await readFile(labelsPath, "utf8")));
    expect(labels.agents.length).toBe(12);
    const ids = new Set(lines.map((l) => JSON.parse(l)["x-request-id"]));
    const malicious = labels.agents.flatMap((a) => a.maliciousRequestIds);
    expect(malicious.length).toBe(r.maliciousEvents);
    for (const id of malicious) expect(ids.has(id)).toBe(true);
  });
});
