/**
 * Kong file-log / http-log / tcp-log record (Kong docs, `plugins-hub/log-format.md`): one JSON
 * object per line, or, from http-log batching, a JSON array of them.
 *
 * `started_at` is epoch ms, `latencies.request` the total ms. `request.size` and
 * `response.size` are what Kong counts on the wire (headers included): they are used as the
 * request/response bytes because they are always present, where Content-Length is not, and
 * the detectors compare an agent with its own history, so a constant header overhead cancels
 * out. Identity evidence: `consumer.username` (else `consumer.id`) is the consumer;
 * `authenticated_entity.id` is the credential's id (key-auth, jwt, oauth2 credentials), used
 * as API-key id and token id; `request.headers` (lower-case names) serve `header:<name>` and
 * `jwt`. A plain Kong route path is a prefix (route `/customers` also serves
 * `/customers/1042/orders`), which would merge endpoints, so the path is templated instead;
 * a route with a single regex path (`~/customers/\d+$`, Kong 3) names one endpoint and is
 * used as the route template. A batch is all-or-nothing: one bad record
 * rejects the line, so a half-applied batch never skews a profile.
 */
import { FieldReader, headerValue, prop } from "../fields.js";
import { KONG_SPELLING } from "../headers.js";
import { parseJsonLine } from "../safe-json.js";
import { hasQuoted } from "../sniff.js";
import {
  type FormatDescriptor,
  LineRejection,
  type RawEventBatch,
  type Rejection,
  reject,
} from "../types.js";

const read = new FieldReader();

function parseRecord(record: unknown, out: RawEventBatch): Rejection | undefined {
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    return reject("MALFORMED_LINE", "expected a Kong log object");
  }
  const log = record as Record<string, unknown>;
  const request = log.request;
  const response = log.response;
  if (typeof request !== "object" || request === null || log.started_at == null) {
    return reject("MISSING_FIELD", "no request object or started_at");
  }
  read.reset();
  const event = out.add();
  event.timestamp = read.number(log.started_at, "started_at", Number.NaN);
  event.method = read.text(prop(request, "method"), "request.method");
  event.path = read.text(prop(request, "uri"), "request.uri");
  if (event.method === "" || event.path === "")
    return read.problem() ?? reject("MISSING_FIELD", "no request.method or request.uri");
  event.status = read.number(prop(response, "status"), "response.status", Number.NaN);
  event.requestBytes = read.number(prop(request, "size"), "request.size");
  event.responseBytes = read.number(prop(response, "size"), "response.size");
  event.latencyMs = read.number(prop(log.latencies, "request"), "latencies.request");
  event.clientIp = read.text(log.client_ip, "client_ip");
  event.peerIp = event.clientIp; // Kong logs only its own resolution of the client
  const headers = prop(request, "headers");
  if (typeof headers === "object" && headers !== null && !Array.isArray(headers)) {
    event.headers = headers as Record<string, unknown>;
    event.headerSpelling = KONG_SPELLING;
    event.userAgent = headerValue(prop(headers, "user-agent"));
    event.requestId = headerValue(prop(headers, "x-request-id") ?? prop(headers, "kong-request-id"));
  }
  if (event.requestId === "") event.requestId = read.text(prop(request, "id"), "request.id");
  const routePaths = prop(log.route, "paths");
  if (Array.isArray(routePaths) && routePaths.length === 1) {
    const only = routePaths[0];
    if (typeof only === "string" && only.charCodeAt(0) === 126) event.route = only; // ~regex
  }
  const consumer = log.consumer;
  event.consumer =
    read.optionalText(prop(consumer, "username"), "consumer.username") ??
    read.optionalText(prop(consumer, "id"), "consumer.id");
  const credential = read.optionalText(prop(log.authenticated_entity, "id"), "authenticated_entity.id");
  if (credential !== undefined) {
    event.apiKeyId = credential;
    event.tokenId = credential;
  }
  const problem = read.problem();
  if (problem) return problem;
  return undefined;
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const value = parseJsonLine(line);
  if (value instanceof LineRejection) return value;
  if (!Array.isArray(value)) return parseRecord(value, out);
  if (value.length === 0) return reject("MALFORMED_LINE", "empty batch");
  const start = out.length;
  for (let i = 0; i < value.length; i++) {
    const problem = parseRecord(value[i], out);
    if (problem) {
      out.truncate(start);
      return reject(problem.code, `batch record ${i}: ${problem.message}`);
    }
  }
  return undefined;
}

export const kong: FormatDescriptor = {
  name: "kong",
  description: "Kong file-log/http-log JSON (one object or a batch array per line)",
  sniff: (line) => {
    const c = line.charCodeAt(0);
    return (c === 123 || c === 91) && hasQuoted(line, "started_at") && hasQuoted(line, "latencies");
  },
  parse,
};
