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
  /**
   * The client as the log names it: first X-Forwarded-For hop when logged, else the peer. The
   * decoder replaces it with the address `input.trustedProxies` allows (see client-address.ts).
   */
  clientIp: string;
  /** The address that connected to the gateway, "" when the format does not log it. */
  peerIp: string;
  /** The logged X-Forwarded-For list as written, "" when the format or line has none. */
  forwardedFor: string;
  userAgent: string;
  requestId: string;
  /** The gateway's own route *template* (e.g. `/pets/{id}`); undefined when it logs none. */
  route: string | undefined;
  /** Credential id the gateway logged (never a raw secret); "" when none. */
  tokenId: string;
  /** Operation the gateway logged from the request body (GraphQL operation, MCP tool), if any. */
  operation: string | undefined;
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
  /** The request line as logged when it is no `METHOD target [HTTP/x]` (method and path are then `-`). */
  malformedRequest: string | undefined;
}

/** Sets every field to its neutral default (field by field: several times faster than Object.assign). */
function resetRawEvent(event: RawEvent): void {
  event.timestamp = Number.NaN;
  event.method = "";
  event.path = "";
  event.status = Number.NaN;
  event.requestBytes = 0;
  event.responseBytes = 0;
  event.latencyMs = 0;
  event.clientIp = "";
  event.peerIp = "";
  event.forwardedFor = "";
  event.userAgent = "";
  event.requestId = "";
  event.route = undefined;
  event.tokenId = "";
  event.operation = undefined;
  event.userId = "";
  event.scopes = undefined;
  event.agent = undefined;
  event.consumer = undefined;
  event.apiKeyId = undefined;
  event.jwtSubject = undefined;
  event.headers = undefined;
  event.headerSpelling = undefined;
  event.malformedRequest = undefined;
}

/** A RawEvent with every field present, added in one order, so all share one hidden class. */
function newRawEvent(): RawEvent {
  const event = {} as RawEvent;
  resetRawEvent(event);
  return event;
}

/**
 * The events a parser produced for one line. Events are recycled from line to line (the
 * decoder copies what it keeps into a fresh NormalizedEvent), which spares the garbage
 * collector one object per event on the hot path.
 */
export class RawEventBatch {
  private readonly pool: RawEvent[] = [];
  /** Recycled events kept beyond this are dropped, so one huge Kong batch is not kept around. */
  private static readonly POOL_LIMIT = 64;
  length = 0;

  /** Appends an event with every field at its neutral default and returns it for filling in. */
  add(): RawEvent {
    let event = this.pool[this.length];
    if (event === undefined) {
      event = newRawEvent();
      this.pool.push(event);
    } else {
      resetRawEvent(event);
    }
    this.length++;
    return event;
  }

  get(index: number): RawEvent {
    return this.pool[index] as RawEvent;
  }

  /** Empties the batch, dropping references to the line's data (its headers may hold credentials). */
  clear(): void {
    for (let i = 0; i < this.length; i++) (this.pool[i] as RawEvent).headers = undefined;
    if (this.pool.length > RawEventBatch.POOL_LIMIT) this.pool.length = RawEventBatch.POOL_LIMIT;
    this.length = 0;
  }

  /** Drops the events added after the first `length` (a batch record turned out bad). */
  truncate(length: number): void {
    for (let i = length; i < this.length; i++) (this.pool[i] as RawEvent).headers = undefined;
    this.length = length;
  }
}

/** One supported log format. `formats/index.ts` lists them; nothing dispatches on names. */
export interface FormatDescriptor {
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** Cheap test (substring checks, no parsing) whether `line` is probably in this format. */
  sniff(line: string): boolean;
  /** Parses `line`, adding one RawEvent per record to `out` (Kong batches carry several). */
  parse(line: string, out: RawEventBatch): Rejection | undefined;
}
