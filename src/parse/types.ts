/**
 * Contracts between the log-format parsers and the line decoder.
 *
 * A parser turns one line of its format into `RawEvent`s: the fields it can read, already typed
 * (numbers as numbers, times as epoch milliseconds), plus the identity evidence the line carries
 * (agent field, consumer, API-key id, logged headers). It knows nothing about configuration:
 * identity resolution, templating and the final checks against the canonical schema happen once,
 * in the decoder, for every format alike.
 */
import type { ErrorCode } from "../errors.js";
import type { HeaderSpelling } from "./headers.js";

/** Why a line produced no event. `message` is for operators: it never contains the line's secrets. */
export interface Rejection {
  code: ErrorCode;
  message: string;
}

/** Concrete class so the hot path can tell a rejection from a parsed value with `instanceof`. */
export class LineRejection implements Rejection {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

export function reject(code: ErrorCode, message: string): LineRejection {
  return new LineRejection(code, message);
}

/**
 * What a parser read from one access-log record. Values a format does not carry are left at
 * their neutral defaults (`""`, `0`, `undefined`). A value of the wrong type is passed through
 * as-is (or as NaN for numbers) so the decoder's schema check names the field.
 */
export interface RawEvent {
  /** Epoch milliseconds, NaN when the record's time could not be read. */
  timestamp: number;
  method: string;
  /** Path with query string, as requested. */
  path: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  latencyMs: number;
  clientIp: string;
  userAgent: string;
  requestId: string;
  /** The gateway's own route *template* (e.g. `/pets/{id}`); undefined when it logs none. */
  route: string | undefined;
  /** Credential id the gateway logged (never a raw secret); "" when none. */
  tokenId: string;
  userId: string;
  scopes: string[] | undefined;
  /** Explicit agent id field of the record. */
  agent: string | undefined;
  /** Authenticated entity the gateway resolved: Kong consumer, nginx `$remote_user`, AWS principal. */
  consumer: string | undefined;
  /** API-key id (not the key) the gateway logged. */
  apiKeyId: string | undefined;
  /** Subject of a JWT the gateway itself validated (AWS `authorizer.claims.sub`). */
  jwtSubject: string | undefined;
  /** The object holding logged request headers, under the keys `headerSpelling` gives. */
  headers: Readonly<Record<string, unknown>> | undefined;
  headerSpelling: HeaderSpelling | undefined;
}

/** A fresh RawEvent with every field present, so all events share one hidden class. */
export function newRawEvent(): RawEvent {
  return {
    timestamp: Number.NaN,
    method: "",
    path: "",
    status: Number.NaN,
    requestBytes: 0,
    responseBytes: 0,
    latencyMs: 0,
    clientIp: "",
    userAgent: "",
    requestId: "",
    route: undefined,
    tokenId: "",
    userId: "",
    scopes: undefined,
    agent: undefined,
    consumer: undefined,
    apiKeyId: undefined,
    jwtSubject: undefined,
    headers: undefined,
    headerSpelling: undefined,
  };
}

/** One supported log format. `formats/index.ts` lists them; nothing dispatches on names. */
export interface FormatDescriptor {
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** Cheap test (substring checks, no parsing) whether `line` is probably in this format. */
  sniff(line: string): boolean;
  /** Parses `line`, pushing one RawEvent per record (Kong batches carry several). */
  parse(line: string, out: RawEvent[]): Rejection | undefined;
}
