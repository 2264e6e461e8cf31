/**
 * Secrets in configuration (webhook URLs, routing keys, client secrets, signing keys) are wrapped
 * in `Secret` at parse time, so printing the config, logging an options object or serialising an
 * error can never leak them: only `reveal()`, called at the moment a request is built, yields the value.
 */
import { inspect } from "node:util";
import { z } from "zod";

const REDACTED = "[redacted]";

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
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

/** A non-empty string in config that becomes a `Secret`. */
export const secretSchema = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

/** An http(s) URL that is a secret (Slack webhook URLs carry their token in the path). */
export const secretUrlSchema = z.url({ protocol: /^https?$/ }).transform((value) => new Secret(value));

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
