/**
 * Reads the claims of a logged bearer JWT. Nothing is verified here: decoded claims are what
 * the client *claims* (anyone can write a JWT); `jwt-verify.ts` decides whether a signature backs
 * them. The token itself is never stored; callers keep the claims they need (`sub`, `jti`, scopes).
 */

import { parseJsonLine } from "../parse/safe-json.js";
import { LineRejection } from "../parse/types.js";

/** Longer than any sane JWT; bounds the decoding work a hostile header can cause. */
export const MAX_JWT_LENGTH = 16_384;

/** The token of an `Authorization: Bearer <token>` value (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string): string | undefined {
  if (authorization.length < 8 || authorization.charCodeAt(6) !== 32) return undefined;
  if (authorization.slice(0, 6).toLowerCase() !== "bearer") return undefined;
  const token = authorization.slice(7).trim();
  return token === "" ? undefined : token;
}

/** The payload of a compact JWS (`header.payload.signature`) as an object, or undefined. */
export function decodeJwtPayload(token: string): Readonly<Record<string, unknown>> | undefined {
  if (token.length > MAX_JWT_LENGTH) return undefined;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second < 0 || token.indexOf(".", second + 1) >= 0) return undefined;
  const json = Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8");
  if (json.charCodeAt(0) !== 123) return undefined;
  const payload = parseJsonLine(json);
  if (
    payload instanceof LineRejection ||
    typeof payload !== "object" ||
    payload === null ||
    Array.isArray(payload)
  ) {
    return undefined;
  }
  return payload as Record<string, unknown>;
}

/** OAuth scopes from `scope` (space-separated string, RFC 8693) or `scp` (array or string). */
export function jwtScopes(claims: Readonly<Record<string, unknown>>): string[] | undefined {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "");
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === "string");
  return undefined;
}
