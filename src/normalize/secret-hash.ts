/**
 * Stable, non-reversible ids for credentials that only appear in raw form (an opaque bearer
 * token, an API key, a JWT without `jti`). The id lets the profile tell tokens apart and an
 * analyst match an alert to a credential, without agentwatch ever holding the secret.
 *
 * This runs per event for agents that use opaque tokens, so the one-shot `crypto.hash`
 * (Node >= 20.12, about three times cheaper than a Hash object) is used where it exists.
 */
import * as crypto from "node:crypto";

const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** `sha256:` + the first 16 hex digits (64 bits) of the SHA-256 of the secret. */
export function hashSecret(secret: string): string {
  return `sha256:${sha256Hex(secret).slice(0, 16)}`;
}
