/**
 * Hand-drawn SVG charts: a sparkline, the risk chart with tier bands and alert marks, and
 * horizontal bars. SVG scales with its box (viewBox), needs no library, and its colours come from
 * CSS classes, so it follows the dark or light scheme. Each chart has a text equivalent
 * (aria-label or <title>) for screen readers.
 */
import type { Alert, Severity } from "./api.js";
import { utc } from "./format.js";

const SEVERITY_ORDER: Severity[] = ["low", "medium", "high", "critical"];

const time = (iso: string) => Date.parse(iso);

export function Sparkline({ points, label }: { points: Array<[string, number]>; label: string }) {
  const w = 120;
  const h = 24;
  if (points.length === 0) {
    return (
      <svg class="spark" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${label}: no risk history`}>
        <line class="spark-none" x1="0" y1={h - 1} x2={w} y2={h - 1} />
      </svg>
    );
  }
  const t0 = time(points[0]?.[0] ?? "");
  const t1 = time(points[points.length - 1]?.[0] ?? "");
  const span = Math.max(1, t1 - t0);
  const path = points
    .map(
      ([t, s], i) =>
        `${i ? "L" : "M"}${(((time(t) - t0) / span) * w).toFixed(1)},${(h - 1 - s * (h - 2)).toFixed(1)}`,
    )
    .join(" ");
  const peak = Math.max(...points.map(([, s]) => s));
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`${label}: risk peaked at ${peak.toFixed(2)}`}
    >
      <path class="spark-line" d={path} />
    </svg>
  );
}

interface RiskChartProps {
  history: Array<{ timestamp: string; score: number }>;
  alerts: Alert[];
  tiers: Record<Severity, number>;
}

/** Risk over time; shaded bands where each tier starts; a mark per alert at its time and score. */
export function RiskChart({ history, alerts, tiers }: RiskChartProps) {
  const w = 800;
  const h = 240;
  const left = 36;
  const bottom = 22;
  const plotW = w - left - 8;
  const plotH = h - bottom - 8;
  const times = [...history.map((p) => time(p.timestamp)), ...alerts.map((a) => time(a.timestamp))];
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => left + ((t - t0) / span) * plotW;
  const y = (s: number) => 8 + (1 - s) * plotH;
  const bands = SEVERITY_ORDER.map((severity, i) => {
    const next = SEVERITY_ORDER[i + 1];
    return { severity, from: tiers[severity], to: next ? tiers[next] : 1 };
  });
  const line = history
    .map((p, i) => `${i ? "L" : "M"}${x(time(p.timestamp)).toFixed(1)},${y(p.score).toFixed(1)}`)
    .join(" ");
  const peak = Math.max(0, ...history.map((p) => p.score));
  return (
    <svg
      class="risk-chart"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`Risk over time, peak ${peak.toFixed(2)}, ${alerts.length} alerts marked`}
      data-testid="risk-chart"
    >
      {bands.map((band) => (
        <g key={band.severity}>
          <rect
            class={`band band-${band.severity}`}
            x={left}
            width={plotW}
            y={y(band.to)}
            height={y(band.from) - y(band.to)}
          />
          <text class="axis" x={left - 4} y={y(band.from) + 4} text-anchor="end">
            {band.from.toFixed(1)}
          </text>
          <text class="band-label" x={left + plotW - 4} y={y(band.from) - 4} text-anchor="end">
            {band.severity}
          </text>
        </g>
      ))}
      <line class="axis-line" x1={left} y1={y(0)} x2={left + plotW} y2={y(0)} />
      <text class="axis" x={left - 4} y={y(0) + 4} text-anchor="end">
        0
      </text>
      {history.length > 0 && <path class="risk-line" d={line} data-testid="risk-line" />}
      {alerts.map((alert) => (
        <g key={alert.id} class={`alert-mark sev-${alert.severity}`} data-testid="alert-mark">
          <line x1={x(time(alert.timestamp))} x2={x(time(alert.timestamp))} y1={y(1)} y2={y(0)} />
          <circle cx={x(time(alert.timestamp))} cy={y(alert.riskScore)} r="5">
            <title>
              {`${alert.severity} alert at ${utc(alert.timestamp)}, risk ${alert.riskScore.toFixed(2)}: ${alert.reasons
                .map((r) => r.detail)
                .join("; ")}`}
            </title>
          </circle>
        </g>
      ))}
      {Number.isFinite(t0) && (
        <>
          <text class="axis" x={left} y={h - 6}>
            {utc(new Date(t0).toISOString())}
          </text>
          <text class="axis" x={left + plotW} y={h - 6} text-anchor="end">
            {utc(new Date(t1).toISOString())}
          </text>
        </>
      )}
    </svg>
  );
}

export interface Bar {
  label: string;
  value: number;
  /** Text shown after the bar; defaults to the value. */
  text?: string;
  /** Extra class, e.g. `baseline`. */
  kind?: string;
}

/** Horizontal bars scaled to the largest value (or `max`), as an HTML list: wraps on a phone. */
export function Bars({ bars, max, label }: { bars: Bar[]; max?: number; label: string }) {
  const top = max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  return (
    <ul class="bars" aria-label={label}>
      {bars.map((bar) => (
        <li key={bar.label} class={bar.kind ?? ""}>
          <span class="bar-label" title={bar.label}>
            {bar.label}
          </span>
          <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            <rect x="0" y="0" height="10" width={Math.max(0.5, (bar.value / top) * 100)} />
          </svg>
          <span class="bar-value">{bar.text ?? String(bar.value)}</span>
        </li>
      ))}
    </ul>
  );
}

/** Alerts on a time axis, one lane per severity (critical on top). */
export function AlertTimeline({ alerts }: { alerts: Alert[] }) {
  const w = 800;
  const lane = 28;
  const left = 70;
  const lanes = [...SEVERITY_ORDER].reverse();
  const h = lanes.length * lane + 24;
  const times = alerts.map((a) => time(a.timestamp));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => left + ((t - t0) / span) * (w - left - 12);
  return (
    <svg
      class="timeline"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={`${alerts.length} alerts by severity over time`}
      data-testid="alert-timeline"
    >
      {lanes.map((severity, i) => (
        <g key={severity}>
          <text class="axis" x={left - 8} y={i * lane + lane / 2 + 4} text-anchor="end">
            {severity}
          </text>
          <line class="axis-line" x1={left} x2={w - 12} y1={i * lane + lane / 2} y2={i * lane + lane / 2} />
          {alerts
            .filter((a) => a.severity === severity)
            .map((a) => (
              <circle
                key={a.id}
                class={`alert-dot sev-${severity}`}
                cx={x(time(a.timestamp))}
                cy={i * lane + lane / 2}
                r="5"
              >
                <title>{`${a.agentId}: ${severity} at ${utc(a.timestamp)}`}</title>
              </circle>
            ))}
        </g>
      ))}
      {alerts.length > 0 && (
        <>
          <text class="axis" x={left} y={h - 4}>
            {utc(new Date(t0).toISOString())}
          </text>
          <text class="axis" x={w - 12} y={h - 4} text-anchor="end">
            {utc(new Date(t1).toISOString())}
          </text>
        </>
      )}
    </svg>
  );
}
