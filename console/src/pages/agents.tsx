/** The agents table: by current risk, with tier, identity kind, last seen and a risk sparkline. */
import { useState } from "preact/hooks";
import { type AgentRow, api, type Tier } from "../api.js";
import { Sparkline } from "../charts.js";
import { utc } from "../format.js";
import { usePolled } from "../poll.js";
import { ErrorNote, Table, Updated } from "./common.js";

const TIERS: Array<Tier | ""> = ["", "critical", "high", "medium", "low", "none"];

export function AgentsPage() {
  const [tier, setTier] = useState<Tier | "">("");
  const [text, setText] = useState("");
  const polled = usePolled(
    () =>
      api<{ items: AgentRow[]; nextCursor: string | null }>(
        `/v1/overview/agents?limit=100${tier ? `&tier=${tier}` : ""}`,
      ),
    [tier],
  );
  const needle = text.trim().toLowerCase();
  const rows = (polled.data?.items ?? []).filter(
    (row) => !needle || row.agentId.toLowerCase().includes(needle),
  );
  return (
    <section aria-labelledby="agents-title">
      <div class="page-head">
        <h1 id="agents-title">Agents</h1>
        <Updated at={polled.updatedAt} />
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Tier{" "}
          <select value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value as Tier | "")}>
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {t || "all"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent{" "}
          <input
            type="search"
            placeholder="filter by id"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </label>
      </form>
      <ErrorNote error={polled.error} />
      <Table
        testId="agents-table"
        head={[
          "Agent",
          "Risk",
          "Tier",
          { text: "Identity", wide: true },
          "Decision",
          { text: "Last seen (UTC)", wide: true },
          "Risk, last hours",
        ]}
        empty={polled.data && rows.length === 0 && "No agent matches."}
      >
        {rows.map((row) => (
          <tr key={row.agentId} data-agent={row.agentId} data-tier={row.tier}>
            <th scope="row">
              <a href={`#/agents/${encodeURIComponent(row.agentId)}`}>{row.agentId}</a>
            </th>
            <td class="num">{row.risk.toFixed(2)}</td>
            <td>
              <span class={`badge tier-${row.tier}`}>{row.tier}</span>
            </td>
            <td class="wide">{row.identityKind ?? "–"}</td>
            <td>{row.decision ?? "–"}</td>
            <td class="wide">{utc(row.lastSeen)}</td>
            <td>
              <Sparkline points={row.history} label={`${row.agentId} risk`} />
            </td>
          </tr>
        ))}
      </Table>
      {polled.data?.nextCursor && (
        <p class="empty">
          Showing the 100 riskiest agents{tier ? ` in tier ${tier}` : ""}.{" "}
          {needle ? (
            <a href={`#/agents/${encodeURIComponent(text.trim())}`}>Open agent “{text.trim()}”</a>
          ) : (
            "Filter by tier, or type an id to open any agent."
          )}
        </p>
      )}
    </section>
  );
}
