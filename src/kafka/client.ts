/**
 * The kafkajs client of the pipeline: brokers and client id from the options, kafkajs's own log
 * lines routed into the pipeline's pino logger (so redaction and levels apply to them too).
 */

import type { Logger } from "pino";
import { Kafka, type LogEntry, logLevel } from "./kafkajs.js";
import type { KafkaOptions } from "./options.js";

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

export function createKafkaClient(options: KafkaOptions, logger: Logger): Kafka {
  const log = logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    // kafkajs INFO is chatty (every join and commit); its warnings and errors are what operators need.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = entry;
        // Every write is inside a transaction that is aborted when a send fails, so bounded
        // producer retries cannot duplicate anything; kafkajs's warning about them does not apply.
        if (message.startsWith("Limiting retries for the idempotent producer")) return;
        // kafkajs logs each failed protocol response (coordinator moving, leader election) at
        // error level and then retries it; failures that matter surface as thrown errors.
        const name = level === logLevel.ERROR && message.startsWith("Response ") ? "warn" : LEVELS[level];
        log[name ?? "info"](fields, message);
      },
    // Broker restarts and leader moves are routine: keep retrying for about a minute before a
    // stage restarts itself.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 12 },
  });
}
