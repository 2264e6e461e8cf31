/**
 * Fake OAuth 2.0 authorization server with an RFC 7009 revocation endpoint (`POST /revoke`):
 * requires `application/x-www-form-urlencoded`, client authentication by HTTP Basic (401
 * `{"error":"invalid_client"}` with `WWW-Authenticate` otherwise), a `token` parameter (400
 * `invalid_request` otherwise), answers 200 for unknown tokens too (§2.2). Scripted 503 +
 * Retry-After stands for "token still valid, try again" (§2.2.1). Also serves the token lookup
 * agentwatch's RFC 7009 sink needs: `GET /lookup?token_hash=` with a bearer credential.
 */
import { FakeServer, json } from "./server.js";

export const CLIENT_ID = "agentwatch client";
export const CLIENT_SECRET = "s3cr3t:with&odd=chars";
export const LOOKUP_BEARER = "lookup-bearer-token";

export function fakeRevocationServer(tokens: Record<string, string> = {}) {
  /** token hash -> raw token, as the issuer's vault would know it. */
  const vault = new Map(Object.entries(tokens));
  const revoked: Array<{ token: string; hint: string | null }> = [];
  const expectedBasic = `Basic ${Buffer.from(
    `${new URLSearchParams({ v: CLIENT_ID }).toString().slice(2)}:${new URLSearchParams({ v: CLIENT_SECRET }).toString().slice(2)}`,
  ).toString("base64")}`;
  const server = new FakeServer(({ method, path, url, headers, body }) => {
    if (method === "GET" && path === "/lookup") {
      if (headers.authorization !== `Bearer ${LOOKUP_BEARER}`) return json(401, { error: "unauthorized" });
      const token = vault.get(url.searchParams.get("token_hash") ?? "");
      return token
        ? json(200, { token, token_type_hint: "access_token" })
        : json(404, { error: "not_found" });
    }
    if (method !== "POST" || path !== "/revoke") return json(404, { error: "not_found" });
    if (headers.authorization !== expectedBasic) {
      return json(401, { error: "invalid_client" }, { "www-authenticate": 'Basic realm="revoke"' });
    }
    if (!String(headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
      return json(400, { error: "invalid_request", error_description: "form encoding required" });
    }
    const form = new URLSearchParams(body);
    const token = form.get("token");
    if (!token) return json(400, { error: "invalid_request", error_description: "token is required" });
    const hint = form.get("token_type_hint");
    if (hint !== null && !["access_token", "refresh_token"].includes(hint)) {
      return json(400, { error: "unsupported_token_type" });
    }
    revoked.push({ token, hint });
    return { status: 200, body: "" };
  });
  return Object.assign(server, { revoked, vault });
}
