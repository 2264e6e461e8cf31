/**
 * The composition root: the only place that reads the configuration and wires sources, the
 * engine, the action layer and the status API together, and the one that shuts them down in
 * reverse order on SIGTERM/SIGINT. Everything else receives what it needs as arguments.
 *
 * Two ingest modes share the rest: lines from files/stdin through one in-process engine, or the
 * Kafka consumer group (engines per partition, alerts through the alerts topic).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { type Actions, createActions } from "./actions/index.js";
import { alertActionsOf } from "./actions/policy.js";
import type { LocalProfiles } from "./api/agent-directory.js";
import type { StatusApiDeps } from "./api/deps.js";
import { buildStatusServer, listenStatusServer } from "./api/server.js";
import { createApiStores } from "./api/stores.js";
import type { Config } from "./config/schema.js";
import { createEngine, type Engine } from "./engine/engine.js";
import type { Alert } from "./engine/types.js";
import { AgentwatchError } from "./errors.js";
import { LineSplitter } from "./ingest/line-splitter.js";
import { type ChunkSink, drain, followFile, openInput } from "./ingest/sources.js";
import { KafkaQueue } from "./kafka/alert-queue.js";
import { createKafkaClient } from "./kafka/client.js";
import { topicNames } from "./kafka/options.js";
import { type KafkaPipeline, runKafkaPipeline } from "./kafka/pipeline.js";
import { resolveApiKeys } from "./keys/keys.js";
import { JwtKeys } from "./normalize/jwt-verify.js";
import { createLogger } from "./observability/logger.js";
import { createMetrics, type MetricSources, type Metrics } from "./observability/metrics.js";
import { initTracing, withSpan } from "./observability/tracing.js";
import { createLineDecoder } from "./parse/decoder.js";
import { EventPipeline, emptyCounters, type PipelineCounters } from "./pipeline/event-pipeline.js";
import { ProfileSnapshotter, restoreProfileSnapshot } from "./state/profile-file.js";
import { VERSION } from "./version.js";

export interface RunSources {
  /** Files to read (`-` = stdin); ignored when Kafka is configured. */
  inputs: string[];
  /** Keep following the files for appended lines (like `tail -F`) until stopped. */
  follow: boolean;
  /**
   * Read what followed files already hold before following them. Off by default: a followed
   * file starts at its end, so a restart does not re-read and re-alert on the whole file.
   * Files created or rotated in after the start are read from their beginning either way.
   */
  fromBeginning: boolean;
}

export interface Service {
  /** The status API's URL, when it is enabled. */
  readonly apiUrl: string | undefined;
  /**
   * Resolves when the service was stopped, or when the sources are exhausted (stdin, files
   * without --follow) and the action layer has delivered their alerts or `drainTimeout` passed.
   * `stop()` then gives requests still in flight up to `drainTimeout` more (Actions.stop).
   */
  readonly finished: Promise<void>;
  /** Stops sources, flushes alerts, stops actions, the API and connections, in that order. Idempotent. */
  stop(): Promise<void>;
}

/** A line-source ingest: files or stdin through one engine, alerts handed to the action layer. */
function startLineIngest(
  config: Config,
  jwtKeys: JwtKeys,
  sources: RunSources,
  engine: Engine,
  onAlert: (alert: Alert) => void,
  underDecision: (agentId: string, at: number) => boolean,
  logger: Logger,
  metrics: Metrics,
  signal: AbortSignal,
): { counters: PipelineCounters; finished: Promise<void> } {
  const inputs = sources.inputs.length > 0 ? sources.inputs : ["-"];
  // Shared by every input's pipeline, so /metrics sees one total.
  const counters = emptyCounters();
  const finished = Promise.all(
    inputs.map(async (input) => {
      // One pipeline, so one decoder, per input: the decoder joins CRI partial lines, and a
      // fragment left at the end of one file must not be glued to another file's next line.
      // The live edge is the one place the wall clock bounds event time (far-future timestamps).
      const pipeline = new EventPipeline(
        createLineDecoder(config.input, Date.now, jwtKeys),
        engine,
        {
          onAlert,
          underDecision,
          onReject: (record) => logger.debug({ reject: { ...record, raw: undefined } }, "line rejected"),
        },
        counters,
      );
      const lines = new LineSplitter(
        config.input.maxLineLength,
        (line, n) => pipeline.handleLine(line, n, input),
        (n, code, raw) => pipeline.rejectLine(n, code, raw, input),
      );
      // A chunk read from the source is this mode's batch: one span and one latency sample each.
      const splitter: ChunkSink = {
        push: (chunk) =>
          withSpan(
            "agentwatch.ingest.batch",
            { "agentwatch.source": input, "agentwatch.bytes": chunk.length },
            () => {
              const started = performance.now();
              lines.push(chunk);
              metrics.processingLatency.observe({ stage: "detect" }, (performance.now() - started) / 1000);
            },
          ),
        // Rotation or truncation of the same path: the writer goes on, so a CRI line left
        // half-finished in the old file is completed in the new one; only the splitter flushes.
        rotated: () => lines.end(),
        // End of input: a CRI line left half-finished becomes a reject, not a silent loss.
        end: () => {
          lines.end();
          pipeline.end(input);
        },
      };
      if (sources.follow && input !== "-") {
        await followFile(input, splitter, {
          pollIntervalMs: 250,
          fromEnd: !sources.fromBeginning,
          signal,
        });
      } else {
        await drain(openInput(input), splitter);
      }
      // Events and rejects are only counted over all inputs (`ingest finished`, /metrics).
      logger.info({ input, linesRead: lines.linesSeen }, "input finished");
    }),
  ).then(() => logger.info(counters, "ingest finished"));
  return { counters, finished };
}

/**
 * Waits for the records being appended and then for the action layer to empty its queue, at most
 * `timeoutMs` (a sink that keeps failing leaves its records queued) or until `signal` aborts.
 */
async function settleActions(
  actions: Actions,
  submitting: ReadonlySet<Promise<void>>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(submitting);
  const deadline = Date.now() + timeoutMs;
  while (actions.stats().queued > 0 && Date.now() < deadline && !signal.aborted) {
    // Rejects with AbortError when stopped: the loop condition then ends the wait.
    await sleep(20, undefined, { signal }).catch(() => undefined);
  }
}

export async function startService(
  config: Config,
  sources: RunSources,
  announce: (text: string) => void,
): Promise<Service> {
  // Everything the service writes (queue, ledger, dead letters, snapshots, alert log) is for its
  // own eyes: files 0600, directories 0700, whatever the caller's umask.
  process.umask(0o077);
  const logger = createLogger({ level: config.logging.level, name: "agentwatch" });
  const tracing = initTracing({ serviceVersion: VERSION });
  const metrics = createMetrics();
  const abort = new AbortController();
  const redis = config.actions.redis
    ? new Redis(config.actions.redis.url.reveal(), { lazyConnect: true })
    : undefined;
  await redis?.connect();
  // One key ring for every decoder; a JWKS URL is fetched here, at the edge, never per event. An
  // issuer that cannot be reached leaves JWTs claimed (never revoked), it does not stop the service.
  const jwtKeys = new JwtKeys(config.input.identity.jwt, (message) => logger.warn(message));
  await jwtKeys.start();

  let profiles: LocalProfiles;
  let kafkaPipeline: KafkaPipeline | undefined;
  let finished: Promise<void>;
  const stores = { current: undefined as ReturnType<typeof createApiStores> | undefined };
  const recordAlert = (alert: Alert) => {
    void stores.current?.alerts
      .append(alert)
      .catch((error) => logger.warn({ err: error }, "alert log append failed"));
  };
  // Kafka mode: alerts come back through the alerts topic (written by the detection stage, which
  // creates the topics), so the pipeline starts first and the action layer consumes that topic.
  let actions: Actions;
  let alertQueue: KafkaQueue | undefined;
  let snapshotter: ProfileSnapshotter | undefined;
  const metricSources: MetricSources = { actions: () => actions.stats() };
  const alertActions = alertActionsOf(config.actions.tiers);

  if (config.kafka) {
    // Latest lag seen per input partition, as of its last committed batch.
    const consumerLag = new Map<string, { topic: string; partition: number; lag: number }>();
    const pipeline = await runKafkaPipeline(config.kafka, {
      createEngine: (hooks) => createEngine(config.engine, { hooks, alertActions }),
      createDecoder: () => createLineDecoder(config.input, Date.now, jwtKeys),
      maxLineBytes: config.input.maxLineLength,
      logger,
      onBatch: (report) => {
        metrics.processingLatency.observe({ stage: report.stage }, report.seconds);
        consumerLag.set(`${report.topic}/${report.partition}`, report);
      },
    });
    kafkaPipeline = pipeline;
    const queue = await KafkaQueue.open(
      createKafkaClient(config.kafka, logger),
      { topic: topicNames(config.kafka).alerts, groupId: `${config.kafka.groupId}.actions` },
      logger,
    );
    alertQueue = queue;
    actions = createActions(config.actions, { logger, redis, queue, onAlert: recordAlert });
    await actions.start();
    metricSources.consumerLag = () => [...consumerLag.values()];
    profiles = pipeline.engines;
    metricSources.engine = () => pipeline.engines.stats();
    finished = new Promise((resolve) =>
      abort.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
  } else {
    actions = createActions(config.actions, { logger, redis });
    await actions.start();
    // Records still being appended to the queue, so that "nothing queued" is not judged too early.
    const submitting = new Set<Promise<void>>();
    const track = (appended: Promise<void>) => {
      submitting.add(appended);
      void appended.finally(() => submitting.delete(appended));
    };
    const engine = createEngine(config.engine, {
      alertActions,
      hooks: {
        // Risk fell back: resolve incidents and lift throttles (recorded durably like alerts).
        onRecovered: (recovery) =>
          track(
            actions.recover(recovery).catch((error) => logger.error({ err: error }, "recovery not queued")),
          ),
      },
    });
    profiles = engine.profiles;
    const onAlert = (alert: Alert) => {
      recordAlert(alert);
      track(
        actions
          .submit(alert)
          .catch((error) => logger.error({ err: error, alertId: alert.id }, "alert not queued")),
      );
    };
    if (config.state.snapshots) {
      // Restored before the first line, saved every interval and once more when stopping.
      const path = join(config.actions.delivery.dataDir, "profiles.snapshot");
      await restoreProfileSnapshot(path, engine.profiles, logger);
      snapshotter = new ProfileSnapshotter(path, engine.profiles, config.state.snapshotInterval, logger);
      snapshotter.start();
    }
    const ingest = startLineIngest(
      config,
      jwtKeys,
      sources,
      engine,
      onAlert,
      (agentId, at) => actions.enforcing(agentId, at),
      logger,
      metrics,
      abort.signal,
    );
    // Input that ends by itself (stdin closed, files read with --no-follow) gets its alerts through
    // the sinks before the service stops, instead of leaving them queued for a next start that a
    // one-off `run -` never has. A stop request cuts the wait short.
    finished = ingest.finished.then(() =>
      settleActions(actions, submitting, config.actions.delivery.drainTimeout, abort.signal),
    );
    metricSources.engine = () => engine.stats();
    metricSources.ingest = () => ({
      ingested: ingest.counters.eventsApplied,
      rejectedByReason: ingest.counters.rejectedByReason,
      refusedByDecision: ingest.counters.refusedByDecision,
    });
  }
  metrics.bindSources(metricSources);

  let apiUrl: string | undefined;
  let server: ReturnType<typeof buildStatusServer> | undefined;
  let stopping: Promise<void> | undefined;
  /** `waitForSources: false` when startup failed: stdin may never end, and nothing was read yet. */
  const stop = (waitForSources = true) => {
    stopping ??= (async () => {
      logger.info("stopping: sources");
      abort.abort();
      if (waitForSources) await finished.catch(() => undefined);
      await kafkaPipeline
        ?.stop()
        .catch((error) => logger.error({ err: error }, "kafka pipeline stop failed"));
      await snapshotter?.stop();
      logger.info("stopping: actions");
      await actions.stop();
      await alertQueue?.close(); // the action layer closes only queues it opened itself
      logger.info("stopping: status API");
      await stores.current?.publisher?.stop();
      await server?.close();
      redis?.disconnect();
      jwtKeys.stop();
      await tracing.shutdown();
      logger.info("stopped");
    })();
    return stopping;
  };

  if (config.api.enabled) {
    stores.current = createApiStores(profiles, config.api, redis, logger);
    stores.current.publisher?.start(config.api.shared.publishIntervalMs);
    const deps: StatusApiDeps = {
      agents: stores.current.agents,
      alerts: stores.current.alerts,
      decisions: actions.decisions,
      input: { identity: config.input.identity, trustedProxies: config.input.trustedProxies },
      testSinks: () => actions.testSinks(),
      deliveries: () => actions.recentDeliveries(),
      riskTiers: config.engine.risk.tiers,
      readiness: () => {
        // Ingest is up once startService got here (Kafka: topics ready, partitions restored before
        // they are processed); Redis is the one dependency that can drop later.
        const checks: Record<string, boolean> = { ingest: true };
        if (redis) checks.redis = redis.status === "ready";
        return { ready: Object.values(checks).every(Boolean), checks };
      },
      metrics,
      logger,
    };
    server = buildStatusServer(
      deps,
      { ...config.api, keys: resolveApiKeys(config.api.keys, announce) },
      { version: VERSION },
    );
    try {
      apiUrl = await listenStatusServer(server, config.api);
    } catch (error) {
      // Port taken, address not local: nothing else started can be reached, so all of it stops.
      await stop(false);
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new AgentwatchError("API_LISTEN_FAILED", `${config.api.host}:${config.api.port} (${reason})`, {
        cause: error,
      });
    }
    // `address`, not `url`: the logger redacts every `url` field (sink URLs are secrets).
    logger.info({ address: apiUrl }, "status API listening");
  }

  return { apiUrl, finished, stop: () => stop() };
}
