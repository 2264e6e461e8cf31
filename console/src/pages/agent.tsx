/**
 * One agent: its risk over time with tier bands and alert marks, each alert's reasons, its profile
 * as pictures, and its decision with the admin actions (unblock, allowlist) behind a confirmation.
 */
import { useState } from "preact/hooks";
import { type AgentDetail, api, describeFailure, type Session } from "../api.js";
import { Bars, RiskChart } from "../charts.js";
import { bytes, enforcement, pct, scopeOf, utc } from "../format.js";
import { usePolled } from "../poll.js";
import { Confirm, ErrorNote, Updated } from "./common.js";

type Action = "unblock" | "allowlist";

export function AgentPage({ agentId, session }: { agentId: string; session: Session }) {
  const polled = usePolled(() => api<AgentDetail>(`/v1/agents/${encodeURIComponent(agentId)}`), [agentId]);
  const detail = polled.data;
  return (
    <section aria-labelledby="agent-title">
      <p>
        <a href="#/agents">← All agents</a>
      </p>
      <div class="page-head">
        <h1 id="agent-title">
          {agentId} {detail && <span class={`badge tier-${detail.agent.tier}`}>{detail.agent.tier}</span>}
        </h1>
        <Updated at={polled.updatedAt} />
      </div>
      <ErrorNote error={polled.error} />
      {detail && (
        <>
          <p class="facts">
            risk <strong>{detail.agent.risk.toFixed(2)}</strong> · {detail.profile.events} events · seen{" "}
            {utc(detail.profile.firstSeen)} to {utc(detail.profile.lastSeen)} UTC
            {detail.profile.warm ? "" : " · still learning its baseline"}
          </p>
          <DecisionPanel detail={detail} session={session} onChange={polled.reload} />
          <h2>Risk over time</h2>
          <RiskChart history={withCurrent(detail)} alerts={detail.recentAlerts} tiers={session.tiers} />
          <h2>Why: its alerts</h2>
          <AlertReasons detail={detail} />
          <Pictures detail={detail} />
        </>
      )}
    </section>
  );
}

/** The stored history ends at the last sample; the current risk (as of its last event) ends the line. */
function withCurrent(detail: AgentDetail) {
  const history = detail.profile.risk.history;
  const last = history[history.length - 1];
  if (last && last.timestamp >= detail.agent.lastSeen) return history;
  return [...history, { timestamp: detail.agent.lastSeen, score: detail.agent.risk }];
}

function DecisionPanel({
  detail,
  session,
  onChange,
}: {
  detail: AgentDetail;
  session: Session;
  onChange: () => void;
}) {
  const [asking, setAsking] = useState<Action | undefined>();
  const [message, setMessage] = useState<{ text: string; ok: boolean } | undefined>();
  const isAdmin = session.scopes.includes("admin");
  const decision = detail.decision;
  const agentId = detail.agent.agentId;
  const run = async (action: Action) => {
    setAsking(undefined);
    try {
      if (action === "unblock") {
        await api(`/v1/agents/${encodeURIComponent(agentId)}/unblock`, {
          method: "POST",
          body: { reason: "lifted from the console" },
        });
        setMessage({ ok: true, text: "Decision lifted. Gateways drop it on their next poll." });
      } else {
        const result = await api<{ unblocked: boolean }>("/v1/allowlist", {
          method: "POST",
          body: { entry: agentId },
        });
        setMessage({
          ok: true,
          text: `Allowlisted: never enforced against${result.unblocked ? "; its decision was lifted" : ""}.`,
        });
      }
      onChange();
    } catch (error) {
      setMessage({ ok: false, text: describeFailure(error) });
    }
  };
  return (
    <div class="panel" data-testid="decision">
      <h2>Decision</h2>
      {decision ? (
        <p>
          <strong class={`badge tier-${decision.severity}`}>{decision.type}</strong> since{" "}
          {utc(decision.since)}, expires <strong>{utc(decision.expiresAt)}</strong> UTC (event time) · applies
          to {scopeOf(decision)} · {enforcement(decision)} · {decision.reason}
        </p>
      ) : (
        <p>No decision in force.</p>
      )}
      {isAdmin && (
        <div class="actions">
          {decision && (
            <button type="button" class="danger" onClick={() => setAsking("unblock")}>
              Unblock
            </button>
          )}
          <button type="button" onClick={() => setAsking("allowlist")}>
            Allowlist
          </button>
        </div>
      )}
      {message && (
        <p class={message.ok ? "ok" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <Confirm
        open={asking !== undefined}
        title={asking === "unblock" ? `Unblock ${agentId}?` : `Allowlist ${agentId}?`}
        confirmLabel={asking === "unblock" ? "Unblock" : "Allowlist"}
        onConfirm={() => asking && void run(asking)}
        onCancel={() => setAsking(undefined)}
      >
        <p>
          {asking === "unblock"
            ? "Its decision is lifted now and gateways let it through; a new offence decides again."
            : "It is never enforced against again until removed from the allowlist, and an active decision is lifted."}
        </p>
      </Confirm>
    </div>
  );
}

function AlertReasons({ detail }: { detail: AgentDetail }) {
  if (detail.recentAlerts.length === 0) return <p>No alert raised.</p>;
  return (
    <ol class="alerts" data-testid="alert-reasons">
      {detail.recentAlerts.map((alert) => (
        <li key={alert.id}>
          <span class={`badge tier-${alert.severity}`}>{alert.severity}</span> {utc(alert.timestamp)} · risk{" "}
          {alert.riskScore.toFixed(2)} · {alert.action} · {alert.request.method} {alert.request.template}
          <ul>
            {alert.reasons.map((reason) => (
              <li key={reason.detector}>
                <strong>{reason.detector}</strong>: {reason.detail}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function Pictures({ detail }: { detail: AgentDetail }) {
  const { endpoints, rate, transitions } = detail.profile;
  return (
    <div class="pictures" data-testid="profile-pictures">
      <figure>
        <figcaption>Endpoints, share of recent requests</figcaption>
        <Bars
          label="endpoint distribution"
          bars={endpoints.map((e) => ({
            label: `${e.method} ${e.template}`,
            value: e.share,
            text: pct(e.share),
          }))}
        />
      </figure>
      <figure>
        <figcaption>Request rate against its own baseline (per minute)</figcaption>
        <Bars
          label="request rate"
          bars={[
            { label: "recent", value: rate.recentPerMinute, text: rate.recentPerMinute.toFixed(1) },
            {
              label: "usual (baseline)",
              value: rate.usualPerMinute,
              text: rate.usualPerMinute.toFixed(1),
              kind: "baseline",
            },
            { label: "peak", value: rate.peakPerMinute, text: rate.peakPerMinute.toFixed(1) },
          ]}
        />
      </figure>
      <figure>
        <figcaption>Typical response size per endpoint (log scale)</figcaption>
        <Bars
          label="payload sizes"
          bars={endpoints.map((e) => ({
            label: `${e.method} ${e.template}`,
            value: Math.log10(1 + e.responseSize.typicalBytes),
            text: `${bytes(e.responseSize.typicalBytes)} (req ${bytes(e.requestSize.typicalBytes)})`,
          }))}
        />
      </figure>
      <figure>
        <figcaption>Most common endpoint chains</figcaption>
        {transitions.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <Bars
            label="endpoint chains"
            bars={transitions.map((t) => ({
              label: `${t.from} → ${t.to}`,
              value: t.count,
              text: String(Math.round(t.count)),
            }))}
          />
        )}
      </figure>
    </div>
  );
}
