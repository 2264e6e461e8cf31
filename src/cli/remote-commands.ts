/**
 * The commands that drive a running agentwatch over its status API, like `cscli decisions` or
 * `fail2ban-client`: decisions, agents, one agent, alerts, the allowlist and the API keys. Flags
 * are declared here; the work (src/cli/remote-actions.ts) is loaded when a command runs.
 *
 * Every command takes --url (AGENTWATCH_URL, default http://127.0.0.1:8080), --key
 * (AGENTWATCH_API_KEY) and -o table|json.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { RemoteFlags } from "./remote-actions.js";

/**
 * Read once and removed, like AGENTWATCH_DEBUG: every other AGENTWATCH_* variable overrides a
 * config field, and `url` or `apiKey` fields do not exist, so `agentwatch run` must not see them.
 */
const ENV_URL = process.env.AGENTWATCH_URL;
const ENV_KEY = process.env.AGENTWATCH_API_KEY;
delete process.env.AGENTWATCH_URL;
delete process.env.AGENTWATCH_API_KEY;

const DEFAULT_URL = "http://127.0.0.1:8080";
const SEVERITY_NAMES = ["low", "medium", "high", "critical"];
const TIER_NAMES = ["none", ...SEVERITY_NAMES];

type Action = (
  actions: typeof import("./remote-actions.js"),
  flags: RemoteFlags,
  ...args: string[]
) => Promise<void>;

/** Adds the connection and output flags, and runs `action` with the actions module loaded. */
function remote(command: Command, action: Action): Command {
  return command
    .option("--url <url>", `status API address (AGENTWATCH_URL, default ${DEFAULT_URL})`)
    .option("--key <key>", "API key (AGENTWATCH_API_KEY); prefer the variable, flags show in `ps`")
    .addOption(
      new Option("-o, --output <format>", "table for people, json for scripts")
        .choices(["table", "json"])
        .default("table"),
    )
    .action(async (...received: unknown[]) => {
      // commander passes the positional arguments, then the options, then the command.
      const args = received.slice(0, -2) as string[];
      const options = received[received.length - 2] as Record<string, unknown>;
      const flags = {
        ...options,
        url: (options.url as string | undefined) ?? ENV_URL ?? DEFAULT_URL,
        key: (options.key as string | undefined) ?? ENV_KEY,
      } as RemoteFlags;
      await action(await import("./remote-actions.js"), flags, ...args);
    });
}

function severities(value: string): string {
  for (const name of value.split(",")) {
    if (!SEVERITY_NAMES.includes(name.trim()))
      throw new InvalidArgumentError(`expected a comma list of ${SEVERITY_NAMES.join(", ")}`);
  }
  return value;
}

export function registerRemoteCommands(program: Command, keys: Command): void {
  const decisions = program.command("decisions").description("List, add and delete enforcement decisions");
  remote(decisions.command("list").description("Decisions in force"), (a, flags) => a.listDecisions(flags));
  remote(
    decisions
      .command("add")
      .description("Put a decision in force against an agent, from now for --duration")
      .argument("<agent>", "agent id")
      .addOption(
        new Option("--type <type>", "what gateways do")
          .choices(["throttle", "block", "revoke"])
          .default("block"),
      )
      .requiredOption("--duration <duration>", "how long, e.g. 30m, 4h, 7d")
      .requiredOption("--reason <text>", "why, shown with the decision and in the audit log")
      .option("--rate <perMinute>", "throttle: requests per minute let through"),
    (a, flags, agent) => a.addDecision(flags, agent as string),
  );
  remote(
    decisions.command("delete").description("Lift an agent's decision").argument("<agent>", "agent id"),
    (a, flags, agent) => a.deleteDecision(flags, agent as string),
  );

  remote(
    program
      .command("agents")
      .description("Agents by risk, highest first")
      .addOption(new Option("--tier <tier>", "only this tier").choices(TIER_NAMES))
      .option("--min-risk <risk>", "only agents at or above this risk (0 to 1)")
      .option("--limit <n>", "how many (at most 500)", "50"),
    (a, flags) => a.listAgents(flags),
  );
  remote(
    program
      .command("agent")
      .description("One agent's profile, decision and recent alerts")
      .argument("<id>", "agent id"),
    (a, flags, id) => a.showAgent(flags, id as string),
  );
  remote(
    program
      .command("alerts")
      .description("Recent alerts, newest first")
      .option("--since <when>", "event time: a duration back from now (1h, 7d) or ISO 8601")
      .option("--severity <list>", "comma list of low, medium, high, critical", severities)
      .option("--agent <id>", "only this agent's alerts")
      .option("--limit <n>", "how many (at most 500)", "50"),
    (a, flags) => a.listAlerts(flags),
  );

  const allowlist = program.command("allowlist").description("Agents and networks never enforced against");
  remote(allowlist.command("list").description("Entries from the config and the API"), (a, flags) =>
    a.listAllowlist(flags),
  );
  remote(
    allowlist
      .command("add")
      .description("Allowlist an agent id (lifting its decision) or a network (CIDR)")
      .argument("<entry>", "agent id or CIDR"),
    (a, flags, entry) => a.addAllowlist(flags, entry as string),
  );
  remote(
    allowlist
      .command("delete")
      .description("Remove an entry added through the API")
      .argument("<entry>", "agent id or CIDR"),
    (a, flags, entry) => a.deleteAllowlist(flags, entry as string),
  );

  remote(keys.command("list").description("API keys the server accepts (names and scopes)"), (a, flags) =>
    a.listKeys(flags),
  );
}
