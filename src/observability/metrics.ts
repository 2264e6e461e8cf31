/**
 * Every Prometheus metric agentwatch exposes, defined in one place on a private registry.
 *
 * Counts the core already keeps (engine.stats(), actions.stats(), the decoder's rejects, the Kafka
 * consumer's lag) are *pulled* when Prometheus scrapes, through prom-client's `collect()`: the
 * per-event hot path stays free of metric calls and I/O. Only edge code that measures wall time
 * (processing-latency per batch, HTTP requests) pushes observations.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Read-only views of counters kept elsewhere; each is called once per scrape. */
export interface MetricSources {
  engine?: () => {
    agents: number;
    findingsByDetector: Readonly<Record<string, number>>;
    alertsBySeverity: Readonly<Record<string, number>>;
  };
  actions?: () => {
    deliveries: Readonly<Record<string, Readonly<Record<string, number>>>>;
    decisionsActive: number;
    circuitOpen?: Readonly<Record<string, boolean>>;
    queued: number;
    deadLettered: number;
  };
  ingest?: () => {
    ingested: number;
    rejectedByReason: Readonly<Partial<Record<string, number>>>;
    /** Refusals (403/429) of an agent under a decision: read but kept from the detectors. */
    refusedByDecision?: number;
  };
  consumerLag?: () => ReadonlyArray<{ topic: string; partition: number; lag: number }>;
}

export interface Metrics {
  readonly registry: Registry;
  /** Wall-time seconds per processed batch, by stage (`ingest`, `detect`, `deliver`). */
  readonly processingLatency: Histogram<"stage">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  /** Errors answered by the status API, by error code. */
  readonly apiErrors: Counter<"code">;
  /** Connects (or replaces) the pulled sources; main calls it once the pieces exist. */
  bindSources(sources: MetricSources): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, heap, event-loop lag). Default true. */
  processMetrics?: boolean;
}

type Labels = Record<string, string | number>;

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  let sources: MetricSources = {};

  // A pulled metric resets and re-reads its source on every scrape: the source holds the truth.
  const pulled = <L extends string>(
    Kind: typeof Counter<L> | typeof Gauge<L>,
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Iterable<[Labels, number]> | undefined,
  ) =>
    new Kind({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const rows = read();
        if (!rows) return;
        this.reset();
        for (const [labels, value] of rows) {
          if (Number.isFinite(value) && value >= 0) this.inc(labels as Partial<Record<L, string>>, value);
        }
      },
    });
  const entries = (
    record: Readonly<Partial<Record<string, number>>>,
    label: string,
  ): Array<[Labels, number]> => Object.entries(record).map(([key, value]) => [{ [label]: key }, value ?? 0]);
  const single = (value: number | undefined): Array<[Labels, number]> | undefined =>
    value === undefined ? undefined : [[{}, value]];

  pulled(Counter, "agentwatch_events_ingested_total", "Events accepted by the decoder.", [], () =>
    single(sources.ingest?.().ingested),
  );
  pulled(
    Counter,
    "agentwatch_events_refused_by_decision_total",
    "Events the gateway refused (403/429) because of a decision in force: read, kept from the detectors.",
    [],
    () => single(sources.ingest?.().refusedByDecision),
  );
  pulled(
    Counter,
    "agentwatch_events_rejected_total",
    "Input lines or records rejected, by reason code.",
    ["reason"],
    () => {
      const stats = sources.ingest?.();
      return stats && entries(stats.rejectedByReason, "reason");
    },
  );
  pulled(Counter, "agentwatch_findings_total", "Findings raised, by detector.", ["detector"], () => {
    const stats = sources.engine?.();
    return stats && entries(stats.findingsByDetector, "detector");
  });
  pulled(Counter, "agentwatch_alerts_total", "Alerts emitted, by severity.", ["severity"], () => {
    const stats = sources.engine?.();
    return stats && entries(stats.alertsBySeverity, "severity");
  });
  pulled(Gauge, "agentwatch_profiles_tracked", "Agent profiles held in memory.", [], () =>
    single(sources.engine?.().agents),
  );
  pulled(
    Counter,
    "agentwatch_deliveries_total",
    "Sink deliveries, by sink and outcome.",
    ["sink", "outcome"],
    () => {
      const stats = sources.actions?.();
      if (!stats) return undefined;
      return Object.entries(stats.deliveries).flatMap(([sink, outcomes]) =>
        Object.entries(outcomes).map(([outcome, value]): [Labels, number] => [{ sink, outcome }, value]),
      );
    },
  );
  pulled(Gauge, "agentwatch_decisions_active", "Throttle/block/revoke decisions in force.", [], () =>
    single(sources.actions?.().decisionsActive),
  );
  pulled(Gauge, "agentwatch_sink_circuit_open", "1 while a sink's circuit breaker is open.", ["sink"], () => {
    const open = sources.actions?.().circuitOpen;
    return open && Object.entries(open).map(([sink, isOpen]): [Labels, number] => [{ sink }, isOpen ? 1 : 0]);
  });
  pulled(Gauge, "agentwatch_delivery_queue_depth", "Alerts waiting on the durable queue.", [], () =>
    single(sources.actions?.().queued),
  );
  pulled(Counter, "agentwatch_dead_letters_total", "Deliveries given up after the last attempt.", [], () =>
    single(sources.actions?.().deadLettered),
  );
  pulled(
    Gauge,
    "agentwatch_consumer_lag",
    "Kafka records not yet consumed, by topic and partition.",
    ["topic", "partition"],
    () =>
      sources
        .consumerLag?.()
        .map(({ topic, partition, lag }): [Labels, number] => [{ topic, partition }, lag]),
  );

  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "agentwatch_" });

  return {
    registry,
    processingLatency: new Histogram({
      name: "agentwatch_processing_latency_seconds",
      help: "Wall time to process one batch, by pipeline stage.",
      labelNames: ["stage"],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "agentwatch_http_requests_total",
      help: "Status API requests, by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "agentwatch_http_request_duration_seconds",
      help: "Status API response time, by method and route template.",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    apiErrors: new Counter({
      name: "agentwatch_api_errors_total",
      help: "Error answers of the status API, by error code.",
      labelNames: ["code"],
      registers: [registry],
    }),
    bindSources(next) {
      sources = { ...sources, ...next };
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
