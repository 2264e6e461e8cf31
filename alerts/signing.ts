/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 with the secret's bytes (the base64 part
 * of `whsec_...`), sent as `webhook-signature: v1,<base64>`. Shared by every signed JSON sink
 * (generic webhook, gateway hook, revoke webhook) and by the test fakes that verify it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { Secret, secretSchema } from "../src/actions/secret.js";

const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** A `whsec_<base64>` secret of 24 to 64 bytes, as the specification asks. */
export const webhookSecretSchema = secretSchema
  .transform((secret) => secret.reveal())
  .pipe(z.string().regex(WHSEC, "expected whsec_<base64>"))
  .refine((value) => {
    const bytes = Buffer.from(value.slice(6), "base64").length;
    return bytes >= 24 && bytes <= 64;
  }, "the secret must decode to 24-64 bytes")
  .transform((value) => new Secret(value));

function keyOf(secret: Secret | string): Buffer {
  const text = typeof secret === "string" ? secret : secret.reveal();
  return Buffer.from(text.replace(/^whsec_/, ""), "base64");
}

export function signature(
  secret: Secret | string,
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac("sha256", keyOf(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

/** Headers of a signed request; `now` is wall time in ms (the timestamp is about sending). */
export function signedHeaders(secret: Secret, id: string, now: number, body: string): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signature(secret, id, timestamp, body),
  };
}

/**
 * Receiver-side check, constant time, with the specification's replay window. Exported for
 * gateway authors and the tests; agentwatch itself only signs.
 */
export function verifySignature(
  secret: Secret | string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  now: number,
  toleranceSeconds = 300,
): boolean {
  const { id, timestamp, signature: header } = headers;
  if (!id || !timestamp || !header || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signature(secret, id, Number(timestamp), body).slice(3), "base64");
  return header.split(" ").some((candidate) => {
    if (!candidate.startsWith("v1,")) return false;
    const given = Buffer.from(candidate.slice(3), "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Pure: a signed JSON POST, the shape every signed sink sends. */
export function signedJsonRequest(url: Secret, secret: Secret, id: string, now: number, payload: unknown) {
  const body = JSON.stringify(payload);
  return { url: url.reveal(), headers: signedHeaders(secret, id, now, body), body };
}
