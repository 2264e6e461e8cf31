/** Alerts and decisions: a timeline by severity, the decisions in force, deliveries and dead letters. */
import { type Alert, api, type DeadLetter, type Decision, type Delivery } from "../api.js";
import { AlertTimeline } from "../charts.js";
import { enforcement, scopeOf, utc } from "../format.js";
import { usePolled } from "../poll.js";
import { ErrorNote, Table, Updated } from "./common.js";

interface Snapshot {
  alerts: Alert[];
  decisions: Decision[];
  deliveries: Delivery[];
  deadLetters: DeadLetter[];
}

async function load(): Promise<Snapshot> {
  const [alerts, decisions, deliveries] = await Promise.all([
    api<{ items: Alert[] }>("/v1/alerts?limit=500"),
    api<{ decisions: Decision[] }>("/v1/decisions"),
    api<{ deliveries: Delivery[]; deadLetters: DeadLetter[] }>("/v1/deliveries"),
  ]);
  return { alerts: alerts.items, decisions: decisions.decisions, ...deliveries };
}

const agentLink = (agentId: string) => <a href={`#/agents/${encodeURIComponent(agentId)}`}>{agentId}</a>;

export function AlertsPage() {
  const polled = usePolled(load, []);
  const data = polled.data;
  return (
    <section aria-labelledby="alerts-title">
      <div class="page-head">
        <h1 id="alerts-title">Alerts and decisions</h1>
        <Updated at={polled.updatedAt} />
      </div>
      <ErrorNote error={polled.error} />
      {data && (
        <>
          <h2>Alerts by severity ({data.alerts.length})</h2>
          <AlertTimeline alerts={data.alerts} />
          <h2>Decisions in force ({data.decisions.length})</h2>
          <Table
            testId="decisions-table"
            head={[
              "Agent",
              "Decision",
              { text: "Applies to", wide: true },
              "Enforced by",
              { text: "Since (UTC)", wide: true },
              "Expires (UTC)",
            ]}
          >
            {data.decisions.map((d) => (
              <tr key={d.agentId}>
                <th scope="row">{agentLink(d.agentId)}</th>
                <td>
                  <span class={`badge tier-${d.severity}`}>{d.type}</span>
                </td>
                <td class="wide">{scopeOf(d)}</td>
                <td>{enforcement(d)}</td>
                <td class="wide">{utc(d.since)}</td>
                <td>{utc(d.expiresAt)}</td>
              </tr>
            ))}
          </Table>
          <h2>Recent deliveries to sinks</h2>
          <Table
            testId="deliveries-table"
            head={["When (UTC)", "Sink", "What", "Agent", "Outcome"]}
            empty={data.deliveries.length === 0 && "No delivery yet."}
          >
            {data.deliveries.slice(0, 50).map((d) => (
              <tr key={`${d.recordId}/${d.sink}`}>
                <td>{utc(d.at)}</td>
                <td>{d.sink}</td>
                <td>{d.kind}</td>
                <td>{agentLink(d.agentId)}</td>
                <td class={`outcome-${d.outcome}`}>{d.outcome}</td>
              </tr>
            ))}
          </Table>
          <h2>Dead letters ({data.deadLetters.length})</h2>
          <Table
            testId="dead-letters-table"
            head={["When (UTC)", "Sink", "Agent", "Why", "Attempts"]}
            empty={data.deadLetters.length === 0 && "No dead letter."}
          >
            {data.deadLetters.map((d) => (
              <tr key={`${d.at}/${d.sink}/${d.agentId}`}>
                <td>{utc(d.at)}</td>
                <td>
                  {d.sink} ({d.sinkType})
                </td>
                <td>{agentLink(d.agentId)}</td>
                <td>
                  {d.code}
                  {d.status ? ` ${d.status}` : ""}: {d.reason}
                </td>
                <td class="num">{d.attempts}</td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </section>
  );
}
