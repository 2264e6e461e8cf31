#!/usr/bin/env node
/**
 * Detection-only Kafka worker: the Kafka pipeline with the real decoder and engine and nothing
 * else (no action layer, no status API), configured from a YAML file (first argument, optional)
 * and AGENTWATCH_* environment overrides, stopped cleanly by SIGTERM/SIGINT. The multi-process
 * tests and the Kafka benchmark use it to measure exactly the pipeline; users run
 * `agentwatch run --kafka-brokers ...`, which wires the same pipeline in src/main.ts.
 *
 *   AGENTWATCH_KAFKA__BROKERS=127.0.0.1:9092 node dist/src/kafka/worker.js [config.yaml]
 */
import { alertActionsOf } from "../actions/policy.js";
import { loadConfig } from "../config/load.js";
import { configSchema } from "../config/schema.js";
import { createEngine } from "../engine/engine.js";
import { AgentwatchError } from "../errors.js";
import { JwtKeys } from "../normalize/jwt-verify.js";
import { createLogger } from "../observability/logger.js";
import { createLineDecoder } from "../parse/decoder.js";
import { runKafkaPipeline } from "./pipeline.js";
import { stopOnSignals } from "./signals.js";

async function main(): Promise<void> {
  const config = loadConfig(configSchema, process.argv[2]);
  // Kafka is optional in the root schema; here it is the whole point.
  if (!config.kafka)
    throw new AgentwatchError("INVALID_CONFIG", "kafka.brokers is required (AGENTWATCH_KAFKA__BROKERS)");
  const logger = createLogger({ level: config.logging.level, name: "agentwatch" });
  const jwtKeys = new JwtKeys(config.input.identity.jwt, (message) => logger.warn(message));
  await jwtKeys.start(); // its refresh timer is unref'd: it never holds the process open
  const pipeline = await runKafkaPipeline(config.kafka, {
    createEngine: (hooks) =>
      createEngine(config.engine, { hooks, alertActions: alertActionsOf(config.actions.tiers) }),
    // Live: events may also be bounded by the wall clock (the decoder reads none unless given one).
    createDecoder: () => createLineDecoder(config.input, Date.now, jwtKeys),
    maxLineBytes: config.input.maxLineLength,
    logger,
  });
  stopOnSignals(pipeline, logger);
}

main().catch((error: unknown) => {
  // Code and message only: a stack trace or a broker address is for debug logs, not for stderr.
  if (error instanceof AgentwatchError) {
    process.stderr.write(`agentwatch: ${error.code}: ${error.message}\n`);
    process.exit(error.code === "INVALID_CONFIG" ? 2 : 1);
  }
  process.stderr.write(`agentwatch: kafka worker failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
