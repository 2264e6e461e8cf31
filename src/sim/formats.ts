/**
 * Renders simulated events as log lines: canonical JSON (the `json` format), or what real
 * gateways write: nginx `combined` (agent name in `$remote_user`, as with auth_basic or an
 * auth_request module setting it), Envoy JSON access-log objects (with an `x-agent-id` request
 * header logged), and Kong file-log objects (`consumer.username`).
 *
 * These are the formats the parsers in `src/parse/` read; the round-trip test keeps them honest.
 * nginx `combined` carries no request id, token or latency; that is the format, not a bug.
 */
import type { SimEvent } from "./agent.js";
import { hash32 } from "./rng.js";

export const SIM_FORMATS = ["json", "nginx", "envoy", "kong"] as const;
export type SimFormat = (typeof SIM_FORMATS)[number];

/** Host name the simulated gateway serves. */
const HOST = "api.example.com";

/** JSON string literal; the fast path skips JSON.stringify for the common plain-ASCII string. */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** ISO 8601 of epoch ms, reusing the formatted second: events arrive many per second, in order. */
let isoSecond = Number.NaN;
let isoPrefix = "";
function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}Z`;
}

/** Canonical JSON, hand-assembled (same bytes as JSON.stringify of the object, twice as fast). */
export function renderJson(e: SimEvent): string {
  return (
    `{"timestamp":"${isoTime(e.timestamp)}","agentId":${jsonString(e.agentId)},"method":${jsonString(e.method)}` +
    `,"path":${jsonString(e.path)},"status":${e.status},"requestBytes":${e.requestBytes}` +
    `,"responseBytes":${e.responseBytes},"latencyMs":${e.latencyMs},"clientIp":${jsonString(e.clientIp)}` +
    `,"tokenId":${jsonString(e.tokenId)},"userId":${jsonString(e.userId)},"userAgent":${jsonString(e.userAgent)}` +
    `,"requestId":${jsonString(e.requestId)}${e.operation === undefined ? "" : `,"operation":${jsonString(e.operation)}`}}`
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** nginx `$time_local`, in UTC: `05/Jan/2026:09:15:02 +0000`. */
export function nginxTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** nginx escapes `"`, `\` and non-printable bytes in logged variables as `\xHH`. */
function nginxEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0x20 && c < 0x7f && ch !== '"' && ch !== "\\") out += ch;
    else
      for (const b of Buffer.from(ch, "utf8")) out += `\\x${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function renderNginx(e: SimEvent): string {
  const user = e.agentId ? nginxEscape(e.agentId) : "-";
  return `${e.clientIp} - ${user} [${nginxTime(e.timestamp)}] "${e.method} ${nginxEscape(e.path)} HTTP/1.1" ${e.status} ${e.responseBytes} "-" "${nginxEscape(e.userAgent)}"`;
}

/** A stable ephemeral port per request, so lines look like a real downstream address. */
function port(e: SimEvent): number {
  return 32768 + (hash32(e.requestId) % 28000);
}

export function renderEnvoy(e: SimEvent): string {
  return JSON.stringify({
    ":authority": HOST,
    bytes_received: e.requestBytes,
    bytes_sent: e.responseBytes,
    downstream_remote_address: `${e.clientIp}:${port(e)}`,
    duration: e.latencyMs,
    method: e.method,
    protocol: "HTTP/1.1",
    response_code: e.status,
    response_flags: "-",
    start_time: new Date(e.timestamp).toISOString(),
    "user-agent": e.userAgent,
    "x-agent-id": e.agentId,
    "x-envoy-origin-path": e.path,
    "x-forwarded-for": e.clientIp,
    "x-request-id": e.requestId,
  });
}

/** Kong logs the decoded query string as an object. */
function queryObject(path: string): Record<string, string> {
  const q = path.indexOf("?");
  const out: Record<string, string> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(path.slice(q + 1))) out[k] = v;
  return out;
}

function uuidOf(text: string): string {
  const h = [hash32(text, 1), hash32(text, 2), hash32(text, 3), hash32(text, 4)]
    .map((x) => x.toString(16).padStart(8, "0"))
    .join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

export function renderKong(e: SimEvent): string {
  const kongLatency = 1 + (hash32(e.requestId) % 3);
  return JSON.stringify({
    request: {
      id: e.requestId,
      method: e.method,
      uri: e.path,
      url: `https://${HOST}${e.path}`,
      size: e.requestBytes,
      querystring: queryObject(e.path),
      headers: { host: HOST, "user-agent": e.userAgent, "x-request-id": e.requestId },
    },
    response: { status: e.status, size: e.responseBytes, headers: { "content-type": "application/json" } },
    latencies: { request: e.latencyMs + kongLatency, kong: kongLatency, proxy: e.latencyMs },
    client_ip: e.clientIp,
    started_at: e.timestamp,
    upstream_uri: e.path,
    authenticated_entity: e.tokenId ? { id: e.tokenId } : undefined,
    consumer: { id: uuidOf(e.agentId), username: e.agentId },
    workspace_name: "default",
  });
}

export const RENDERERS: Record<SimFormat, (e: SimEvent) => string> = {
  json: renderJson,
  nginx: renderNginx,
  envoy: renderEnvoy,
  kong: renderKong,
};
