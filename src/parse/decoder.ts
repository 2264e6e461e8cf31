/**
 * The line decoder: one raw log line in, zero or more `NormalizedEvent`s or one coded
 * rejection out. Every line source (replay, `run`, the Kafka consumer, the evaluator) decodes
 * through `createLineDecoder`, so every format gets the same checks:
 *
 * 1. line-level: too long, empty, invalid UTF-8 (U+FFFD left by a failed decode), CRI wrapper;
 * 2. the format's parser (chosen by `format`, or sniffed per line with `auto`) reads the fields;
 * 3. per event: timestamp range, client address canonicalization, identity resolution, the
 *    canonical schema's bounds (see
 *    `event-check.ts`), route templating.
 * A line's events are emitted all or none. The decoder never throws for any input: a parser
 * bug becomes a MALFORMED_LINE rejection rather than a crashed pipeline.
 *
 * A decoder reads one source (file, stream, partition) in order and keeps that source's state:
 * CRI lines being joined and the source's event time. Each input gets its own decoder, so a
 * file ending mid-line cannot spoil the next file's first line.
 *
 * Time is the record's own timestamp. It must fall in an absolute sanity range (2000..2100) and
 * in step with the source: at most `maxPastSkewMs` behind and `maxGapMs` ahead of the newest
 * event accepted so far. One event out of step is rejected; when the next one is out of step
 * too but in step with it (by the same window), the source has really moved on (a
 * long silence in the traffic, or a first line that set the pace wrong) and the decoder follows
 * it, at the cost of the first of the two. No wall clock is read unless the caller passes one:
 * only the live edge (`agentwatch run`, the Kafka worker) does, to also bound events by
 * `maxFutureSkewMs` past the present, so replay gives the same result on any machine, whatever
 * its clock says.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { duration } from "../config/duration.js";
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, type NormalizedEvent } from "../events/event.js";
import { ClientAddressResolver, trustedProxiesSchema } from "../normalize/client-address.js";
import { describeInvalid, firstInvalidField, LIMITS } from "../normalize/event-check.js";
import { canonicalMethod } from "../normalize/http-method.js";
import { IdentityResolver, identityOptionsSchema, type ResolvedIdentity } from "../normalize/identity.js";
import { canonicalAddress } from "../normalize/ip-address.js";
import type { JwtKeys } from "../normalize/jwt-verify.js";
import { OperationResolver, operationsOptionsSchema } from "../normalize/operations.js";
import { type PathTemplate, templatePath } from "../normalize/route-template.js";
import { CriUnwrapper, PARTIAL, type UnfinishedLine } from "./cri.js";
import { FORMAT_NAMES, type FormatName } from "./format-names.js";
import { FORMATS } from "./formats/index.js";
import { readHeader } from "./headers.js";
import { parseJsonLine } from "./safe-json.js";
import {
  type FormatDescriptor,
  LineRejection,
  type RawEvent,
  RawEventBatch,
  type Rejection,
  reject,
} from "./types.js";

export type { IdentityOptions } from "../normalize/identity.js";
export type { Rejection } from "./types.js";

export { FORMAT_NAMES, type FormatName };

const FORMATS_BY_NAME = new Map(FORMATS.map((format) => [format.name, format]));
for (const name of FORMAT_NAMES) {
  if (name !== "auto" && !FORMATS_BY_NAME.has(name)) throw new Error(`format ${name} has no parser`);
}

export const decoderOptionsSchema = z
  .object({
    /** Log format of the input, or `auto` to detect it per line. */
    format: z.enum(FORMAT_NAMES).default("auto"),
    /** How the agent behind each request is identified. */
    identity: identityOptionsSchema.prefault({}),
    /** Operations as endpoints: GraphQL operations and MCP tools (`src/normalize/operations.ts`). */
    operations: operationsOptionsSchema.prefault({}),
    /**
     * Longest accepted line, in characters (UTF-16 units; the byte-level reader enforces the
     * same number in bytes). Default 1 MiB.
     */
    maxLineLength: z
      .number()
      .int()
      .positive()
      .default(1 << 20),
    /**
     * How far past the wall clock an event's timestamp may be, in ms, where there is one to ask
     * (`agentwatch run`, the Kafka worker; replay reads none). Event time drives every decay and
     * expiry, so one far-future event would age every profile at once; an hour tolerates gateway
     * clock drift and daylight-saving mistakes.
     */
    maxFutureSkewMs: duration("ms").default(3_600_000),
    /**
     * How far ahead of the newest event of its input an event's timestamp may be, in ms: the
     * longest silence in an input's traffic taken at its word. Past it, a single event is more
     * likely a wrong clock or a misread date than traffic resuming, and is rejected unless the
     * next event agrees with it. A week spans nights, weekends and most holidays, and is the
     * default idle expiry of a profile, so an accepted wrong jump evicts no more than a real one.
     */
    maxGapMs: duration("ms").default(7 * 24 * 3_600_000),
    /**
     * How far behind the newest event of its input an event's timestamp may be, in ms. Logs
     * arrive somewhat out of order (requests logged at completion, merged gateway nodes, Kafka
     * lag), so the default is a generous 7 days; a record further back is a gateway with a reset
     * clock or a misread date, which would rewind its agent's profile.
     */
    maxPastSkewMs: duration("ms").default(7 * 24 * 3_600_000),
    /**
     * Which address is the client. `forwarded`: the right-most X-Forwarded-For hop that is not
     * one of `trustedProxies`, walking from the peer (nginx `real_ip_recursive`); with no trusted
     * proxy that is the peer itself, so a header the client wrote is never believed. `peer`: the
     * address that connected to the gateway, whatever the header says. Formats that log no peer
     * address (Envoy's default text format) start the walk at the list's right-most hop;
     * formats that log one resolved address (canonical JSON, Kong, AWS) use it as is.
     */
    clientAddress: z.enum(["forwarded", "peer"]).default("forwarded"),
    /**
     * Proxies (CIDRs or addresses: your load balancers, CDN ranges) whose X-Forwarded-For hops are
     * believed. Default none. The allowlist, address decisions and the gateway check all use the
     * client address this gives.
     */
    trustedProxies: trustedProxiesSchema,
    /** Unwrap container-runtime (`<time> stdout F <line>`) lines before parsing. */
    unwrapCri: z.boolean().default(true),
  })
  .strict();

export type DecoderOptions = z.output<typeof decoderOptionsSchema>;
export type DecoderOptionsInput = z.input<typeof decoderOptionsSchema>;

/** Decodes the lines of one source, in order (see the header for the state it keeps). */
export interface LineDecoder {
  /** Decodes `line` into `out`; `lineNumber` (its position in the source) is only echoed by `end`. */
  (line: string, out: NormalizedEvent[], lineNumber?: number): Rejection | undefined;
  /** The source ended: its CRI lines still waiting for their final fragment, as rejections. */
  end(): UnfinishedLine[];
}

/** Why no format claimed `line`: broken JSON is named as such (a truncated record, not a new format). */
function unknownFormat(line: string): Rejection {
  const first = line.charCodeAt(0);
  if (first === 123 || first === 91) {
    const value = parseJsonLine(line);
    if (value instanceof LineRejection) return value;
  }
  return reject("UNKNOWN_FORMAT", "line matches no known log format");
}

/** Characters of an unreadable request line kept on its event: enough to tell a TLS hello from an SSH banner. */
const MALFORMED_REQUEST_MAX = 256;
const NO_QUERY_KEYS: readonly string[] = Object.freeze([]);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/**
 * `line` without surrounding white space or a byte-order mark (editors put one at the start of
 * a file); the same string, not a copy, in the usual case of neither.
 */
function trimmed(line: string): string {
  if (line.length === 0) return line;
  const first = line.charCodeAt(0);
  return isSpace(first) || first === 0xfeff || isSpace(line.charCodeAt(line.length - 1)) ? line.trim() : line;
}

/**
 * Clients can set the request id (`X-Request-Id`) on many gateways, and it is echoed to humans in
 * alerts: one holding anything but printable ASCII without spaces is dropped, not the request.
 */
function safeRequestId(id: string): string {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c <= 32 || c >= 127) return "";
  }
  return id;
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

/**
 * Creates a decoder for one source; `options` are validated (and defaulted) here, so a raw
 * object is fine. `wallClock` is for the live edge only (see the header); without it the
 * decoder's result depends on its input alone. `jwtKeys`: the edge's JWT key ring, shared by a
 * process's decoders (and started when it has a URL); by default each decoder reads
 * `identity.jwt.jwksFile` itself.
 */
export function createLineDecoder(
  options: DecoderOptionsInput = {},
  wallClock?: () => number,
  jwtKeys?: JwtKeys,
): LineDecoder {
  const config = decoderOptionsSchema.parse(options);
  const fixed = config.format === "auto" ? undefined : FORMATS_BY_NAME.get(config.format);
  const cri = config.unwrapCri ? new CriUnwrapper(config.maxLineLength) : undefined;
  const resolver = new IdentityResolver(config.identity, LIMITS.agentId, LIMITS.tokenId, jwtKeys);
  const identity: ResolvedIdentity = {
    agentId: "",
    identitySource: "ip",
    authenticated: false,
    tokenId: "",
    scopes: undefined,
  };
  const path: PathTemplate = { template: "", queryKeys: [], objectId: undefined, objectNumber: undefined };
  const raws = new RawEventBatch();
  const operations = new OperationResolver(config.operations);
  const operationHeaders = config.operations.headers;
  const usePeer = config.clientAddress === "peer";
  const clientAddresses = new ClientAddressResolver(config.trustedProxies);
  let lastDetected: FormatDescriptor = FORMATS[0] as FormatDescriptor;
  // The source's event time: its newest accepted event, and the time of an event just rejected
  // as out of step with it (NaN: none yet; none since the last accepted line).
  let newest = Number.NaN;
  let outlier = Number.NaN;
  // What the line being normalized teaches about the source's time, applied only if it is accepted.
  let lineNewest = Number.NEGATIVE_INFINITY;
  let lineMovedOn = false;

  /**
   * Logs are homogeneous, so the previous line's format is tried first. The sniffers do not
   * overlap (the tests check that each fixture line is claimed by exactly one), so this gives
   * the registry order's answer at the cost of one sniff per line.
   */
  function detect(line: string): FormatDescriptor | undefined {
    if (lastDetected.sniff(line)) return lastDetected;
    for (const format of FORMATS) {
      if (format !== lastDetected && format.sniff(line)) {
        lastDetected = format;
        return format;
      }
    }
    return undefined;
  }

  function checkTime(timestamp: number, latestByClock: number): Rejection | undefined {
    if (timestamp < MIN_TIMESTAMP_MS || timestamp > MAX_TIMESTAMP_MS)
      return reject("TIMESTAMP_OUT_OF_RANGE", `timestamp ${timestamp} is not between 2000 and 2100`);
    if (timestamp > latestByClock) {
      return reject(
        "TIMESTAMP_OUT_OF_RANGE",
        `timestamp ${iso(timestamp)} is more than ${config.maxFutureSkewMs} ms ahead of the wall clock`,
      );
    }
    const behind = timestamp < newest - config.maxPastSkewMs;
    if (behind || timestamp > newest + config.maxGapMs) {
      // Comparisons with NaN are false: no window before the first event, no agreement without an
      // outlier. Agreeing is being in step with the outlier, by the same window as with `newest`.
      if (timestamp >= outlier - config.maxPastSkewMs && timestamp <= outlier + config.maxGapMs) {
        lineMovedOn = true;
      } else {
        outlier = timestamp;
        return reject(
          "TIMESTAMP_OUT_OF_RANGE",
          behind
            ? `timestamp ${iso(timestamp)} is more than ${config.maxPastSkewMs} ms behind this input's newest event (${iso(newest)})`
            : `timestamp ${iso(timestamp)} is more than ${config.maxGapMs} ms ahead of this input's newest event (${iso(newest)})`,
        );
      }
    }
    if (timestamp > lineNewest) lineNewest = timestamp;
    return undefined;
  }

  function normalize(raw: RawEvent, latestByClock: number, out: NormalizedEvent[]): Rejection | undefined {
    if (!Number.isFinite(raw.timestamp)) return reject("INVALID_FIELD", "timestamp: unreadable time");
    const timestamp = Math.floor(raw.timestamp);
    const timeProblem = checkTime(timestamp, latestByClock);
    if (timeProblem) return timeProblem;
    // Before the `ip` identity reads it.
    raw.clientIp =
      usePeer && raw.peerIp !== ""
        ? canonicalAddress(raw.peerIp)
        : raw.forwardedFor !== ""
          ? clientAddresses.resolve(raw.forwardedFor, raw.peerIp)
          : canonicalAddress(raw.peerIp || raw.clientIp);
    // An address that is no IP literal is no address (a newline or a fake message in `clientIp`).
    if (raw.clientIp !== "" && isIP(raw.clientIp) === 0) raw.clientIp = "";
    if (!resolver.resolve(raw, identity)) {
      return reject(
        "MISSING_IDENTITY",
        `no identity candidate matched (${config.identity.order.join(", ")})`,
      );
    }
    const method = canonicalMethod(raw.method);
    if (method === undefined) return reject("INVALID_FIELD", "method: not an HTTP method token");
    // Over-long free text is cut, not refused: a huge path must not make a request invisible.
    const requestPath = raw.path.length > LIMITS.path ? raw.path.slice(0, LIMITS.path) : raw.path;
    const event: NormalizedEvent = {
      timestamp,
      agentId: identity.agentId,
      method,
      path: requestPath,
      status: raw.status,
      requestBytes: raw.requestBytes,
      responseBytes: raw.responseBytes,
      latencyMs: raw.latencyMs,
      clientIp: raw.clientIp,
      tokenId: identity.tokenId,
      userId: raw.userId,
      userAgent:
        raw.userAgent.length > LIMITS.userAgent ? raw.userAgent.slice(0, LIMITS.userAgent) : raw.userAgent,
      requestId: safeRequestId(raw.requestId),
      route: raw.route,
      scopes: identity.scopes,
      identitySource: identity.identitySource,
      authenticated: identity.authenticated,
      template: "",
      queryKeys: NO_QUERY_KEYS,
      objectId: undefined,
      objectNumber: undefined,
      operationAccess: undefined,
      malformedRequest:
        raw.malformedRequest === undefined || raw.malformedRequest.length <= MALFORMED_REQUEST_MAX
          ? raw.malformedRequest
          : raw.malformedRequest.slice(0, MALFORMED_REQUEST_MAX),
    };
    if (firstInvalidField(event as unknown as Record<string, unknown>) !== undefined) {
      return reject("INVALID_FIELD", describeInvalid(event as unknown as Record<string, unknown>));
    }
    templatePath(requestPath, path);
    // The gateway's template when it logs one; the path's ids and query keys either way.
    event.template = raw.route ?? path.template;
    let logged = raw.operation;
    if (logged === undefined && raw.headers !== undefined && raw.headerSpelling !== undefined) {
      for (let i = 0; i < operationHeaders.length && logged === undefined; i++)
        logged = readHeader(raw.headers, raw.headerSpelling, operationHeaders[i] as string);
    }
    const operation = operations.resolve(method, event.template, requestPath, logged);
    event.operationAccess = operation?.access;
    if (operation !== undefined) {
      event.template = operation.template;
      event.operation = operation.name;
    } else if (logged !== undefined) event.operation = logged.slice(0, 256);
    event.queryKeys = path.queryKeys;
    event.objectId = path.objectId;
    event.objectNumber = path.objectNumber;
    out.push(event);
    return undefined;
  }

  function decode(input: string, out: NormalizedEvent[], lineNumber: number): Rejection | undefined {
    if (input.length > config.maxLineLength)
      return reject("LINE_TOO_LONG", `line exceeds ${config.maxLineLength} characters`);
    let line = trimmed(input);
    if (line.length === 0) return reject("EMPTY_LINE", "line is empty");
    if (line.includes("\uFFFD"))
      return reject("INVALID_UTF8", "line holds U+FFFD, the mark of bytes that were not UTF-8");
    if (cri !== undefined) {
      const payload = cri.unwrap(line, lineNumber);
      if (payload === PARTIAL) return undefined;
      if (payload instanceof LineRejection) return payload;
      if (payload !== undefined) {
        line = trimmed(payload);
        if (line.length === 0) return reject("EMPTY_LINE", "container log line has an empty payload");
      }
    }
    const format = fixed ?? detect(line);
    if (format === undefined) return unknownFormat(line);
    const problem = format.parse(line, raws) ?? normalizeBatch(out);
    raws.clear(); // drop references to the line's record (it may hold credentials)
    return problem;
  }

  /** Normalizes every event of the batch into `out`, or none of them. */
  function normalizeBatch(out: NormalizedEvent[]): Rejection | undefined {
    const latestByClock =
      wallClock === undefined ? Number.POSITIVE_INFINITY : wallClock() + config.maxFutureSkewMs;
    const start = out.length;
    lineNewest = Number.NEGATIVE_INFINITY;
    lineMovedOn = false;
    for (let i = 0; i < raws.length; i++) {
      const rejection = normalize(raws.get(i), latestByClock, out);
      if (rejection) {
        out.length = start;
        return raws.length > 1
          ? reject(rejection.code, `batch record ${i}: ${rejection.message}`)
          : rejection;
      }
    }
    if (lineNewest !== Number.NEGATIVE_INFINITY) {
      newest = lineMovedOn || Number.isNaN(newest) ? lineNewest : Math.max(newest, lineNewest);
      outlier = Number.NaN;
    }
    return undefined;
  }

  const decoder = (line: string, out: NormalizedEvent[], lineNumber = 0): Rejection | undefined => {
    const start = out.length;
    try {
      return decode(line, out, lineNumber);
    } catch (error) {
      out.length = start;
      raws.clear();
      // A parser bug must cost one line, not the pipeline; the message names no line content.
      return reject("MALFORMED_LINE", `decoder error: ${error instanceof Error ? error.name : "unknown"}`);
    }
  };
  return Object.assign(decoder, { end: (): UnfinishedLine[] => cri?.end() ?? [] });
}
