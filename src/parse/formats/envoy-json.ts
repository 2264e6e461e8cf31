/**
 * Envoy JSON access log (`json_format` / `typed_json_format`). Envoy has no fixed JSON layout,
 * so the keys of the two layouts met in practice are read:
 * - Envoy Gateway's default: `start_time`, `method`, `x-envoy-origin-path`, `response_code`,
 *   `bytes_received`, `bytes_sent`, `duration`, `x-forwarded-for`, `user-agent`,
 *   `x-request-id`, `route_name`, `downstream_remote_address`;
 * - Istio's JSON encoding: the same with `path`, `x_forwarded_for`, `user_agent`, `request_id`.
 * `json_format` prints values as strings and unset ones as `"-"`, `typed_json_format` prints
 * numbers and `null`: both are accepted. The client is the first X-Forwarded-For hop, else the
 * downstream address (the peer, for `clientAddress: peer`). Any other key is available to
 * `header:<name>` identity candidates (so a format with `"x-agent-id": "%REQ(X-AGENT-ID)%"`
 * carries the agent id), and a root `agent_id`/`agentId` key is the explicit agent field. `route_name` becomes the route only
 * when it is a path template (starts with `/`); Envoy Gateway's `httproute/ns/name/rule/0/...`
 * names say which rule matched, not which endpoint.
 */
import { FieldReader, firstHop, parseIsoOrEpochMs } from "../fields.js";
import { ENVOY_SPELLING } from "../headers.js";
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

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const record = parseJsonObject(line);
  if (record instanceof LineRejection) return record;
  read.reset();
  const event = out.add();
  event.method = read.text(record.method ?? record[":method"], "method");
  event.path = read.text(record["x-envoy-origin-path"] ?? record.path ?? record[":path"], "path");
  if (event.method === "" || event.path === "") {
    return (
      read.problem() ??
      reject("MISSING_FIELD", "no method/path (a TCP entry, or not an Envoy HTTP access log)")
    );
  }
  if (record.start_time == null || record.response_code == null) {
    return reject("MISSING_FIELD", "no start_time or response_code");
  }
  event.timestamp = parseIsoOrEpochMs(record.start_time);
  event.status = read.number(record.response_code, "response_code", Number.NaN);
  event.requestBytes = read.number(record.bytes_received, "bytes_received");
  event.responseBytes = read.number(record.bytes_sent, "bytes_sent");
  event.latencyMs = read.number(record.duration, "duration");
  event.peerIp = firstHop(read.text(record.downstream_remote_address, "downstream_remote_address"));
  const forwardedFor = read.text(record["x-forwarded-for"] ?? record.x_forwarded_for, "x-forwarded-for");
  event.forwardedFor = forwardedFor;
  event.clientIp = firstHop(forwardedFor) || event.peerIp;
  event.userAgent = read.text(record["user-agent"] ?? record.user_agent, "user-agent");
  event.requestId = read.text(record["x-request-id"] ?? record.request_id, "x-request-id");
  const routeName = read.text(record.route_name, "route_name");
  if (routeName.charCodeAt(0) === 47) event.route = routeName;
  event.agent = read.optionalText(record.agent_id ?? record.agentId, "agent_id");
  const problem = read.problem();
  if (problem) return problem;
  event.headers = record;
  event.headerSpelling = ENVOY_SPELLING;
  return undefined;
}

export const envoyJson: FormatDescriptor = {
  name: "envoy-json",
  description: "Envoy JSON access log (Envoy Gateway and Istio layouts), optionally CRI-wrapped",
  sniff: (line) =>
    line.charCodeAt(0) === 123 &&
    (hasQuoted(line, "response_code") || hasQuoted(line, "x-envoy-origin-path")),
  parse,
};
