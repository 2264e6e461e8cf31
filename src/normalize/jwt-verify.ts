/**
 * JWT verification for identity trust: is a logged bearer JWT one the issuer really signed?
 *
 * A JWT's claims can be written by anyone; only a signature by a key of the issuer's JWKS makes
 * its `sub` and `jti` an identity worth enforcing on (see identity.ts). Verification runs on the
 * per-event path, so it is synchronous and does no I/O:
 * - keys come from a `JwtKeys` ring loaded at the edge (a JWKS file read at startup, a JWKS URL
 *   fetched at startup and refreshed on a timer and, rate-limited, on an unknown `kid`);
 * - the signature check (node:crypto, asymmetric algorithms only: no `none`, no HMAC, so a
 *   public key can never be abused as a shared secret) runs once per distinct token: its
 *   outcome is cached, bounded, under a digest of the token, never the token itself;
 * - times (`exp`, `nbf`) are judged against the event's own timestamp, with a clock tolerance,
 *   so a replay verifies the same tokens as live did.
 */
import * as crypto from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { duration } from "../config/duration.js";
import { AgentwatchError } from "../errors.js";
import { parseJsonLine } from "../parse/safe-json.js";
import { LineRejection } from "../parse/types.js";
import { decodeJwtPayload, MAX_JWT_LENGTH } from "./jwt.js";

export const JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const stringOrList = z.union([
  z
    .string()
    .min(1)
    .transform((s) => [s]),
  z.array(z.string().min(1)).min(1),
]);

export const jwtVerifyOptionsSchema = z
  .object({
    /** JWKS document (`{"keys": [...]}`) on disk, read at startup. */
    jwksFile: z.string().min(1).optional(),
    /** JWKS URL of the issuer (e.g. `https://idp.example/.well-known/jwks.json`), fetched at startup and refreshed. */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Accepted `iss` values; unset = any issuer whose key is in the JWKS. */
    issuer: stringOrList.optional(),
    /** Accepted `aud` values (a token's `aud` must name one); unset = not checked. */
    audience: stringOrList.optional(),
    /** Accepted signature algorithms (asymmetric only). */
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .default([...JWT_ALGORITHMS]),
    /** Tolerance on `exp` and `nbf` against the event's timestamp, ms (gateway and issuer clocks drift). */
    clockToleranceMs: duration("ms").default(60_000),
    /** How often the JWKS URL is fetched again, ms (keys rotate). */
    refreshIntervalMs: duration("ms", { positive: true }).default(600_000),
    /** Shortest time between two fetches caused by tokens with an unknown `kid`, ms. */
    minRefreshIntervalMs: duration("ms").default(30_000),
    /** Verification outcomes cached (one per distinct token; oldest dropped first). */
    cacheSize: z.number().int().positive().default(10_000),
  })
  .strict();

export type JwtVerifyOptions = z.output<typeof jwtVerifyOptionsSchema>;

interface KeyEntry {
  kid: string | undefined;
  key: crypto.KeyObject;
}

const EC_CURVE: Readonly<Record<string, string>> = {
  ES256: "prime256v1",
  ES384: "secp384r1",
  ES512: "secp521r1",
};

/** Whether `key` may verify `alg` (RFC 7518 §3.1): the key type must match, so no algorithm confusion. */
function keyFits(alg: JwtAlgorithm, key: crypto.KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith("RS")) return type === "rsa";
  if (alg.startsWith("PS")) return type === "rsa" || type === "rsa-pss";
  if (alg.startsWith("ES")) return type === "ec" && key.asymmetricKeyDetails?.namedCurve === EC_CURVE[alg];
  return type === "ed25519" || type === "ed448";
}

function verifySignature(alg: JwtAlgorithm, key: crypto.KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (alg === "EdDSA") return crypto.verify(null, data, key, signature);
    const hash = `sha${alg.slice(2)}`;
    if (alg.startsWith("RS")) return crypto.verify(hash, data, key, signature);
    if (alg.startsWith("PS")) {
      return crypto.verify(
        hash,
        data,
        {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
        },
        signature,
      );
    }
    return crypto.verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

/** Public keys of a JWKS document; keys that are not public signing keys are skipped. */
export function parseJwks(text: string): KeyEntry[] {
  const doc = parseJsonLine(text.trim());
  if (
    doc instanceof LineRejection ||
    typeof doc !== "object" ||
    doc === null ||
    !Array.isArray((doc as { keys?: unknown }).keys)
  )
    throw new Error('not a JWKS document (expected {"keys": [...]})');
  const out: KeyEntry[] = [];
  for (const jwk of (doc as { keys: unknown[] }).keys) {
    if (typeof jwk !== "object" || jwk === null) continue;
    const { kid, use, kty, d } = jwk as Record<string, unknown>;
    // Private parts (`d`) and symmetric keys have no place in a verification key set.
    if (d !== undefined || kty === "oct" || (use !== undefined && use !== "sig")) continue;
    try {
      const key = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: "jwk" });
      out.push({ kid: typeof kid === "string" ? kid : undefined, key });
    } catch {
      // An unusable key (unknown curve, malformed) is skipped; the others still verify.
    }
  }
  return out;
}

/** Where the edge reports JWKS trouble (never with key material). */
export type JwksProblem = (message: string) => void;

/**
 * The key ring: the issuer's current public keys. Loading is the edge's job (`start`); lookups
 * are synchronous. Without a URL, `start` and `stop` do nothing.
 */
export class JwtKeys {
  private keys: KeyEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFetch = Number.NEGATIVE_INFINITY;
  private fetching: Promise<void> | undefined;

  constructor(
    readonly options: JwtVerifyOptions,
    private readonly onProblem: JwksProblem = () => {},
  ) {
    if (options.jwksFile !== undefined) {
      try {
        this.keys = parseJwks(readFileSync(options.jwksFile, "utf8"));
      } catch (error) {
        const why =
          (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : "unreadable");
        throw new AgentwatchError(
          "INVALID_CONFIG",
          `input.identity.jwt.jwksFile ${options.jwksFile}: ${why}`,
        );
      }
    }
  }

  /** Whether any key source is configured (else no JWT is ever verified). */
  get configured(): boolean {
    return this.options.jwksFile !== undefined || this.options.jwksUrl !== undefined;
  }

  /** Fetches the JWKS URL once (waiting for it) and then on a timer. */
  async start(): Promise<void> {
    if (this.options.jwksUrl === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
    this.timer.unref();
    await this.refresh();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Keys that may verify a token with header `kid` and `alg`. */
  candidates(kid: string | undefined, alg: JwtAlgorithm): crypto.KeyObject[] {
    const out: crypto.KeyObject[] = [];
    for (const entry of this.keys) {
      if (kid !== undefined && entry.kid !== undefined && entry.kid !== kid) continue;
      if (keyFits(alg, entry.key)) out.push(entry.key);
    }
    return out;
  }

  /** A token named a key we lack: fetch again, unless we did so very recently (rotation, not flooding). */
  unknownKey(): void {
    if (this.options.jwksUrl === undefined || this.fetching !== undefined) return;
    if (Date.now() - this.lastFetch < this.options.minRefreshIntervalMs) return;
    void this.refresh();
  }

  /** One fetch of the JWKS URL; on failure the keys in hand stay. */
  refresh(): Promise<void> {
    const url = this.options.jwksUrl;
    if (url === undefined) return Promise.resolve();
    this.fetching ??= (async () => {
      this.lastFetch = Date.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: "error" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const keys = parseJwks(await response.text());
        if (keys.length === 0) throw new Error("no usable signing key");
        this.keys = keys;
      } catch (error) {
        this.onProblem(
          `JWKS fetch failed (${error instanceof Error ? error.message : "unknown error"}); keeping ${this.keys.length} known keys`,
        );
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }
}

/** A verified token's claims with the times that bound its validity (ms; NaN = unbounded). */
interface Verified {
  claims: Readonly<Record<string, unknown>>;
  notAfter: number;
  notBefore: number;
}

/** Marks a token whose signature or claims failed for good (cached like a success). */
const INVALID = Symbol("invalid");

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === "string") return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((a) => typeof a === "string" && accepted.includes(a));
}

function decodeHeader(part: string): { alg: unknown; kid: unknown; crit: unknown } | undefined {
  const header = parseJsonLine(Buffer.from(part, "base64url").toString("utf8"));
  if (header instanceof LineRejection || typeof header !== "object" || header === null) return undefined;
  return header as { alg: unknown; kid: unknown; crit: unknown };
}

/** Verifies bearer JWTs against a key ring; one instance per decoder (its cache is not shared state). */
export class JwtVerifier {
  private readonly cache = new Map<string, Verified | typeof INVALID>();
  private readonly algorithms: ReadonlySet<string>;

  constructor(private readonly keys: JwtKeys) {
    this.algorithms = new Set(keys.options.algorithms);
  }

  get enabled(): boolean {
    return this.keys.configured;
  }

  /** The claims of `token` when it is signed by a known key and valid at `eventTime`, else undefined. */
  verify(token: string, eventTime: number): Readonly<Record<string, unknown>> | undefined {
    if (token.length > MAX_JWT_LENGTH) return undefined;
    const digest = crypto.createHash("sha256").update(token).digest("base64");
    let outcome = this.cache.get(digest);
    if (outcome === undefined) {
      const computed = this.check(token);
      if (computed === undefined) return undefined; // no key for it yet: decide again later
      outcome = computed;
      if (this.cache.size >= this.keys.options.cacheSize) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(digest, outcome);
    }
    if (outcome === INVALID) return undefined;
    const tolerance = this.keys.options.clockToleranceMs;
    if (eventTime > outcome.notAfter + tolerance || eventTime < outcome.notBefore - tolerance)
      return undefined;
    return outcome.claims;
  }

  /** Signature and time-independent claims; undefined when no key could judge it (yet). */
  private check(token: string): Verified | typeof INVALID | undefined {
    const first = token.indexOf(".");
    const second = token.indexOf(".", first + 1);
    if (first <= 0 || second < 0) return INVALID;
    const header = decodeHeader(token.slice(0, first));
    if (header === undefined || typeof header.alg !== "string" || !this.algorithms.has(header.alg))
      return INVALID;
    // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
    if (header.crit !== undefined) return INVALID;
    const alg = header.alg as JwtAlgorithm;
    const kid = typeof header.kid === "string" ? header.kid : undefined;
    const keys = this.keys.candidates(kid, alg);
    if (keys.length === 0) {
      this.keys.unknownKey();
      return undefined;
    }
    const data = Buffer.from(token.slice(0, second), "ascii");
    const signature = Buffer.from(token.slice(second + 1), "base64url");
    if (!keys.some((key) => verifySignature(alg, key, data, signature))) return INVALID;
    const claims = decodeJwtPayload(token);
    if (claims === undefined) return INVALID;
    const { issuer, audience } = this.keys.options;
    if (issuer !== undefined && !(typeof claims.iss === "string" && issuer.includes(claims.iss)))
      return INVALID;
    if (audience !== undefined && !audienceMatches(claims.aud, audience)) return INVALID;
    if (claims.exp !== undefined && typeof claims.exp !== "number") return INVALID;
    if (claims.nbf !== undefined && typeof claims.nbf !== "number") return INVALID;
    return {
      claims,
      notAfter: typeof claims.exp === "number" ? claims.exp * 1000 : Number.POSITIVE_INFINITY,
      notBefore: typeof claims.nbf === "number" ? claims.nbf * 1000 : Number.NEGATIVE_INFINITY,
    };
  }
}
