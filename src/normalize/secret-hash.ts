/**
 * Stable, non-reversible ids for credentials that only appear in raw form (an opaque bearer
 * token, an API key, a JWT without `jti`). The id lets the profile tell tokens apart and an
 * analyst match an alert to a credential, without agentwatch ever holding the secret.
 */
import { createHash } from "node:crypto";

/** `sha256:` + the first 16 hex digits (64 bits) of the SHA-256 of the secret. */
export function hashSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 16)}`;
}
