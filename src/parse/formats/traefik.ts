/**
 * Traefik v2/v3 JSON access log (`accessLog.format: json`). Durations (`Duration`,
 * `OriginDuration`, `Overhead`) are nanoseconds; `DownstreamStatus` and
 * `DownstreamContentSize` are what the client got. Request headers appear as
 * `request_<Canonical-Name>` keys when `accessLog.fields.headers` keeps them (they are dropped
 * by default and `REDACTED` when redacted): they serve `header:<name>` and `jwt` identity
 * candidates, and `ClientUsername` (basic-auth user, `-` when none) is the consumer.
 * `ClientHost` can itself be a forwarded list (`192.168.1.100,10.0.0.50`), walked from the peer
 * (`ClientAddr` without its port) as `input.trustedProxies` allows.
 * `RouterName` names a router, not an endpoint, so the path is templated instead.
 */
import { FieldReader, firstHop, headerValue, parseIsoTime } from "../fields.js";
import { TRAEFIK_SPELLING } from "../headers.js";
import { parseJsonObject } from "../safe-json.js";
import { hasQuoted } from "../sniff.js";
import {
  type FormatDescriptor,
  LineRejection,
  type RawEventBatch,
  type Rejection,
  reject,
} from "../types.js";

const read = new FieldReader();
const NANOS_PER_MS = 1_000_000;

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const record = parseJsonObject(line);
  if (record instanceof LineRejection) return record;
  const start = record.StartUTC ?? record.StartLocal ?? record.time;
  if (typeof start !== "string" || record.DownstreamStatus == null) {
    return reject("MISSING_FIELD", "no StartUTC or DownstreamStatus");
  }
  read.reset();
  const event = out.add();
  event.timestamp = parseIsoTime(start);
  event.method = read.text(record.RequestMethod, "RequestMethod");
  event.path = read.text(record.RequestPath, "RequestPath");
  if (event.method === "" || event.path === "")
    return read.problem() ?? reject("MISSING_FIELD", "no RequestMethod or RequestPath");
  event.status = read.number(record.DownstreamStatus, "DownstreamStatus", Number.NaN);
  event.requestBytes = read.number(record.RequestContentSize, "RequestContentSize");
  event.responseBytes = read.number(record.DownstreamContentSize, "DownstreamContentSize");
  event.latencyMs = read.number(record.Duration, "Duration") / NANOS_PER_MS;
  event.peerIp = firstHop(read.text(record.ClientAddr, "ClientAddr"));
  event.forwardedFor = read.text(record.ClientHost, "ClientHost");
  event.clientIp = firstHop(event.forwardedFor) || event.peerIp;
  event.userAgent = headerValue(record["request_User-Agent"]);
  event.requestId = headerValue(record["request_X-Request-Id"]);
  event.consumer = read.optionalText(record.ClientUsername, "ClientUsername");
  const problem = read.problem();
  if (problem) return problem;
  event.headers = record;
  event.headerSpelling = TRAEFIK_SPELLING;
  return undefined;
}

export const traefik: FormatDescriptor = {
  name: "traefik",
  description: "Traefik v2/v3 JSON access log (durations in nanoseconds)",
  sniff: (line) =>
    line.charCodeAt(0) === 123 && (hasQuoted(line, "DownstreamStatus") || hasQuoted(line, "RequestMethod")),
  parse,
};
