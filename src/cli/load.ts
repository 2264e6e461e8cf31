/**
 * The configuration as a command sees it: the file (if any), environment overrides, then the
 * command-line flags that set config fields, validated once.
 */
import { loadConfig } from "../config/load.js";
import { type Config, configSchema } from "../config/schema.js";
import type { FormatName } from "../parse/format-names.js";

export interface ConfigFlags {
  format?: FormatName;
  kafkaBrokers?: string;
  topic?: string;
}

export function loadWithOverrides(configPath: string | undefined, overrides: ConfigFlags = {}): Config {
  const flags: Record<string, Record<string, unknown>> = {};
  if (overrides.format) flags.input = { format: overrides.format };
  if (overrides.kafkaBrokers || overrides.topic) {
    flags.kafka = {
      ...(overrides.kafkaBrokers ? { brokers: overrides.kafkaBrokers } : {}),
      ...(overrides.topic ? { inputTopic: overrides.topic } : {}),
    };
  }
  return loadConfig(configSchema, configPath, process.env, flags);
}
