/** A config file for tests that start `agentwatch run`: state under a temp dir, no fixed ports. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes `<dir>/<name>.yaml`: the status API on an ephemeral port (never 8080, which another
 * test or service may hold) or off, the delivery queue under `dir`, then any `extra` YAML lines.
 */
export function writeRunConfig(
  dir: string,
  name: string,
  api: boolean,
  extra: readonly string[] = [],
): string {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    [
      ...extra,
      "api:",
      api ? "  port: 0" : "  enabled: false",
      "actions:",
      "  delivery:",
      `    dataDir: ${join(dir, `${name}-data`)}`,
    ].join("\n"),
  );
  return config;
}
