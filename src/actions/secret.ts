/**
 * Secrets in configuration (webhook URLs, routing keys, client secrets, signing keys) are wrapped
 * in `Secret` at parse time, so printing the config, logging an options object or serialising an
 * error can never leak them: only `reveal()`, called at the moment a request is built, yields the value.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { z } from "zod";

const REDACTED = "[redacted]";

/**
 * Every configured secret value, and the parts of secret URLs a receiver could echo (path, query
 * values): `scrubSecrets` removes them from text that is written or returned (dead letters,
 * `/v1/test` results, error messages), where a receiver's answer may quote the request.
 * Values shorter than 8 characters are not scrubbed (they would mangle ordinary words).
 */
const KNOWN_SECRETS = new Set<string>();
const MIN_SCRUBBED_LENGTH = 8;

function remember(value: string): void {
  if (value.length >= MIN_SCRUBBED_LENGTH) KNOWN_SECRETS.add(value);
  if (!/^https?:\/\//i.test(value)) return;
  try {
    const url = new URL(value);
    for (const part of [url.pathname + url.search, url.pathname, url.password, ...url.searchParams.values()])
      if (part.length >= MIN_SCRUBBED_LENGTH) KNOWN_SECRETS.add(part);
    for (const segment of url.pathname.split("/")) if (segment.length >= 16) KNOWN_SECRETS.add(segment); // a token in the path (Slack, Discord)
  } catch {
    // Not a URL after all: the whole value is remembered.
  }
}

/** `text` with every configured secret value (longest first) replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  if (KNOWN_SECRETS.size === 0) return text;
  let out = text;
  for (const secret of [...KNOWN_SECRETS].sort((a, b) => b.length - a.length))
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    remember(value);
  }
  /** The plain value. Call it only where the request is built, never to log. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE_REF = /^file:(\/.+)$/;

/**
 * Secrets may be written inline, or as `env:NAME` (read from the environment) or `file:/path`
 * (read from a file, trailing newline dropped; Docker and Kubernetes secrets). Resolved once,
 * while the config is validated; a missing variable or file is a config error naming the reference.
 */
const resolvedSecretText = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const env = ENV_REF.exec(value);
    if (env) {
      const resolved = process.env[env[1] as string];
      if (resolved) return resolved;
      ctx.addIssue({ code: "custom", message: `environment variable ${env[1]} is not set` });
      return z.NEVER;
    }
    const file = FILE_REF.exec(value);
    if (file) {
      try {
        return readFileSync(file[1] as string, "utf8").replace(/\r?\n$/, "");
      } catch {
        ctx.addIssue({ code: "custom", message: `cannot read secret file ${file[1]}` });
        return z.NEVER;
      }
    }
    return value;
  });

/** A non-empty secret in config (inline, `env:NAME` or `file:/path`) that becomes a `Secret`. */
export const secretSchema = resolvedSecretText
  .pipe(z.string().min(1))
  .transform((value) => new Secret(value));

/** An http(s) URL that is a secret (Slack webhook URLs carry their token in the path). */
export const secretUrlSchema = resolvedSecretText
  .pipe(z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }))
  .transform((value) => new Secret(value));

/**
 * pino `redact` paths for anything that may carry delivery credentials. Give them to the root
 * logger; the action layer never logs these fields on purpose, this is the second belt.
 */
export const ACTIONS_REDACT_PATHS: readonly string[] = [
  "url",
  "*.url",
  "webhookUrl",
  "*.webhookUrl",
  "routingKey",
  "*.routingKey",
  "routing_key",
  "*.routing_key",
  "secret",
  "*.secret",
  "clientSecret",
  "*.clientSecret",
  "token",
  "*.token",
  "headers.authorization",
  "*.headers.authorization",
  "redis.url",
];
