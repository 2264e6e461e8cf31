/**
 * The canonical access event: the one shape every gateway format is turned into.
 *
 * `accessEventSchema` is the single definition (zod). It accepts what the `json` log format
 * carries (ISO 8601 or epoch-ms timestamps, snake_case aliases are mapped before validation by
 * the json parser) and yields an `AccessEvent` with the timestamp as epoch milliseconds.
 * `NormalizedEvent` is what the core consumes: an AccessEvent plus the resolved identity and the
 * route template, computed once at the edge so detectors never re-derive them.
 */
import { z } from "zod";

/**
 * The absolute sanity range of event time: outside it a timestamp is a unit or format mistake
 * (seconds read as milliseconds land in 1970, microseconds thousands of years ahead), whatever
 * the stream around it says. The decoder also bounds time relative to its source's newest event
 * (`input.maxPastSkewMs`, `input.maxGapMs`).
 */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
export const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1);

const timestampSchema = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true, local: false }).transform((s) => Date.parse(s)),
]);

const shortString = (max: number) => z.string().max(max);

export const accessEventSchema = z.object({
  /** When the request arrived, ISO 8601 with offset or epoch milliseconds. */
  timestamp: timestampSchema,
  /** Who made the request (resolved identity; see `identity.order` in the config). */
  agentId: shortString(256).min(1),
  /** HTTP method, upper case (the decoder upper-cases it, and refuses what is no method token). */
  method: shortString(16).min(1),
  /** Request path including the query string, as sent. */
  path: shortString(8192).min(1),
  /** HTTP status returned to the client (0 when the client went away). */
  status: z.number().int().min(0).max(999),
  /** Request body bytes. */
  requestBytes: z.number().int().nonnegative(),
  /** Response body bytes. */
  responseBytes: z.number().int().nonnegative(),
  /** Total time the gateway spent on the request, milliseconds. */
  latencyMs: z.number().nonnegative(),
  /** Address of the client as the gateway saw it (first hop of X-Forwarded-For when logged). */
  clientIp: shortString(64),
  /** Identifier of the credential used (token id, key id, JWT jti); empty when unknown. */
  tokenId: shortString(512),
  /** End user on whose behalf the agent acted; empty when unknown. */
  userId: shortString(256),
  userAgent: shortString(1024),
  /** Gateway request id, echoed in alerts so an analyst can find the request. */
  requestId: shortString(256),
  /** The gateway's own route template (e.g. `/customers/{id}`), when it logs one. */
  route: shortString(1024).optional(),
  /**
   * The operation a request performs on an endpoint that carries many (a GraphQL operation name,
   * an MCP tool name), as the gateway logged it from a header or the body; see `engine.operations`.
   */
  operation: shortString(256).optional(),
  /** OAuth scopes granted to the credential. */
  scopes: z.array(shortString(128)).max(64).optional(),
});

export type AccessEventInput = z.input<typeof accessEventSchema>;
export type AccessEvent = z.output<typeof accessEventSchema>;

/** How the agent identity of an event was established, strongest first. */
export type IdentitySource = "agent" | "header" | "jwt" | "consumer" | "apikey" | "ip";

export interface NormalizedEvent extends AccessEvent {
  /** How `agentId` was resolved; `ip` means the identity is only as good as the address. */
  identitySource: IdentitySource;
  /**
   * The agent id and credential are vouched for (by the gateway, a verified JWT signature, or
   * possession of an API key) and the gateway did not refuse them; false for addresses and
   * claims such as an unverified JWT. Only authenticated identities are ever revoked.
   */
  authenticated: boolean;
  /** Route template: the gateway's route, or the path with ids replaced by placeholders, no query. */
  template: string;
  /** Sorted query-string keys (values dropped), empty when there is no query. */
  queryKeys: readonly string[];
  /**
   * The object id the request addressed: the last id-like path segment that templating replaced
   * (e.g. `1042` in `/customers/1042`), or undefined when the path has none.
   */
  objectId: string | undefined;
  /**
   * `objectId`'s digits as one number when it is a decimal, digit-group or prefixed-number id
   * (`1042`, `4421-0099-1234`, `inv-00148523`; at most 15 digits), for sequential-run detection.
   */
  objectNumber: number | undefined;
  /**
   * On a route that carries operations (GraphQL, an MCP tool gateway; see
   * `src/normalize/operations.ts`), whether the operation reads, writes or destroys: the profile
   * counts it so instead of by HTTP method. Undefined elsewhere.
   */
  operationAccess?: "read" | "write" | "destructive" | undefined;
  /**
   * The request line as the gateway logged it, when it could not be read as `METHOD target
   * [HTTP/x]` (a TLS or SSH handshake sent to an HTTP port, binary or garbled bytes, an empty line;
   * nginx writes such bytes as `\xHH`), cut to 256 characters. Such a request is still an event,
   * with method and path `-`, so detectors and rules see it; undefined for every readable request.
   */
  malformedRequest?: string | undefined;
}
