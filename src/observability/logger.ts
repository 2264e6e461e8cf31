/**
 * The one pino logger factory. Everything agentwatch logs goes through a logger made here, so the
 * redaction list below is the single place that keeps credentials out of log files: API keys and
 * bearer tokens in request headers, agent tokens, client secrets, webhook URLs (Slack's URL *is*
 * the credential) and PagerDuty routing keys, wherever they sit in a logged object. It covers the
 * action layer's `ACTIONS_REDACT_PATHS`. Request lines therefore log the request path as `path`.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export const REDACTED = "[redacted]";

/** Field names that hold a credential whatever object they appear in. */
const SECRET_FIELDS = [
  // Sink endpoints (Slack's webhook URL is the credential) and connection strings with passwords.
  "url",
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
  "apiKey",
  "token",
  "tokenId",
  "accessToken",
  "refreshToken",
  "secret",
  "clientSecret",
  "password",
  "webhookUrl",
  "routingKey",
  "routing_key",
  "privateKey",
];

/**
 * pino paths: each field at the top level and one or two levels down (pino's `*` matches one
 * level), which covers `req.headers.*` and a sink's options inside a logged object.
 */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `["${field}"]`;
  return [key.startsWith(".") ? field : key, `*${key}`, `*.*${key}`];
});

export interface LoggerOptions {
  /** pino level; `silent` for none. */
  level?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Component name added to every line. */
  name?: string;
  /** Where lines go; stdout when absent. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    options.destination,
  );
}
