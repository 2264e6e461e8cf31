/**
 * `agentwatch config`: validates a configuration and prints the effective result, defaults
 * filled in, secrets redacted and durations written as `15m`, `24h`.
 */
import { stringify as stringifyYaml } from "yaml";
import { readableDurations } from "../config/duration.js";
import { configSchema } from "../config/schema.js";
import { loadWithOverrides } from "./load.js";

export function printEffectiveConfig(configPath: string | undefined): void {
  const config = loadWithOverrides(configPath);
  // JSON round trip first: Secret values serialize as [redacted]. Durations print as `15m`.
  process.stdout.write(stringifyYaml(readableDurations(configSchema, JSON.parse(JSON.stringify(config)))));
}
