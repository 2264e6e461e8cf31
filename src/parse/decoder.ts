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
 * Time: `now` is read once per line, only to reject timestamps too far in the future; event
 * time is always the record's own timestamp.
 */
import { z } from "zod";
import { MIN_TIMESTAMP_MS, type NormalizedEvent } from "../events/event.js";
import { describeInvalid, firstInvalidField, LIMITS } from "../normalize/event-check.js";
import { IdentityResolver, identityOptionsSchema, type ResolvedIdentity } from "../normalize/identity.js";
import { canonicalAddress } from "../normalize/ip-address.js";
import { type PathTemplate, templatePath } from "../normalize/route-template.js";
import { CriUnwrapper, PARTIAL } from "./cri.js";
import { FORMATS } from "./formats/index.js";
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

export const FORMAT_NAMES = [
  "auto",
  "json",
  "nginx",
  "nginx-json",
  "envoy",
  "envoy-json",
  "kong",
  "traefik",
  "aws-apigw",
] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

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
     * How far past the wall clock an event's timestamp may be, in ms. Event time drives every
     * decay and expiry, so one far-future event would age every profile at once; an hour
     * tolerates gateway clock drift and daylight-saving mistakes.
     */
    maxFutureSkewMs: z.number().int().nonnegative().default(3_600_000),
    /**
     * Which address is the client. `forwarded`: the first X-Forwarded-For hop when the log has
     * one, i.e. the original client behind proxies and load balancers, but a value the client
     * itself can set (a stolen token replayed with its victim's address in the header). `peer`:
     * the address that connected to the gateway, which cannot be forged but is the last
     * proxy's behind one. Formats that log no peer address (Envoy's default text format,
     * canonical JSON) use the forwarded address either way.
     */
    clientAddress: z.enum(["forwarded", "peer"]).default("forwarded"),
    /** Unwrap container-runtime (`<time> stdout F <line>`) lines before parsing. */
    unwrapCri: z.boolean().default(true),
  })
  .strict();

export type DecoderOptions = z.output<typeof decoderOptionsSchema>;
export type DecoderOptionsInput = z.input<typeof decoderOptionsSchema>;
export type LineDecoder = (line: string, out: NormalizedEvent[]) => Rejection | undefined;

/** Why no format claimed `line`: broken JSON is named as such (a truncated record, not a new format). */
function unknownFormat(line: string): Rejection {
  const first = line.charCodeAt(0);
  if (first === 123 || first === 91) {
    const value = parseJsonLine(line);
    if (value instanceof LineRejection) return value;
  }
  return reject("UNKNOWN_FORMAT", "line matches no known log format");
}

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

/** Creates a decoder; `options` are validated (and defaulted) here, so a raw object is fine. */
export function createLineDecoder(
  options: DecoderOptionsInput = {},
  now: () => number = Date.now,
): LineDecoder {
  const config = decoderOptionsSchema.parse(options);
  const fixed = config.format === "auto" ? undefined : FORMATS_BY_NAME.get(config.format);
  const cri = config.unwrapCri ? new CriUnwrapper(config.maxLineLength) : undefined;
  const resolver = new IdentityResolver(config.identity, LIMITS.agentId, LIMITS.tokenId);
  const identity: ResolvedIdentity = { agentId: "", identitySource: "ip", tokenId: "", scopes: undefined };
  const path: PathTemplate = { template: "", queryKeys: [], objectId: undefined, objectNumber: undefined };
  const raws = new RawEventBatch();
  const usePeer = config.clientAddress === "peer";
  let lastDetected: FormatDescriptor = FORMATS[0] as FormatDescriptor;

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

  function normalize(raw: RawEvent, latestAllowed: number, out: NormalizedEvent[]): Rejection | undefined {
    if (!Number.isFinite(raw.timestamp)) return reject("INVALID_FIELD", "timestamp: unreadable time");
    const timestamp = Math.floor(raw.timestamp);
    if (timestamp < MIN_TIMESTAMP_MS || timestamp > latestAllowed) {
      return reject(
        "TIMESTAMP_OUT_OF_RANGE",
        `timestamp ${timestamp} is before 2000 or too far in the future`,
      );
    }
    // Before the `ip` identity reads it.
    raw.clientIp = canonicalAddress(usePeer && raw.peerIp !== "" ? raw.peerIp : raw.clientIp);
    if (!resolver.resolve(raw, identity)) {
      return reject(
        "MISSING_IDENTITY",
        `no identity candidate matched (${config.identity.order.join(", ")})`,
      );
    }
    // Over-long free text is cut, not refused: a huge path must not make a request invisible.
    const requestPath = raw.path.length > LIMITS.path ? raw.path.slice(0, LIMITS.path) : raw.path;
    const event: NormalizedEvent = {
      timestamp,
      agentId: identity.agentId,
      method: raw.method,
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
      requestId: raw.requestId,
      route: raw.route,
      scopes: identity.scopes,
      identitySource: identity.identitySource,
      template: "",
      queryKeys: NO_QUERY_KEYS,
      objectId: undefined,
      objectNumber: undefined,
    };
    if (firstInvalidField(event as unknown as Record<string, unknown>) !== undefined) {
      return reject("INVALID_FIELD", describeInvalid(event as unknown as Record<string, unknown>));
    }
    templatePath(requestPath, path);
    // The gateway's template when it logs one; the path's ids and query keys either way.
    event.template = raw.route ?? path.template;
    event.queryKeys = path.queryKeys;
    event.objectId = path.objectId;
    event.objectNumber = path.objectNumber;
    out.push(event);
    return undefined;
  }

  function decode(input: string, out: NormalizedEvent[]): Rejection | undefined {
    if (input.length > config.maxLineLength)
      return reject("LINE_TOO_LONG", `line exceeds ${config.maxLineLength} characters`);
    let line = trimmed(input);
    if (line.length === 0) return reject("EMPTY_LINE", "line is empty");
    if (line.includes("\uFFFD"))
      return reject("INVALID_UTF8", "line holds U+FFFD, the mark of bytes that were not UTF-8");
    if (cri !== undefined) {
      const payload = cri.unwrap(line);
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
    const latestAllowed = now() + config.maxFutureSkewMs;
    const start = out.length;
    for (let i = 0; i < raws.length; i++) {
      const rejection = normalize(raws.get(i), latestAllowed, out);
      if (rejection) {
        out.length = start;
        return raws.length > 1
          ? reject(rejection.code, `batch record ${i}: ${rejection.message}`)
          : rejection;
      }
    }
    return undefined;
  }

  return (line, out) => {
    const start = out.length;
    try {
      return decode(line, out);
    } catch (error) {
      out.length = start;
      raws.clear();
      // A parser bug must cost one line, not the pipeline; the message names no line content.
      return reject("MALFORMED_LINE", `decoder error: ${error instanceof Error ? error.name : "unknown"}`);
    }
  };
}
