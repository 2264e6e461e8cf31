/**
 * OAuth 2.0 token revocation (RFC 7009). The request is a form-encoded POST with `token` and
 * `token_type_hint`, authenticated as the client (HTTP Basic per RFC 6749 §2.3.1, or the
 * credentials in the body). 200 means revoked, also for a token the server no longer knows
 * (§2.2); 503 means "still valid, try again" and is retried with its Retry-After; 400/401
 * (`unsupported_token_type`, `invalid_client`) are rejections and go to the dead letters.
 *
 * The raw token: alerts only carry a *hash* of the token id, by design (agentwatch never stores
 * credentials). RFC 7009 needs the token itself, so this sink asks a lookup endpoint you run next
 * to your token issuer or vault: `GET <lookup.url>?token_hash=<hash>` answering
 * `{"token": "...", "token_type_hint"?: "..."}` or 404 when unknown. The token exists in this
 * process only for the two calls. If you cannot offer such an endpoint, use the `revoke-webhook`
 * sink and let your token vendor revoke by agent or token hash.
 */
import { z } from "zod";
import { DeliveryError } from "../src/actions/http.js";
import { secretSchema, secretUrlSchema } from "../src/actions/secret.js";
import { type SinkDescriptor, sinkBase, sinkBaseShape } from "./sink.js";

export const rfc7009SinkOptionsSchema = z
  .object({
    type: z.literal("revoke-rfc7009"),
    ...sinkBaseShape,
    /** The authorization server's revocation endpoint; a secret. */
    url: secretUrlSchema,
    /** OAuth client id agentwatch authenticates as. */
    clientId: z.string().min(1),
    /** OAuth client secret; a secret. */
    clientSecret: secretSchema,
    /** `basic`: Authorization header (RFC 6749 §2.3.1, what every server must support); `body`: client_id/client_secret form fields. */
    clientAuth: z.enum(["basic", "body"]).default("basic"),
    /** Sent as `token_type_hint` unless the lookup says otherwise. */
    tokenTypeHint: z.enum(["access_token", "refresh_token"]).default("access_token"),
    /** Resolves the alert's token hash to the raw token (see the file header). */
    lookup: z
      .object({
        /** `GET <url>?token_hash=...`; a secret. */
        url: secretUrlSchema,
        /** Bearer credential for the lookup endpoint; a secret. */
        bearer: secretSchema.optional(),
      })
      .strict(),
  })
  .strict();

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for client credentials too. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Pure: the revocation request (headers and body) for one token. */
export function buildRevocationRequest(
  token: string,
  tokenTypeHint: string,
  client: { id: string; secret: string; auth: "basic" | "body" },
): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams({ token, token_type_hint: tokenTypeHint });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (client.auth === "basic") {
    const basic = Buffer.from(`${formEncode(client.id)}:${formEncode(client.secret)}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  } else {
    form.set("client_id", client.id);
    form.set("client_secret", client.secret);
  }
  return { headers, body: form.toString() };
}

export const rfc7009Sink: SinkDescriptor<typeof rfc7009SinkOptionsSchema> = {
  type: "revoke-rfc7009",
  role: "revoke",
  description:
    "Revokes the agent's token at an OAuth 2.0 revocation endpoint (RFC 7009), token found via a lookup endpoint.",
  options: rfc7009SinkOptionsSchema,
  create(options) {
    const client = { id: options.clientId, secret: options.clientSecret.reveal(), auth: options.clientAuth };
    return {
      ...sinkBase("revoke-rfc7009", "revoke", options),
      async deliver(events, ctx) {
        let revoked = 0;
        for (const event of events) {
          let token: string;
          let hint = options.tokenTypeHint as string;
          if (event.kind === "test") {
            // RFC 7009 §2.2: an unknown token is answered 200, so this checks endpoint and client auth only.
            token = `agentwatch-test-${event.at}`;
          } else if (event.kind === "alert" && event.alert.tokenHash) {
            const found = await lookupToken(event.alert.tokenHash, ctx.send);
            if (!found) continue;
            token = found.token;
            hint = found.hint ?? hint;
          } else continue;
          const { headers, body } = buildRevocationRequest(token, hint, client);
          await ctx.send({ url: options.url.reveal(), headers, body });
          revoked++;
        }
        return revoked > 0
          ? { outcome: "delivered", detail: `${revoked} token(s) revoked` }
          : {
              outcome: "skipped",
              detail: "no token to revoke (no token id in alert, or unknown to the lookup)",
            };
      },
    };

    async function lookupToken(
      hash: string,
      send: Parameters<import("./sink.js").Sink["deliver"]>[1]["send"],
    ): Promise<{ token: string; hint?: string } | undefined> {
      const url = new URL(options.lookup.url.reveal());
      url.searchParams.set("token_hash", hash);
      const headers: Record<string, string> = { accept: "application/json" };
      if (options.lookup.bearer) headers.authorization = `Bearer ${options.lookup.bearer.reveal()}`;
      try {
        const response = await send({ url: url.toString(), method: "GET", headers });
        const parsed = JSON.parse(response.text) as { token?: unknown; token_type_hint?: unknown };
        if (typeof parsed.token !== "string" || parsed.token.length === 0) {
          throw new DeliveryError("SINK_REJECTED", "token lookup answered without a token");
        }
        return typeof parsed.token_type_hint === "string"
          ? { token: parsed.token, hint: parsed.token_type_hint }
          : { token: parsed.token };
      } catch (error) {
        if (error instanceof DeliveryError && error.status === 404) return undefined;
        if (error instanceof SyntaxError)
          throw new DeliveryError("SINK_REJECTED", "token lookup answered non-JSON");
        throw error;
      }
    }
  },
};
