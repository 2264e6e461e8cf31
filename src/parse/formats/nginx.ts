/**
 * nginx `combined` / `main` text access log:
 *
 *     $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 *     "$http_referer" "$http_user_agent" ["$http_x_forwarded_for" ...]
 *
 * Real deployments bend it, and all of these are read (see test/fixtures/gateway-logs):
 * - an X-Forwarded-For list before the address (`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [...]`),
 *   bare or quoted, and a virtual-host prefix (`www.example.net:80 192.168.1.1 - - [...]`):
 *   the peer (`$remote_addr`) is the last address token and the ones before it are the
 *   forwarded list (the decoder believes its hops only from `input.trustedProxies`);
 * - the `-` ident field missing (`192.168.1.1 - [...]`);
 * - trailing quoted fields: the first one is `main`'s `"$http_x_forwarded_for"` (the forwarded
 *   list); further ones are ignored;
 * - an empty or garbage request line (`""` with 400): kept as an event with method and path
 *   `-`, because a client that sends garbage is exactly what the probing detectors look for.
 * `$remote_user` (when not `-`) is the authenticated name: the `consumer` identity evidence.
 * The format logs no duration, so latency is 0.
 */
import { firstHop, parseClfTime } from "../fields.js";
import { type RequestLine, splitRequestLine, Tokenizer } from "../tokenizer.js";
import {
  type FormatDescriptor,
  type RawEvent,
  type RawEventBatch,
  type Rejection,
  reject,
} from "../types.js";

const CLF_TIME_LENGTH = 26;

/** Index of the `[` opening `[dd/Mon/yyyy:HH:MM:SS +zzzz]`, or -1. */
function findTimeLocal(line: string): number {
  let open = line.indexOf("[");
  while (open >= 0) {
    if (
      line.charCodeAt(open + 3) === 47 &&
      line.charCodeAt(open + 7) === 47 &&
      line.charCodeAt(open + 12) === 58 &&
      line.charCodeAt(open + 1 + CLF_TIME_LENGTH) === 93
    ) {
      return open;
    }
    open = line.indexOf("[", open + 1);
  }
  return -1;
}

const head = new Tokenizer();
const tail = new Tokenizer();
const request: RequestLine = { method: "", target: "" };

/** Reads client address and `$remote_user` from everything before `[time_local]`. */
function readHead(line: string, end: number, event: RawEvent): void {
  head.reset(line, 0, end);
  let last: string | undefined;
  for (let token = head.next(); token !== undefined; token = head.next()) {
    // A list is split into several tokens; `first,` is still the first hop.
    const value = token.charCodeAt(token.length - 1) === 44 ? token.slice(0, -1) : token;
    const hop = firstHop(value);
    if (hop !== "") {
      if (event.clientIp === "") event.clientIp = hop;
      // The hops before $remote_addr (the last address before the user fields) are a forwarded list.
      if (event.peerIp !== "")
        event.forwardedFor =
          event.forwardedFor === "" ? event.peerIp : `${event.forwardedFor},${event.peerIp}`;
      event.peerIp = hop;
    }
    last = value;
  }
  // `$remote_user` is the last field, unless the ident `-` and user are both missing.
  if (last !== undefined && last !== "-" && firstHop(last) === "") event.consumer = last;
}

function parse(line: string, out: RawEventBatch): Rejection | undefined {
  const open = findTimeLocal(line);
  if (open < 0) return reject("MALFORMED_LINE", "no [time_local] field");
  const event = out.add();
  event.timestamp = parseClfTime(line.slice(open + 1, open + 1 + CLF_TIME_LENGTH));
  readHead(line, open, event);

  tail.reset(line, open + 2 + CLF_TIME_LENGTH);
  const requestLine = tail.next();
  if (requestLine === undefined || !tail.quoted) return reject("MALFORMED_LINE", "no quoted request line");
  if (splitRequestLine(requestLine, request)) {
    event.method = request.method;
    event.path = request.target;
  } else {
    event.method = "-";
    event.path = "-";
    event.malformedRequest = requestLine;
  }
  const status = tail.next();
  const bytes = tail.next();
  if (status === undefined || bytes === undefined) return reject("MALFORMED_LINE", "no status and size");
  event.status = /^\d{1,3}$/.test(status) ? Number(status) : Number.NaN;
  event.responseBytes = bytes === "-" ? 0 : /^-?\d+$/.test(bytes) ? Number(bytes) : Number.NaN;
  tail.next(); // $http_referer
  const userAgent = tail.next();
  if (userAgent !== undefined && userAgent !== "-") event.userAgent = userAgent;
  const forwardedFor = tail.next();
  if (forwardedFor !== undefined && tail.quoted) {
    if (forwardedFor !== "-") event.forwardedFor = forwardedFor;
    const hop = firstHop(forwardedFor);
    if (hop !== "") event.clientIp = hop;
  }
  return undefined;
}

export const nginx: FormatDescriptor = {
  name: "nginx",
  description: "nginx combined/main text access log ($remote_user is the authenticated name)",
  // A JSON line is never this format, whatever text a client put in one of its values.
  sniff: (line) => line.charCodeAt(0) !== 123 && findTimeLocal(line) >= 0 && line.includes('] "'),
  parse,
};
