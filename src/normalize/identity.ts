/**
 * Agent identity resolution: which agent made this request, with which credential, and whether
 * that identity is *authenticated* (something the client cannot forge says so) or merely
 * *claimed*. Only authenticated identities may drive a token revocation (see policy.ts).
 *
 * The identity is the first usable candidate of a configured order (default
 * `agent, consumer, jwt, apikey, ip`):
 * - `agent`: the record's explicit agent field (canonical `agentId`, a root `agent_id`), which
 *   the log's producer (the gateway) resolved: authenticated;
 * - `consumer`: the gateway's authenticated entity (Kong consumer, nginx `$remote_user`,
 *   Traefik basic-auth user, AWS authorizer principal / IAM user): authenticated;
 * - `header:<name>`: a logged request header (case-insensitive name). Any client can send any
 *   header, so a header is accepted in the order only when `trustedHeaders` lists it, i.e. the
 *   operator states that the gateway sets it (and strips what the client sent);
 * - `jwt`: the `sub` of a JWT the gateway validated itself (AWS `authorizer.claims.sub`), or of
 *   a logged bearer JWT. The latter is authenticated only when `jwt` verification is configured
 *   and its signature, issuer, audience and times check out; otherwise it is a claim;
 * - `apikey`: an API-key id the gateway logged, else a hash of a logged API-key header (only the
 *   key's holder can produce that hash, so it frames no one);
 * - `ip`: the client address; such an identity is marked `ip`, as many clients can share one.
 * A candidate is skipped (not the line rejected) when its value is empty, longer than an
 * agent id may be, or holds control characters: otherwise a client could make its requests
 * invisible by sending a garbage header.
 *
 * A request the gateway refused (401, 403, 407) proves nothing about the credential it carried:
 * unless its identity was asserted by the gateway or a verified signature, it counts against
 * its source address instead (where many refusals are a signal of their own: credential
 * stuffing, token guessing), and it is never authenticated.
 *
 * The credential (token id) is established independently of the order: a credential id the
 * gateway logged, the `jti` of a *verified* JWT, or else a truncated SHA-256 of the raw bearer
 * token / API key, so raw secrets never reach a profile, a log or an alert, and a forged JWT
 * cannot name its victim's `jti`.
 */
import { z } from "zod";
import { accessEventSchema, type IdentitySource } from "../events/event.js";
import { hasInvisible } from "../events/visible-text.js";
import { readHeader } from "../parse/headers.js";
import type { RawEvent } from "../parse/types.js";
import { bearerToken, decodeJwtPayload, jwtScopes } from "./jwt.js";
import { JwtKeys, JwtVerifier, jwtVerifyOptionsSchema } from "./jwt-verify.js";
import { hashSecret } from "./secret-hash.js";

export const DEFAULT_IDENTITY_ORDER = ["agent", "consumer", "jwt", "apikey", "ip"] as const;

/** HTTP statuses by which a gateway refuses a request's credential. */
function refusedCredential(status: number): boolean {
  return status === 401 || status === 403 || status === 407;
}

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
     * profiling them per address. A `header:<name>` candidate must be listed in
     * `trustedHeaders`.
     */
    order: z
      .array(candidateSchema)
      .min(1)
      .default([...DEFAULT_IDENTITY_ORDER]),
    /**
     * Request headers the gateway sets itself (overwriting whatever the client sent), which may
     * therefore name an agent: e.g. `x-agent-id` set by nginx `auth_request` from the IdP's
     * answer. A header not listed here is the client's word and cannot be an identity.
     */
    trustedHeaders: z.array(headerNameSchema).default([]),
    /** Header carrying `Bearer <token>` (read for `jwt` and for the token id). */
    authorizationHeader: headerNameSchema.default("authorization"),
    /** Headers carrying a raw API key (hashed before use, for `apikey` and the token id). */
    apiKeyHeaders: z.array(headerNameSchema).default(["x-api-key", "apikey"]),
    /** JWT claim naming the agent. */
    subjectClaim: z.string().min(1).default("sub"),
    /**
     * Verification of logged bearer JWTs (JWKS file or URL, issuer, audience). Without a key
     * source, a JWT's subject is only claimed: it still names the agent of requests the gateway
     * accepted, but never drives a revocation, and refused requests count against their address.
     */
    jwt: jwtVerifyOptionsSchema.prefault({}),
  })
  .strict()
  .superRefine((options, ctx) => {
    options.order.forEach((candidate, i) => {
      const name = candidate.startsWith("header:") ? candidate.slice("header:".length) : undefined;
      if (name !== undefined && !options.trustedHeaders.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["order", i],
          message: `${candidate}: clients can send any header; list "${name}" in trustedHeaders only if the gateway sets it and drops the client's value`,
        });
      }
    });
  });

export type IdentityOptions = z.output<typeof identityOptionsSchema>;

const scopesSchema = accessEventSchema.shape.scopes;

/** What `resolve` establishes for one event. */
export interface ResolvedIdentity {
  agentId: string;
  identitySource: IdentitySource;
  /** The identity and its credential are vouched for by the gateway or a verified signature (see the header). */
  authenticated: boolean;
  tokenId: string;
  scopes: string[] | undefined;
}

/**
 * Whether `value` can serve as an id: non-empty, within the schema's length limit, no control,
 * bidi or zero-width characters (an id shown to a human must read as what it is).
 */
function usable(value: string | undefined, maxLength: number): value is string {
  if (value === undefined || value === "" || value.length > maxLength) return false;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c === 127) return false;
    if (c > 127) ascii = false;
  }
  return ascii || !hasInvisible(value);
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

/**
 * Reads one candidate. It sets `resolver.asserted` to whether the value it returns is vouched
 * for by the gateway, a verified signature or possession of a secret (rather than by the
 * client's word).
 */
type Candidate = (event: RawEvent, resolver: IdentityResolver) => string | undefined;

function asserted<T>(resolver: IdentityResolver, value: T, vouched: boolean): T {
  resolver.asserted = vouched;
  return value;
}

function compileCandidate(candidate: string): { source: IdentitySource; read: Candidate } {
  if (candidate.startsWith("header:")) {
    const name = candidate.slice("header:".length);
    return {
      source: "header",
      // Only trusted headers get here (the options' check): the gateway set them.
      read: (event, resolver) =>
        asserted(
          resolver,
          event.headers && event.headerSpelling
            ? readHeader(event.headers, event.headerSpelling, name)
            : undefined,
          true,
        ),
    };
  }
  switch (candidate) {
    case "agent":
      return { source: "agent", read: (event, resolver) => asserted(resolver, event.agent, true) };
    case "jwt":
      return {
        source: "jwt",
        read: (event, resolver) =>
          event.jwtSubject !== undefined
            ? asserted(resolver, event.jwtSubject, true)
            : resolver.bearerSubject(event),
      };
    case "consumer":
      return { source: "consumer", read: (event, resolver) => asserted(resolver, event.consumer, true) };
    case "apikey":
      return {
        source: "apikey",
        read: (event, resolver) =>
          event.apiKeyId !== undefined
            ? asserted(resolver, event.apiKeyId, true)
            : asserted(resolver, resolver.hashedApiKey(event), true), // only the key's holder has it
      };
    case "ip":
      return { source: "ip", read: (event, resolver) => asserted(resolver, event.clientIp, false) };
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
  private readonly verifier: JwtVerifier;
  /** Claims of the current event's bearer JWT; `null` = not looked at yet, undefined = none. */
  private claims: Readonly<Record<string, unknown>> | undefined | null = null;
  /** Whether `claims` passed verification (signature, issuer, audience, times). */
  private verified = false;
  /** The raw credential of the Authorization header (bearer token, or the whole value). */
  private credential: string | undefined;
  /** Set by each candidate read: whether its value is vouched for (see `Candidate`). */
  asserted = false;

  /** `keys`: the edge's key ring (started when it has a URL); by default one from `options.jwt` (file only). */
  constructor(
    private readonly options: IdentityOptions,
    private readonly maxAgentIdLength: number,
    private readonly maxTokenIdLength: number,
    keys: JwtKeys = new JwtKeys(options.jwt),
  ) {
    const compiled = options.order.map(compileCandidate);
    this.sources = compiled.map((c) => c.source);
    this.candidates = compiled.map((c) => c.read);
    this.verifier = new JwtVerifier(keys);
  }

  /** Fills `out` for `event`; returns false when no candidate yields an identity. */
  resolve(event: RawEvent, out: ResolvedIdentity): boolean {
    this.claims = null;
    this.verified = false;
    this.credential = undefined;
    let found = false;
    for (let i = 0; i < this.candidates.length; i++) {
      this.asserted = false;
      const value = (this.candidates[i] as Candidate)(event, this);
      if (usable(value, this.maxAgentIdLength)) {
        out.agentId = value;
        out.identitySource = this.sources[i] as IdentitySource;
        found = true;
        break;
      }
    }
    const refused = refusedCredential(event.status);
    // A refused key proves nothing (it was a guess); a gateway-logged key id is the gateway's word.
    out.authenticated =
      found && this.asserted && !(refused && out.identitySource === "apikey" && event.apiKeyId === undefined);
    if (found && refused && !out.authenticated) {
      // The gateway refused the credential: what it names is no evidence about anyone but the sender.
      found = usable(event.clientIp, this.maxAgentIdLength);
      if (found) {
        out.agentId = event.clientIp;
        out.identitySource = "ip";
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

  /** The `sub` (or configured claim) of the event's bearer JWT; sets `asserted` when verified. */
  bearerSubject(event: RawEvent): string | undefined {
    const subject = this.bearerClaims(event)?.[this.options.subjectClaim];
    this.asserted = this.verified;
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
        if (token !== undefined) {
          const verified = this.verifier.enabled ? this.verifier.verify(token, event.timestamp) : undefined;
          this.verified = verified !== undefined;
          this.claims = verified ?? decodeJwtPayload(token);
        }
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
    // An unverified `jti` is the client's word: a forged token must not name its victim's.
    const jti = this.verified ? claims?.jti : undefined;
    if (typeof jti === "string" && usable(jti, this.maxTokenIdLength)) out.tokenId = jti;
    else if (this.credential !== undefined) out.tokenId = hashSecret(this.credential);
    else out.tokenId = this.hashedApiKey(event) ?? "";
  }
}
