/**
 * Agent identity resolution: which agent made this request, and with which credential.
 *
 * The identity is the first usable candidate of a configured order (default
 * `agent, header:x-agent-id, jwt, consumer, apikey, ip`):
 * - `agent`: the record's explicit agent field (canonical `agentId`, a root `agent_id`);
 * - `header:<name>`: a logged request header (case-insensitive name);
 * - `jwt`: the `sub` of a logged bearer JWT (decoded, never verified, never kept), or of a JWT
 *   the gateway validated itself (AWS `authorizer.claims.sub`);
 * - `consumer`: the gateway's authenticated entity (Kong consumer, nginx `$remote_user`,
 *   Traefik basic-auth user, AWS authorizer principal / IAM user);
 * - `apikey`: an API-key id the gateway logged, else a hash of a logged API-key header;
 * - `ip`: the client address; such an identity is marked `ip`, as many clients can share one.
 * A candidate is skipped (not the line rejected) when its value is empty, longer than an
 * agent id may be, or holds control characters: otherwise a client could make its requests
 * invisible by sending a garbage header.
 *
 * The credential (token id) is established independently of the order: the JWT's `jti`, a
 * credential id the gateway logged, or else a truncated SHA-256 of the raw bearer token / API
 * key, so raw secrets never reach a profile, a log or an alert.
 */
import { z } from "zod";
import { accessEventSchema, type IdentitySource } from "../events/event.js";
import { readHeader } from "../parse/headers.js";
import type { RawEvent } from "../parse/types.js";
import { bearerToken, decodeJwtPayload, jwtScopes } from "./jwt.js";
import { hashSecret } from "./secret-hash.js";

export const DEFAULT_IDENTITY_ORDER = [
  "agent",
  "header:x-agent-id",
  "jwt",
  "consumer",
  "apikey",
  "ip",
] as const;

const candidateSchema = z
  .string()
  .regex(/^(agent|jwt|consumer|apikey|ip|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, {
    message: 'expected "agent", "header:<name>", "jwt", "consumer", "apikey" or "ip"',
  })
  .transform((candidate) => candidate.toLowerCase());

const headerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: "expected an HTTP header name" })
  .transform((name) => name.toLowerCase());

export const identityOptionsSchema = z
  .object({
    /**
     * Identity candidates, strongest first; the first one a record yields is the agent id.
     * Drop `ip` to reject (MISSING_IDENTITY) requests that carry no credential instead of
     * profiling them per address. Note that headers such as `x-agent-id` are set by the
     * client: list them before `jwt`/`consumer` only when the gateway enforces them.
     */
    order: z
      .array(candidateSchema)
      .min(1)
      .default([...DEFAULT_IDENTITY_ORDER]),
    /** Header carrying `Bearer <token>` (read for `jwt` and for the token id). */
    authorizationHeader: headerNameSchema.default("authorization"),
    /** Headers carrying a raw API key (hashed before use, for `apikey` and the token id). */
    apiKeyHeaders: z.array(headerNameSchema).default(["x-api-key", "apikey"]),
    /** JWT claim naming the agent. */
    subjectClaim: z.string().min(1).default("sub"),
  })
  .strict();

export type IdentityOptions = z.output<typeof identityOptionsSchema>;

const scopesSchema = accessEventSchema.shape.scopes;

/** What `resolve` establishes for one event. */
export interface ResolvedIdentity {
  agentId: string;
  identitySource: IdentitySource;
  tokenId: string;
  scopes: string[] | undefined;
}

/** Whether `value` can serve as an id: non-empty, within the schema's length limit, no control characters. */
function usable(value: string | undefined, maxLength: number): value is string {
  if (value === undefined || value === "" || value.length > maxLength) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c === 127) return false;
  }
  return true;
}

/**
 * Gateways can log credentials masked (Traefik's `REDACTED`, `****` elsewhere). A mask is the
 * same for every client, so hashing it would give all of them one shared "token".
 */
function isRedacted(value: string): boolean {
  if (value.includes("REDACTED")) return true;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) !== 42) return false; // *
  return true;
}

type Candidate = (event: RawEvent, resolver: IdentityResolver) => string | undefined;

function compileCandidate(candidate: string): { source: IdentitySource; read: Candidate } {
  if (candidate.startsWith("header:")) {
    const name = candidate.slice("header:".length);
    return {
      source: "header",
      read: (event) =>
        event.headers && event.headerSpelling
          ? readHeader(event.headers, event.headerSpelling, name)
          : undefined,
    };
  }
  switch (candidate) {
    case "agent":
      return { source: "agent", read: (event) => event.agent };
    case "jwt":
      return { source: "jwt", read: (event, resolver) => event.jwtSubject ?? resolver.bearerSubject(event) };
    case "consumer":
      return { source: "consumer", read: (event) => event.consumer };
    case "apikey":
      return { source: "apikey", read: (event, resolver) => event.apiKeyId ?? resolver.hashedApiKey(event) };
    case "ip":
      return { source: "ip", read: (event) => event.clientIp };
    default:
      throw new Error(`unknown identity candidate ${candidate}`); // unreachable: the schema admits none
  }
}

/**
 * Resolves identities with one configuration. Holds per-event scratch state (the decoded bearer
 * claims) between `resolve`'s steps, so one instance serves one synchronous decoder.
 */
export class IdentityResolver {
  private readonly sources: IdentitySource[];
  private readonly candidates: Candidate[];
  /** Claims of the current event's bearer JWT; `null` = not looked at yet, undefined = none. */
  private claims: Readonly<Record<string, unknown>> | undefined | null = null;
  /** The raw credential of the Authorization header (bearer token, or the whole value). */
  private credential: string | undefined;

  constructor(
    private readonly options: IdentityOptions,
    private readonly maxAgentIdLength: number,
    private readonly maxTokenIdLength: number,
  ) {
    const compiled = options.order.map(compileCandidate);
    this.sources = compiled.map((c) => c.source);
    this.candidates = compiled.map((c) => c.read);
  }

  /** Fills `out` for `event`; returns false when no candidate yields an identity. */
  resolve(event: RawEvent, out: ResolvedIdentity): boolean {
    this.claims = null;
    this.credential = undefined;
    let found = false;
    for (let i = 0; i < this.candidates.length; i++) {
      const value = (this.candidates[i] as Candidate)(event, this);
      if (usable(value, this.maxAgentIdLength)) {
        out.agentId = value;
        out.identitySource = this.sources[i] as IdentitySource;
        found = true;
        break;
      }
    }
    out.tokenId = event.tokenId;
    out.scopes = event.scopes;
    if (event.headers !== undefined && (out.tokenId === "" || out.scopes === undefined))
      this.readCredential(event, out);
    if (out.tokenId === "" && event.apiKeyId !== undefined) out.tokenId = event.apiKeyId;
    this.claims = null;
    this.credential = undefined;
    return found;
  }

  /** The `sub` (or configured claim) of the event's bearer JWT. */
  bearerSubject(event: RawEvent): string | undefined {
    const subject = this.bearerClaims(event)?.[this.options.subjectClaim];
    return typeof subject === "string" ? subject : undefined;
  }

  /** A hash of the first logged API-key header. */
  hashedApiKey(event: RawEvent): string | undefined {
    if (event.headers === undefined || event.headerSpelling === undefined) return undefined;
    for (const name of this.options.apiKeyHeaders) {
      const key = readHeader(event.headers, event.headerSpelling, name);
      if (key !== undefined && !isRedacted(key)) return hashSecret(key);
    }
    return undefined;
  }

  private bearerClaims(event: RawEvent): Readonly<Record<string, unknown>> | undefined {
    if (this.claims !== null) return this.claims;
    this.claims = undefined;
    if (event.headers !== undefined && event.headerSpelling !== undefined) {
      const authorization = readHeader(event.headers, event.headerSpelling, this.options.authorizationHeader);
      if (authorization !== undefined && !isRedacted(authorization)) {
        const token = bearerToken(authorization);
        if (token !== undefined) this.claims = decodeJwtPayload(token);
        this.credential = token ?? authorization; // Basic and other schemes: the whole value
      }
    }
    return this.claims;
  }

  private readCredential(event: RawEvent, out: ResolvedIdentity): void {
    const claims = this.bearerClaims(event);
    if (claims !== undefined && out.scopes === undefined) {
      // A token's scopes are informative: ones the schema would refuse are dropped, not fatal.
      const scopes = jwtScopes(claims);
      if (scopes !== undefined && scopesSchema.safeParse(scopes).success) out.scopes = scopes;
    }
    if (out.tokenId !== "") return;
    const jti = claims?.jti;
    if (typeof jti === "string" && usable(jti, this.maxTokenIdLength)) out.tokenId = jti;
    else if (this.credential !== undefined) out.tokenId = hashSecret(this.credential);
    else out.tokenId = this.hashedApiKey(event) ?? "";
  }
}
