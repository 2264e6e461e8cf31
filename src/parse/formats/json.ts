/**
 * The canonical event as JSON lines: the fields of `accessEventSchema` (src/events/event.ts),
 * camelCase or snake_case (`agent_id`, `request_bytes`, `response_bytes`, `latency_ms`,
 * `client_ip`, `token_id`, `user_id`, `user_agent`, `request_id`). Types are exact (a status
 * of `"200"` is an error here, unlike in gateway formats that log strings); `timestamp` is
 * epoch ms or ISO 8601 with offset, read by the schema's own timestamp rule. Required:
 * timestamp, method, path, status; absent strings read as "" and absent sizes/latency as 0.
 * `operation` (or `operationName`) is the GraphQL operation or MCP tool the gateway logged; a
 * logged request `body` (a JSON string or object) is read for one when that field is absent.
 * `agentId` is the explicit agent field; without one, identity falls back along the
 * configured order (usually to the IP). Other keys (such as `identitySource` or `template`
 * from an exported NormalizedEvent) are ignored and recomputed.
 */
import { z } from "zod";
import { accessEventSchema } from "../../events/event.js";
import { operationOfBody } from "../../normalize/operations.js";
import { FieldReader, parseIsoTime } from "../fields.js";
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
/**
 * The schema's rule for textual timestamps is the pattern of its ISO 8601 branch, then that
 * branch's conversion (`Date.parse`). `parseIsoTime` in strict mode admits the same language and
 * converts equivalently in one pass (the tests hold it to both, on every day of a 400-year cycle
 * and on mutated strings), at a fraction of testing the pattern and then reading the time. What
 * it refuses is left to the pattern itself, so a line is only ever refused by the schema's rule.
 */
const isoBranch = accessEventSchema.shape.timestamp.options.find((option) => option instanceof z.ZodPipe);
const isoInput = isoBranch instanceof z.ZodPipe ? isoBranch.in : undefined;
if (!(isoInput instanceof z.ZodISODateTime))
  throw new Error("accessEventSchema.timestamp has no ISO 8601 branch");
const isoPattern = isoInput.def.pattern;

function readTimestamp(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return Number.NaN;
  const time = parseIsoTime(value, true);
  if (!Number.isNaN(time)) return time;
  const valid = isoPattern ? isoPattern.test(value) : isoInput?.safeParse(value).success;
  return valid ? parseIsoTime(value) : Number.NaN;
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const record = parseJsonObject(line);
  if (record instanceof LineRejection) return record;
  if (record.timestamp == null || record.method == null || record.path == null || record.status == null) {
    return reject("MISSING_FIELD", "timestamp, method, path and status are required");
  }
  read.reset();
  const event = out.add();
  event.timestamp = readTimestamp(record.timestamp);
  if (Number.isNaN(event.timestamp))
    return reject("INVALID_FIELD", "timestamp is not epoch ms or ISO 8601 with offset");
  event.method = read.exactText(record.method, "method");
  event.path = read.exactText(record.path, "path");
  event.status = read.exactNumber(record.status, "status");
  event.requestBytes = read.exactNumber(record.requestBytes ?? record.request_bytes, "requestBytes");
  event.responseBytes = read.exactNumber(record.responseBytes ?? record.response_bytes, "responseBytes");
  event.latencyMs = read.exactNumber(record.latencyMs ?? record.latency_ms, "latencyMs");
  event.clientIp = read.exactText(record.clientIp ?? record.client_ip, "clientIp");
  event.tokenId = read.exactText(record.tokenId ?? record.token_id, "tokenId");
  event.userId = read.exactText(record.userId ?? record.user_id, "userId");
  event.userAgent = read.exactText(record.userAgent ?? record.user_agent, "userAgent");
  event.requestId = read.exactText(record.requestId ?? record.request_id, "requestId");
  const agent = read.exactText(record.agentId ?? record.agent_id, "agentId");
  if (agent !== "") event.agent = agent;
  const route = read.exactText(record.route, "route");
  if (route !== "") event.route = route;
  const operation = read.exactText(
    record.operation ?? record.operationName ?? record.operation_name,
    "operation",
  );
  if (operation !== "") event.operation = operation;
  else if (record.body != null) event.operation = operationOfBody(record.body);
  if (record.scopes != null) {
    const scopes = accessEventSchema.shape.scopes.safeParse(record.scopes);
    if (!scopes.success || scopes.data === undefined)
      return reject("INVALID_FIELD", "scopes is not a list of strings");
    event.scopes = scopes.data;
  }
  const problem = read.problem();
  if (problem) return problem;
  return undefined;
}

export const json: FormatDescriptor = {
  name: "json",
  description: "canonical agentwatch events as JSON lines (camelCase or snake_case keys)",
  sniff: (line) =>
    line.charCodeAt(0) === 123 &&
    hasQuoted(line, "method") &&
    hasQuoted(line, "path") &&
    (hasQuoted(line, "timestamp") || hasQuoted(line, "agentId") || hasQuoted(line, "agent_id")),
  parse,
};
