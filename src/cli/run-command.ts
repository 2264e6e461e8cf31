/**
 * `agentwatch run`: loads the configuration, starts the service (src/main.ts) and stops it on
 * SIGTERM/SIGINT or when its inputs are exhausted.
 */
import type { CrashHandlers } from "../crash.js";
import { assertReadable } from "../ingest/readable-inputs.js";
import { startService } from "../main.js";
import { type ConfigFlags, loadWithOverrides } from "./load.js";

export interface RunFlags extends ConfigFlags {
  config?: string;
  follow: boolean;
  fromBeginning?: boolean;
}

export async function runServiceCommand(
  inputs: string[],
  flags: RunFlags,
  crash: CrashHandlers,
): Promise<void> {
  const config = loadWithOverrides(flags.config, {
    format: flags.format,
    kafkaBrokers: flags.kafkaBrokers,
    topic: flags.topic,
  });
  // Read once, a missing file is a mistake to report before starting anything; followed, it
  // is a log that may appear later.
  if (!flags.follow && !config.kafka) await assertReadable(inputs);
  const service = await startService(
    config,
    { inputs, follow: flags.follow, fromBeginning: flags.fromBeginning === true },
    (text) => process.stderr.write(text),
  );
  crash.onCrash(() => service.stop());
  const shutdown = () => void service.stop();
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  // An input failing mid-way must still stop the service: the status API would keep it alive.
  try {
    await service.finished;
  } finally {
    await service.stop();
  }
}
