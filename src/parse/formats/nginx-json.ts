/**
 * nginx JSON access log (`log_format ... escape=json '{"remote_addr":"$remote_addr",...}'`).
 * Keys are whatever the operator wrote; the convention read here is the variable name without
 * `$` (`remote_addr`, `remote_user`, `request` or `request_method` + `request_uri`, `status`,
 * `body_bytes_sent`, `request_length`, `request_time`, `upstream_response_time`,
 * `http_user_agent`, `http_x_forwarded_for`, `request_id`, `time_iso8601` / `time_local` /
 * `msec`, or `@timestamp` / `time`). Values may be strings or numbers.
 *
 * Latency is `$request_time` (seconds, total). When only `$upstream_response_time` is logged,
 * it is used instead, and its lists (`"0.012, 0.004"` after retries, `"0.012 : 0.004"` after
 * internal redirects) are *summed*: the client waited for every attempt, so the sum is the
 * closer stand-in for the total; `""` and `-` (no upstream was contacted) read as 0.
 * `request_length` (request line + headers + body) is the request size, since nginx has no
 * body-only variable. `http_<name>` keys serve `header:<name>` and `jwt` identity candidates,
 * `remote_user` (when not `-`) is the consumer, a root `agent_id` is the explicit agent field.
 */
import { FieldReader, firstHop, parseClfTime, parseIsoTime } from "../fields.js";
import { NGINX_SPELLING } from "../headers.js";
import { parseJsonObject } from "../safe-json.js";
import { hasQuoted } from "../sniff.js";
import { type RequestLine, splitRequestLine } from "../tokenizer.js";
import {
  type FormatDescriptor,
  LineRejection,
  type RawEventBatch,
  type Rejection,
  reject,
} from "../types.js";

const read = new FieldReader();
const request: RequestLine = { method: "", target: "" };

/** `$time_iso8601`, `$time_local` or `$msec` (seconds with ms fraction), whichever was logged. */
function readTime(record: Record<string, unknown>): number | undefined {
  const iso = record.time_iso8601 ?? record["@timestamp"] ?? record.time ?? record.timestamp;
  if (typeof iso === "string") return iso.charCodeAt(2) === 47 ? parseClfTime(iso) : parseIsoTime(iso);
  if (typeof record.time_local === "string") return parseClfTime(record.time_local);
  const msec = record.msec;
  if (msec != null) return Math.floor(read.number(msec, "msec", Number.NaN) * 1000);
  return undefined;
}

/** Sum of an `$upstream_response_time` value in ms: number, `-`, "", or a `,`/`:` list. */
function upstreamMs(value: unknown): number {
  if (typeof value !== "string") return read.number(value, "upstream_response_time") * 1000;
  let total = 0;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 44;
    if (c !== 44 && c !== 58) continue;
    const part = value.slice(start, i).trim();
    if (part !== "" && part !== "-") total += read.number(part, "upstream_response_time");
    start = i + 1;
  }
  return total * 1000;
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const record = parseJsonObject(line);
  if (record instanceof LineRejection) return record;
  read.reset();
  const event = out.add();
  const time = readTime(record);
  if (time === undefined || record.status == null) return reject("MISSING_FIELD", "no time or status field");
  event.timestamp = time;
  const requestLine = record.request;
  if (typeof requestLine === "string") {
    if (splitRequestLine(requestLine, request)) {
      event.method = request.method;
      event.path = request.target;
    } else {
      event.method = "-"; // garbage or empty request line, as in the text format
      event.path = "-";
      event.malformedRequest = requestLine;
    }
  } else {
    event.method = read.text(record.request_method, "request_method");
    const uri = read.text(record.request_uri, "request_uri");
    const args = read.text(record.args, "args");
    event.path =
      uri !== ""
        ? uri
        : args !== ""
          ? `${read.text(record.uri, "uri")}?${args}`
          : read.text(record.uri, "uri");
  }
  if (event.method === "" || event.path === "")
    return read.problem() ?? reject("MISSING_FIELD", "no request or request_method/uri");
  event.status = read.number(record.status, "status", Number.NaN);
  event.responseBytes = read.number(record.body_bytes_sent ?? record.bytes_sent, "body_bytes_sent");
  event.requestBytes = read.number(record.request_length, "request_length");
  event.latencyMs =
    record.request_time != null
      ? read.number(record.request_time, "request_time") * 1000
      : upstreamMs(record.upstream_response_time);
  event.peerIp = firstHop(read.text(record.remote_addr, "remote_addr"));
  event.forwardedFor = read.text(record.http_x_forwarded_for, "http_x_forwarded_for");
  event.clientIp = firstHop(event.forwardedFor) || event.peerIp;
  event.userAgent = read.text(record.http_user_agent, "http_user_agent");
  event.requestId = read.text(record.request_id ?? record.http_x_request_id, "request_id");
  event.consumer = read.optionalText(record.remote_user, "remote_user");
  event.agent = read.optionalText(record.agent_id ?? record.agentId, "agent_id");
  const problem = read.problem();
  if (problem) return problem;
  event.headers = record;
  event.headerSpelling = NGINX_SPELLING;
  return undefined;
}

export const nginxJson: FormatDescriptor = {
  name: "nginx-json",
  description: "nginx JSON access log (log_format escape=json, keys named after the variables)",
  sniff: (line) =>
    line.charCodeAt(0) === 123 &&
    (hasQuoted(line, "remote_addr") || hasQuoted(line, "request_uri") || hasQuoted(line, "body_bytes_sent")),
  parse,
};
