/**
 * Fake Slack incoming webhook, answering as Slack does: 200 `ok`; 400 `invalid_payload` for a
 * body that is not JSON, `no_text` without text or blocks, `invalid_blocks` for malformed blocks;
 * 404 `no_service` for an unknown webhook path; 429 `rate_limited` with `Retry-After` past one
 * message per `minIntervalMs` on the webhook.
 */
import { FakeServer, text } from "./server.js";

export const SLACK_PATH = "/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX";

export interface SlackMessageBody {
  text?: string;
  blocks?: Array<{ type: string; [k: string]: unknown }>;
}

export function fakeSlack(options: { minIntervalMs?: number; retryAfterSeconds?: number } = {}) {
  const minIntervalMs = options.minIntervalMs ?? 0;
  let lastAccepted = Number.NEGATIVE_INFINITY;
  const messages: SlackMessageBody[] = [];
  const server = new FakeServer(({ method, path, headers, body }) => {
    if (method !== "POST") return text(405, "invalid_method");
    if (path !== SLACK_PATH) return text(404, "no_service");
    let parsed: SlackMessageBody;
    try {
      if (!String(headers["content-type"]).startsWith("application/json")) throw new Error("content type");
      parsed = JSON.parse(body);
    } catch {
      return text(400, "invalid_payload");
    }
    if (typeof parsed !== "object" || parsed === null) return text(400, "invalid_payload");
    if (!parsed.text && !parsed.blocks) return text(400, "no_text");
    if (parsed.blocks !== undefined) {
      const ok =
        Array.isArray(parsed.blocks) &&
        parsed.blocks.length <= 50 &&
        parsed.blocks.every((b) => typeof b === "object" && b !== null && typeof b.type === "string");
      if (!ok) return text(400, "invalid_blocks");
      const header = parsed.blocks.find((b) => b.type === "header") as
        | { text?: { text?: string } }
        | undefined;
      if (header && (header.text?.text?.length ?? 0) > 150) return text(400, "invalid_blocks");
    }
    const now = Date.now();
    if (now - lastAccepted < minIntervalMs) {
      return text(429, "rate_limited", { "retry-after": String(options.retryAfterSeconds ?? 1) });
    }
    lastAccepted = now;
    messages.push(parsed);
    return text(200, "ok");
  });
  return Object.defineProperties(
    server as FakeServer & { messages: SlackMessageBody[]; readonly webhookUrl: string },
    {
      messages: { value: messages },
      webhookUrl: { get: () => server.url + SLACK_PATH },
    },
  );
}
