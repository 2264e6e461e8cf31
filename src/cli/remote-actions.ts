/**
 * What the API commands do: one call to the status API each, printed as an aligned table (or the
 * API's JSON with `-o json`). Loaded only when such a command runs.
 */
import { stringify as stringifyYaml } from "yaml";
import { parseDuration } from "../config/duration.js";
import { AgentwatchError } from "../errors.js";
import { ApiClient } from "./api-client.js";
import { type Cell, type OutputFormat, relativeTime, Terminal, tierCell } from "./table.js";

export interface RemoteFlags {
  url: string;
  key: string | undefined;
  output: OutputFormat;
  [flag: string]: unknown;
}

interface DecisionView {
  agentId: string;
  type: string;
  ratePerMinute?: number;
  expiresAt: string;
  reason: string;
  shadow: boolean;
  severity: string;
}
interface AgentBrief {
  agentId: string;
  risk: number;
  tier: string;
  lastSeen: string;
}
interface AlertView {
  id: string;
  agentId: string;
  severity: string;
  riskScore: number;
  timestamp: string;
  action: string;
  reasons: Array<{ detector: string; score: number; detail: string }>;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const client = (flags: RemoteFlags) => new ApiClient({ url: flags.url, key: flags.key });
const terminal = () => new Terminal();
const enc = encodeURIComponent;

/** Prints the API's answer as JSON for scripts, or hands it to `render` for people. */
function show<T>(flags: RemoteFlags, value: T, render: (term: Terminal, value: T) => void): void {
  if (flags.output === "json") process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else render(terminal(), value);
}

const decisionRows = (decisions: DecisionView[]): Array<Array<Cell | string>> =>
  decisions.map((d) => [
    d.agentId,
    {
      text: d.type + (d.ratePerMinute ? ` ${d.ratePerMinute}/min` : ""),
      colour: d.type === "throttle" ? "yellow" : "red",
    },
    relativeTime(d.expiresAt),
    d.shadow ? { text: "shadow", colour: "dim" } : "",
    d.reason,
  ]);

export async function listDecisions(flags: RemoteFlags): Promise<void> {
  const answer = await client(flags).get<{ decisions: DecisionView[]; cursor: string }>("/v1/decisions");
  show(flags, answer, (term, { decisions }) =>
    term.table(
      ["AGENT", "DECISION", "EXPIRES", "MODE", "REASON"],
      decisionRows(decisions),
      "No decisions in force.",
    ),
  );
}

export async function addDecision(flags: RemoteFlags, agentId: string): Promise<void> {
  const durationText = flags.duration as string;
  if (parseDuration(durationText) === undefined)
    throw new AgentwatchError(
      "INVALID_ARGUMENT",
      `--duration: expected a duration such as 30m, 4h or 7d, got ${durationText}`,
    );
  const rate = flags.rate === undefined ? undefined : Number(flags.rate);
  if (rate !== undefined && !(Number.isInteger(rate) && rate > 0))
    throw new AgentwatchError("INVALID_ARGUMENT", "--rate: expected a whole number of requests per minute");
  const decision = await client(flags).post<DecisionView>("/v1/decisions", {
    agentId,
    type: flags.type,
    duration: durationText,
    reason: flags.reason,
    ...(rate === undefined ? {} : { ratePerMinute: rate }),
  });
  show(flags, decision, (term) =>
    term.write(`Decision added: ${decision.type} ${agentId} until ${decision.expiresAt}.\n`),
  );
}

export async function deleteDecision(flags: RemoteFlags, agentId: string): Promise<void> {
  await client(flags).delete(`/v1/decisions/${enc(agentId)}`);
  show(flags, { agentId, deleted: true }, (term) => term.write(`Decision on ${agentId} lifted.\n`));
}

export async function listAgents(flags: RemoteFlags): Promise<void> {
  const page = await client(flags).get<Page<AgentBrief>>("/v1/agents", {
    tier: flags.tier as string | undefined,
    minRisk: flags.minRisk as string | undefined,
    limit: flags.limit as string,
  });
  show(flags, page, (term, { items, nextCursor }) => {
    term.table(
      ["AGENT", "RISK", "TIER", "LAST SEEN"],
      items.map((a) => [a.agentId, a.risk.toFixed(2), tierCell(a.tier), relativeTime(a.lastSeen)]),
      "No agents match.",
    );
    if (nextCursor) term.write(term.paint(`(more: raise --limit, or use the API's cursor)\n`, "dim"));
  });
}

export async function showAgent(flags: RemoteFlags, id: string): Promise<void> {
  const detail = await client(flags).get<{
    agent: AgentBrief;
    profile: Record<string, unknown>;
    decision: DecisionView | null;
    recentAlerts: AlertView[];
  }>(`/v1/agents/${enc(id)}`);
  show(flags, detail, (term, { agent, profile, decision, recentAlerts }) => {
    term.write(`${term.paint(agent.agentId, "bold")}\n`);
    term.write(
      `  risk       ${agent.risk.toFixed(2)} (${term.paint(agent.tier, tierCell(agent.tier).colour)})\n`,
    );
    term.write(`  last seen  ${agent.lastSeen} (${relativeTime(agent.lastSeen)})\n`);
    term.write(
      `  decision   ${decision ? `${decision.type} until ${decision.expiresAt}${decision.shadow ? " (shadow)" : ""}: ${decision.reason}` : "none"}\n\n`,
    );
    term.write(`${term.paint("Profile", "bold")}\n`);
    term.write(
      stringifyYaml(profile)
        .trimEnd()
        .split("\n")
        .map((line) => `  ${line}`)
        .join("\n"),
    );
    term.write(`\n\n${term.paint("Recent alerts", "bold")}\n`);
    alertTable(term, recentAlerts);
  });
}

function alertTable(term: Terminal, alerts: AlertView[]): void {
  term.table(
    ["TIME", "SEVERITY", "AGENT", "RISK", "ACTION", "REASON"],
    alerts.map((a) => [
      a.timestamp,
      tierCell(a.severity),
      a.agentId,
      a.riskScore.toFixed(2),
      a.action,
      a.reasons[0] ? `${a.reasons[0].detector}: ${a.reasons[0].detail}` : "",
    ]),
    "No alerts.",
  );
}

/** `--since 1h` is an hour back from now; anything else goes to the API as given (ISO 8601, epoch ms). */
function sinceParam(since: string | undefined, now = Date.now()): string | undefined {
  if (since === undefined) return undefined;
  const back = parseDuration(since);
  if (back !== undefined) return new Date(now - back).toISOString();
  if (/^\d+$/.test(since) || !Number.isNaN(Date.parse(since))) return since;
  throw new AgentwatchError(
    "INVALID_ARGUMENT",
    `--since: expected a duration (1h, 7d) or an ISO 8601 time, got ${since}`,
  );
}

export async function listAlerts(flags: RemoteFlags): Promise<void> {
  const page = await client(flags).get<Page<AlertView>>("/v1/alerts", {
    since: sinceParam(flags.since as string | undefined),
    severity: flags.severity as string | undefined,
    agent: flags.agent as string | undefined,
    limit: flags.limit as string,
  });
  show(flags, page, (term, { items }) => alertTable(term, items));
}

export async function listAllowlist(flags: RemoteFlags): Promise<void> {
  const list = await client(flags).get<{ items: Array<{ entry: string; source: string }> }>("/v1/allowlist");
  show(flags, list, (term, { items }) =>
    term.table(
      ["ENTRY", "SOURCE"],
      items.map((i) => [i.entry, i.source]),
      "The allowlist is empty.",
    ),
  );
}

export async function addAllowlist(flags: RemoteFlags, entry: string): Promise<void> {
  const result = await client(flags).post<{ entry: string; unblocked: boolean }>("/v1/allowlist", { entry });
  show(flags, result, (term) =>
    term.write(`Allowlisted ${entry}${result.unblocked ? " (its decision was lifted)" : ""}.\n`),
  );
}

export async function deleteAllowlist(flags: RemoteFlags, entry: string): Promise<void> {
  await client(flags).delete(`/v1/allowlist/${enc(entry)}`);
  show(flags, { entry, deleted: true }, (term) => term.write(`Removed ${entry} from the allowlist.\n`));
}

export async function listKeys(flags: RemoteFlags): Promise<void> {
  const list = await client(flags).get<{ items: Array<{ name: string; scopes: string[] }> }>("/v1/keys");
  show(flags, list, (term, { items }) =>
    term.table(
      ["NAME", "SCOPES"],
      items.map((k) => [k.name, k.scopes.join(",")]),
      "No keys.",
    ),
  );
}
