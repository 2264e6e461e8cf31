/**
 * API keys of the status API: generation, the SHA-256 form kept in config, and verification.
 *
 * Config never holds a key, only its SHA-256 (hex) with a name and scopes, so a leaked config file
 * grants nothing. Keys are 256 random bits; hashing a presented key and comparing digests with
 * `timingSafeEqual` over *every* configured entry keeps the time independent of which entry (if
 * any) matched. A plain hash (no salt, no KDF) is enough because the keys are random, not chosen
 * by people: there is no dictionary to precompute.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { AgentwatchError } from "../errors.js";

/** What a key may do: `read` the API, `admin` change state, `gateway` poll decisions, `metrics` scrape /metrics only. */
export const API_SCOPES = ["read", "admin", "gateway", "metrics"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Prefix so a leaked key is recognisable by secret scanners and people alike. */
export const API_KEY_PREFIX = "aw_";

export const apiKeyRateLimitSchema = z
  .object({
    /** Sustained requests per second allowed for one key. */
    perSecond: z.number().positive().max(1_000_000),
    /** Requests a key may send in one burst above the sustained rate. */
    burst: z.number().int().min(1).max(1_000_000),
  })
  .strict();
export type ApiKeyRateLimit = z.output<typeof apiKeyRateLimitSchema>;

export const apiKeyEntrySchema = z
  .object({
    /** Who holds the key; appears in logs and audit lines instead of the key. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' or '-', at most 64"),
    /** SHA-256 of the key, lower-case hex, as printed by `agentwatch keys create`. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits"),
    /** Scopes granted; a route accepts a key holding any of the scopes it lists. */
    scopes: z.array(z.enum(API_SCOPES)).min(1),
    /** Overrides the server-wide per-key rate limit (give gateway keys a high one). */
    rateLimit: apiKeyRateLimitSchema.optional(),
  })
  .strict();
export type ApiKeyEntry = z.output<typeof apiKeyEntrySchema>;

/** A new random key (shown once, never stored). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** The form kept in config. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The identity a verified key grants. */
export interface ApiPrincipal {
  readonly name: string;
  readonly scopes: ReadonlySet<ApiScope>;
  readonly rateLimit: ApiKeyRateLimit | undefined;
}

export type KeyVerifier = (presented: string) => ApiPrincipal | undefined;

/**
 * Builds the verifier over the configured entries. A repeated hash or name is a config error:
 * names key the rate limits and the audit lines, so two keys must never share one.
 */
export function createKeyVerifier(entries: readonly ApiKeyEntry[]): KeyVerifier {
  const seen = new Set<string>();
  const table = entries.map((entry) => {
    if (seen.has(entry.sha256) || seen.has(`name:${entry.name}`)) {
      throw new AgentwatchError(
        "INVALID_CONFIG",
        `api key "${entry.name}" repeats another key's name or sha256`,
      );
    }
    seen.add(entry.sha256);
    seen.add(`name:${entry.name}`);
    return {
      digest: Buffer.from(entry.sha256, "hex"),
      principal: { name: entry.name, scopes: new Set(entry.scopes), rateLimit: entry.rateLimit },
    };
  });
  return (presented) => {
    // Bound the work an attacker can make us do before hashing; real keys are 46 characters.
    if (presented.length === 0 || presented.length > 256) return undefined;
    const digest = createHash("sha256").update(presented, "utf8").digest();
    let match: ApiPrincipal | undefined;
    for (const row of table) {
      if (timingSafeEqual(digest, row.digest) && match === undefined) match = row.principal;
    }
    return match;
  };
}

/** Parses `read,admin` (the CLI's `--scopes`) into scopes, rejecting unknown names. */
export function parseScopes(input: string | readonly string[]): ApiScope[] {
  const names = (typeof input === "string" ? input.split(",") : input).map((s) => s.trim()).filter(Boolean);
  const parsed = z
    .array(z.enum(API_SCOPES))
    .min(1)
    .safeParse([...new Set(names)]);
  if (!parsed.success) {
    throw new AgentwatchError(
      "INVALID_ARGUMENT",
      `--scopes: expected a comma list of ${API_SCOPES.join(", ")}`,
    );
  }
  return parsed.data;
}

/** A generated key and the config entry that grants it. */
export interface IssuedKey {
  readonly key: string;
  readonly entry: ApiKeyEntry;
}

export function issueApiKey(name: string, scopes: readonly ApiScope[]): IssuedKey {
  const key = generateApiKey();
  const entry = apiKeyEntrySchema.parse({ name, sha256: hashApiKey(key), scopes: [...scopes] });
  return { key, entry };
}

function configSnippet(entry: ApiKeyEntry): string {
  return [
    "api:",
    "  keys:",
    `    - name: ${entry.name}`,
    `      sha256: ${entry.sha256}`,
    `      scopes: [${entry.scopes.join(", ")}]`,
  ].join("\n");
}

/**
 * `agentwatch keys create --scopes read,admin [--name ops]`: prints a new key once, with the config
 * entry holding only its hash. Returns the entry (the key itself is not kept anywhere).
 */
export function createKeyCommand(
  scopes: string | readonly string[],
  options: { name?: string; write?: (text: string) => void } = {},
): ApiKeyEntry {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const { key, entry } = issueApiKey(options.name ?? "key", parseScopes(scopes));
  write(
    [
      `API key (shown once, store it in your secret manager now):\n\n  ${key}\n`,
      "Add this to the agentwatch config (it holds only the key's SHA-256):\n",
      `${configSnippet(entry)}\n`,
    ].join("\n"),
  );
  return entry;
}

/**
 * With no key configured the API is still never open: the embedded default mints an admin key
 * with every scope at start and prints it once through `announce` (main passes stderr). Returns the
 * entries the server must use.
 */
export function resolveApiKeys(
  configured: readonly ApiKeyEntry[],
  announce: (text: string) => void,
): ApiKeyEntry[] {
  if (configured.length > 0) return [...configured];
  const { key, entry } = issueApiKey("generated-admin", API_SCOPES);
  announce(
    `No status API key is configured: generated an admin key for this run (shown once):\n  ${key}\n` +
      "Create a lasting one with `agentwatch keys create --scopes read,admin`.\n",
  );
  return [entry];
}
