/**
 * Envoy default text access-log format (Envoy docs,
 * `docs/root/configuration/observability/access_log/usage.rst`):
 *
 *     [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
 *     %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
 *     %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
 *     "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
 *
 * Istio's default inserts `%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
 * "%UPSTREAM_TRANSPORT_FAILURE_REASON%"` after the flags and appends cluster/address fields;
 * both are read by locating the three byte/duration numbers after the flags. Unset values
 * print `-`; response code 0 means the client went away before a response. Durations are ms,
 * byte counts are body bytes. The format carries no credential, so identity falls to the IP.
 */
import { firstHop, parseIsoTime } from "../fields.js";
import { type RequestLine, splitRequestLine, Tokenizer } from "../tokenizer.js";
import { type FormatDescriptor, type RawEventBatch, type Rejection, reject } from "../types.js";

const tokens = new Tokenizer();
const request: RequestLine = { method: "", target: "" };
/** Fields after the request line: code, flags, then at most 3 Istio fields before the numbers. */
const fields: string[] = [];
const MAX_FIELDS = 16;

function isCount(s: string | undefined): boolean {
  return s !== undefined && s !== "" && /^\d+$/.test(s);
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const close = line.indexOf("]");
  if (line.charCodeAt(0) !== 91 || close < 0) return reject("MALFORMED_LINE", "no [START_TIME] field");
  const event = out.add();
  event.timestamp = parseIsoTime(line.slice(1, close));
  tokens.reset(line, close + 1);
  const requestLine = tokens.next();
  if (requestLine === undefined || !tokens.quoted) return reject("MALFORMED_LINE", "no quoted request line");
  if (!splitRequestLine(requestLine, request)) {
    return reject("MISSING_FIELD", "no HTTP method and path (a TCP or non-HTTP entry)");
  }
  event.method = request.method;
  event.path = request.target;

  fields.length = 0;
  for (let token = tokens.next(); token !== undefined && fields.length < MAX_FIELDS; token = tokens.next()) {
    fields.push(token);
  }
  // code flags [details termination "failure"] received sent duration upstream-time "xff" "ua" "id"
  let numbers = 2;
  while (
    numbers <= 5 &&
    !(isCount(fields[numbers]) && isCount(fields[numbers + 1]) && isCount(fields[numbers + 2]))
  ) {
    numbers++;
  }
  if (numbers > 5) return reject("MALFORMED_LINE", "no byte counts and duration after the response flags");
  const code = fields[0] ?? "";
  event.status = /^\d{1,3}$/.test(code) ? Number(code) : Number.NaN;
  event.requestBytes = Number(fields[numbers]);
  event.responseBytes = Number(fields[numbers + 1]);
  event.latencyMs = Number(fields[numbers + 2]);
  const forwardedFor = fields[numbers + 4] ?? "";
  if (forwardedFor !== "-") event.forwardedFor = forwardedFor;
  event.clientIp = firstHop(forwardedFor);
  const userAgent = fields[numbers + 5];
  if (userAgent !== undefined && userAgent !== "-") event.userAgent = userAgent;
  const requestId = fields[numbers + 6];
  if (requestId !== undefined && requestId !== "-") event.requestId = requestId;
  return undefined;
}

export const envoy: FormatDescriptor = {
  name: "envoy",
  description: "Envoy default text access log (also Istio's default), optionally CRI-wrapped",
  sniff: (line) => {
    const c = line.charCodeAt(1);
    return line.charCodeAt(0) === 91 && c >= 48 && c <= 57 && line.includes('] "');
  },
  parse,
};
