/**
 * `agentwatch config`: validates a configuration and prints the effective result, defaults
 * filled in and secrets redacted.
 */
import { stringify as stringifyYaml } from "yaml";
import { loadWithOverrides } from "./load.js";

export function printEffectiveConfig(configPath: string | undefined): void {
  const config = loadWithOverrides(configPath);
  // JSON round trip: Secret values serialize as [redacted].
  process.stdout.write(stringifyYaml(JSON.parse(JSON.stringify(config))));
}
