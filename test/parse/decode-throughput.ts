/**
 * Decode throughput per format, next to bare `JSON.parse` of the same lines (not a test: run
 * `npx tsx test/parse/decode-throughput.ts [lines]`). Lines are synthetic but shaped like the
 * fixtures: a few hundred agents, id-bearing paths, query strings, a JWT on some requests.
 */

import type { NormalizedEvent } from "../../src/events/event.js";
import { createLineDecoder, type FormatName } from "../../src/parse/decoder.js";

const COUNT = Number(process.argv[2] ?? 200_000);
const BASE = Date.UTC(2026, 10, 20, 10);
const PATHS = [
  "/customers/{n}",
  "/customers/{n}/orders?page=2&size=50",
  "/orders/{u}",
  "/search?q=shoes",
  "/invoices/{n}/pdf",
];

function jwt(agent: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ sub: `agent-${agent}`, jti: `tok-${agent}-1`, scope: "read write" })}.c2lnbmF0dXJl`;
}

function sample(i: number) {
  const agent = i % 300;
  const template = PATHS[i % PATHS.length] as string;
  const path = template
    .replace("{n}", String(1000 + (i % 5000)))
    .replace("{u}", `6f1c2a3e-0b4d-4c5e-8f90-${String(100000000000 + i).slice(0, 12)}`);
  const time = BASE + i * 50;
  return {
    agent,
    path,
    time,
    iso: new Date(time).toISOString(),
    status: i % 17 === 0 ? 404 : 200,
    bytes: 200 + (i % 900),
  };
}

const clf = (ms: number) => {
  const d = new Date(ms);
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getUTCMonth()
  ];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

const GENERATORS: Partial<Record<FormatName, (i: number) => string>> = {
  json: (i) => {
    const s = sample(i);
    return JSON.stringify({
      timestamp: s.iso,
      agentId: `agent-${s.agent}`,
      method: "GET",
      path: s.path,
      status: s.status,
      requestBytes: 0,
      responseBytes: s.bytes,
      latencyMs: 12.5,
      clientIp: `10.0.${s.agent % 250}.7`,
      tokenId: `tok-${s.agent}`,
      userId: "",
      userAgent: "agent-sdk/1.4 (python 3.12)",
      requestId: `req-${i}`,
    });
  },
  nginx: (i) => {
    const s = sample(i);
    return `10.0.${s.agent % 250}.7 - agent-${s.agent} [${clf(s.time)}] "GET ${s.path} HTTP/1.1" ${s.status} ${s.bytes} "-" "agent-sdk/1.4 (python 3.12)"`;
  },
  "nginx-json": (i) => {
    const s = sample(i);
    return JSON.stringify({
      time_iso8601: s.iso.replace(".000Z", "+00:00"),
      remote_addr: `10.0.${s.agent % 250}.7`,
      request: `GET ${s.path} HTTP/1.1`,
      status: String(s.status),
      body_bytes_sent: String(s.bytes),
      request_length: "312",
      request_time: "0.013",
      upstream_response_time: "0.012, 0.001",
      http_user_agent: "agent-sdk/1.4 (python 3.12)",
      http_x_agent_id: `agent-${s.agent}`,
      request_id: `req-${i}`,
    });
  },
  envoy: (i) => {
    const s = sample(i);
    return `[${s.iso}] "GET ${s.path} HTTP/1.1" ${s.status} - 0 ${s.bytes} 13 12 "10.0.${s.agent % 250}.7" "agent-sdk/1.4" "req-${i}" "api.example.com" "10.1.0.4:8080"`;
  },
  "envoy-json": (i) => {
    const s = sample(i);
    const line = {
      ":authority": "api.example.com",
      bytes_received: 0,
      bytes_sent: s.bytes,
      duration: 13,
      method: "GET",
      protocol: "HTTP/1.1",
      response_code: s.status,
      response_flags: "-",
      route_name: "httproute/app/api/rule/0/match/0/api",
      start_time: s.iso,
      upstream_host: "10.1.0.4:8080",
      "user-agent": "agent-sdk/1.4 (python 3.12)",
      "x-envoy-origin-path": s.path,
      "x-forwarded-for": `10.0.${s.agent % 250}.7`,
      "x-request-id": `req-${i}`,
      "x-agent-id": `agent-${s.agent}`,
      ...(i % 4 === 0 ? { authorization: `Bearer ${jwt(s.agent)}` } : {}),
      ...(i % 4 === 1 ? { authorization: `Bearer opaque-${s.agent}-Zm9vYmFyYmF6cXV4MTIzNDU2` } : {}),
    };
    return `${s.iso} stdout F ${JSON.stringify(line)}`;
  },
  kong: (i) => {
    const s = sample(i);
    return JSON.stringify({
      request: {
        method: "GET",
        uri: s.path,
        size: 312,
        headers: { "user-agent": "agent-sdk/1.4", host: "api" },
      },
      response: { status: s.status, size: s.bytes + 300 },
      latencies: { request: 13, kong: 1, proxy: 12 },
      client_ip: `10.0.${s.agent % 250}.7`,
      route: { id: "r1", paths: ["/"] },
      consumer: { id: `c-${s.agent}`, username: `agent-${s.agent}` },
      authenticated_entity: { id: `cred-${s.agent}` },
      started_at: s.time,
    });
  },
  traefik: (i) => {
    const s = sample(i);
    return JSON.stringify({
      ClientAddr: `10.0.${s.agent % 250}.7:4242`,
      ClientHost: `10.0.${s.agent % 250}.7`,
      ClientUsername: "-",
      DownstreamContentSize: s.bytes,
      DownstreamStatus: s.status,
      Duration: 13_000_000,
      RequestContentSize: 0,
      RequestMethod: "GET",
      RequestPath: s.path,
      RouterName: "api@docker",
      StartUTC: s.iso,
      "request_User-Agent": "agent-sdk/1.4",
      "request_X-Agent-Id": `agent-${s.agent}`,
      level: "info",
      time: s.iso,
    });
  },
  "aws-apigw": (i) => {
    const s = sample(i);
    return JSON.stringify({
      requestId: `req-${i}`,
      ip: `10.0.${s.agent % 250}.7`,
      requestTime: clf(s.time),
      requestTimeEpoch: String(s.time),
      httpMethod: "GET",
      routeKey: "GET /customers/{id}",
      path: s.path,
      status: String(s.status),
      protocol: "HTTP/1.1",
      responseLength: String(s.bytes),
      responseLatency: "13",
      "authorizer.principalId": `agent-${s.agent}`,
    });
  },
};

/**
 * Seconds of CPU time (user + system) `run` took, best of `rounds`: on a shared machine, wall
 * time counts the other processes' turns too, CPU time much less so.
 */
function measure(run: () => void, rounds = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}

const now = () => BASE + 86_400_000;
/** Keeps JSON.parse results observable, so the baseline loop cannot be optimized away. */
let sink = 0;

for (const [format, generate] of Object.entries(GENERATORS)) {
  const lines = Array.from({ length: COUNT }, (_, i) => (generate as (i: number) => string)(i));
  const bytes = lines.reduce((sum, line) => sum + line.length, 0);
  // The JSON.parse baseline parses the JSON itself, without a CRI wrapper.
  const jsonLines = lines.map((line) => line.slice(line.indexOf("{")));
  const isJson = lines[0]?.includes("{") ?? false;
  for (const mode of [format, "auto"] as FormatName[]) {
    const decode = createLineDecoder({ format: mode }, now);
    const out: NormalizedEvent[] = [];
    let rejected = 0;
    // Decode and JSON.parse rounds alternate, so both see the same machine load.
    let decodeSeconds = Number.POSITIVE_INFINITY;
    let jsonSeconds = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      decodeSeconds = Math.min(
        decodeSeconds,
        measure(() => {
          for (const line of lines) {
            out.length = 0;
            if (decode(line, out)) rejected++;
          }
        }, 1),
      );
      if (isJson) {
        jsonSeconds = Math.min(
          jsonSeconds,
          measure(() => {
            for (const line of jsonLines) sink += JSON.parse(line) ? 1 : 0;
          }, 1),
        );
      }
    }
    const rate = COUNT / decodeSeconds;
    const ratio = isJson
      ? `  JSON.parse ${(COUNT / jsonSeconds / 1e3).toFixed(0)}k/s  ratio ${(jsonSeconds / decodeSeconds).toFixed(2)}`
      : "";
    console.log(
      `${format.padEnd(11)} --format ${mode.padEnd(10)} ${(rate / 1e3).toFixed(0).padStart(5)}k lines/s  ${(bytes / COUNT).toFixed(0)} B/line  rejected ${rejected / 5}${ratio}`,
    );
  }
}
console.log(`(${sink} JSON values parsed)`);
