/**
 * Process lifecycle of a Kafka worker: run until SIGTERM/SIGINT, then stop the pipeline (finish
 * the batch, snapshot, commit, leave the group) and exit 0, or 1 when the clean stop failed or
 * overran its deadline. A second signal exits at once.
 */
import type { Logger } from "pino";
import type { KafkaPipeline } from "./pipeline.js";

export function stopOnSignals(pipeline: KafkaPipeline, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without a clean stop");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    pipeline.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error.message }, "clean stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
