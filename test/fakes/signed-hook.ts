/**
 * Fake receiver of signed JSON (a gateway admin hook, a token vendor's revoke hook, a generic
 * webhook consumer): verifies the Standard Webhooks signature with a constant-time compare and
 * the 5-minute replay window, 401 when it does not verify, 400 for a body that is not JSON.
 */
import { verifySignature } from "../../alerts/signing.js";
import { FakeServer, json } from "./server.js";

export const HOOK_SECRET = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;

export function fakeSignedHook(secret = HOOK_SECRET) {
  const received: Array<{ id: string; payload: Record<string, unknown> }> = [];
  const server = new FakeServer(({ method, headers, body }) => {
    if (method !== "POST") return json(405, { error: "method not allowed" });
    const ok = verifySignature(
      secret,
      {
        id: headers["webhook-id"] as string | undefined,
        timestamp: headers["webhook-timestamp"] as string | undefined,
        signature: headers["webhook-signature"] as string | undefined,
      },
      body,
      Date.now(),
    );
    if (!ok) return json(401, { error: "bad signature" });
    try {
      received.push({ id: headers["webhook-id"] as string, payload: JSON.parse(body) });
    } catch {
      return json(400, { error: "body is not JSON" });
    }
    return json(200, { ok: true });
  });
  return Object.assign(server, { received });
}
