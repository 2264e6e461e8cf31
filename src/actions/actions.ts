/**
 * The action layer assembled: alerts and recoveries go onto the durable queue (`submit`,
 * `recover`), one loop takes records off it in order, applies the decision policy through the
 * shared store, routes the resulting event to the sinks, and acks the record once every sink's
 * delivery is over (delivered, deduplicated or dead-lettered). A sweeper turns expired decisions
 * into "ended" records on the same queue, so their announcements (gateway removal, PagerDuty
 * resolve) are as durable as alerts.
 */
import { randomUUID } from "node:crypto";
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createSink } from "../../alerts/index.js";
import type { Sink, SinkEvent } from "../../alerts/sink.js";
import type { TierRecovery } from "../engine/engine.js";
import type { Alert } from "../engine/types.js";
import { Allowlist, allowlistEntryError } from "./allowlist.js";
import { EventClock } from "./clock.js";
import { FileDeadLetterLog } from "./dead-letter.js";
import { JournaledDecisionStore } from "./decision-journal.js";
import {
  type DecisionChanges,
  type DecisionStore,
  MemoryDecisionStore,
  sameVersion,
} from "./decision-store.js";
import { type DeliveryClock, type Job, type JobOutcome, SinkRunner } from "./delivery.js";
import { FileQueue } from "./file-queue.js";
import { type DeliveryLedger, FileLedger, ledgerKey, RedisLedger } from "./ledger.js";
import type { ActionsOptions } from "./options.js";
import { decide, recover, requestedDecision } from "./policy.js";
import type { DurableQueue, QueuedRecord } from "./queue.js";
import { RecentDeliveries, type RecentDeliveriesView } from "./recent-deliveries.js";
import type { Decision, DecisionType } from "./records.js";
import { recordId, recordKey } from "./records.js";
import { RedisDecisionStore } from "./redis-decision-store.js";
import { route } from "./router.js";
import { scrubSecrets } from "./secret.js";

export interface ActionsDeps {
  logger: Logger;
  /** Shared store and dedup across instances; without it, in-memory decisions and an on-disk journal. */
  redis?: Redis;
  /** The alerts queue (e.g. the Kafka alerts topic); without it, an on-disk queue under `delivery.dataDir`. */
  queue?: DurableQueue;
  /**
   * Sees each alert as it is taken off the queue, before it is decided. In Kafka mode alerts reach
   * this instance only through the alerts topic, so this is where the status API's alert log is fed.
   */
  onAlert?: (alert: Alert) => void;
  /** The clock deliveries wait on (backoff, breaker, Retry-After); wall time unless a test simulates it. */
  deliveryClock?: DeliveryClock;
}

export interface AllowlistEntry {
  entry: string;
  /** `config` entries can only be changed in the config file. */
  source: "config" | "api";
}

export interface ManualDecision {
  agentId: string;
  type: DecisionType;
  durationMs: number;
  /** Why, shown with the decision (`manual: <reason>`). */
  reason: string;
  /** Throttle only; the configured `throttleRatePerMinute` when absent. */
  ratePerMinute?: number;
}

/** Decisions as the status API and gateways see them. "Active" is judged on the event clock. */
export interface Decisions {
  get(agentId: string): Promise<Decision | undefined>;
  list(): Promise<Decision[]>;
  changesSince(cursor: string | undefined): Promise<DecisionChanges>;
  /** Lifts the agent's decision now (gateways are told, pages resolved) and forgives its strikes. */
  unblock(agentId: string): Promise<boolean>;
  /**
   * An operator's decision (`agentwatch decisions add`): in force from now on the event clock for
   * `durationMs`, replacing the agent's current one; gateways see it like any other.
   */
  add(request: ManualDecision): Promise<Decision>;
  allowlist: {
    /** Throws on an invalid entry; returns false when it was already there. */
    add(entry: string): Promise<boolean>;
    remove(entry: string): Promise<boolean>;
    list(): Promise<AllowlistEntry[]>;
  };
}

export interface ActionsStats {
  /** Per sink, per outcome: delivered, skipped, duplicate, dead-lettered, retried. */
  deliveries: Record<string, Record<string, number>>;
  /** Decisions made, by change (created, escalated, reopened, lifted, kept), and alerts allowlisted. */
  decisionsMade: Record<string, number>;
  decisionsActive: number;
  /** Per sink, whether its circuit breaker is open (the sink is being rested). */
  circuitOpen: Record<string, boolean>;
  queued: number;
  deadLettered: number;
}

export interface Actions {
  /** Durably accept an alert (returns once it is on the durable queue); decisions and deliveries run from the queue. */
  submit(alert: Alert): Promise<void>;
  /**
   * Durably accept the engine's report that an alerted agent fell back below every tier (its
   * `onRecovered` hook). Resolves the agent's open incident, lifts a throttle, keeps a block or
   * revoke; a no-op when nothing is open. Call it in the engine's order with `submit`.
   */
  recover(recovery: TierRecovery): Promise<void>;
  readonly decisions: Decisions;
  /** One harmless request per sink (`POST /v1/test`). */
  testSinks(): Promise<Array<{ sink: string; ok: boolean; detail: string }>>;
  stats(): ActionsStats;
  /** The last deliveries and dead letters, newest first (for the status API). */
  recentDeliveries(): RecentDeliveriesView;
  /**
   * Whether this instance knows of an enforced (not shadow) decision on the agent in force at
   * event time `at`. Synchronous, from memory: for the event path, which must not wait on a store.
   */
  enforcing(agentId: string, at: number): boolean;
  start(): Promise<void>;
  /** Stops taking records, lets in-flight requests finish within `delivery.drainTimeout`, keeps the rest queued. */
  stop(): Promise<void>;
}

const READ_BATCH = 256;
const READ_WAIT_MS = 200;
const ALLOWLIST_CACHE_MS = 1_000;

export function createActions(options: ActionsOptions, deps: ActionsDeps): Actions {
  return new ActionLayer(options, deps);
}

class ActionLayer implements Actions {
  readonly decisions: Decisions;
  readonly #options: ActionsOptions;
  readonly #deps: ActionsDeps;
  readonly #logger: Logger;
  /** Redis; or, once started, the in-memory store with its on-disk journal. */
  #store: DecisionStore;
  readonly #sinks: Sink[];
  readonly #clock = new EventClock();
  readonly #counts: Record<string, Record<string, number>> = {};
  readonly #decisionCounts: Record<string, number> = {};
  readonly #ending = new Set<string>();
  readonly #recent = new RecentDeliveries();
  #queue: DurableQueue | undefined;
  #ownsQueue = false;
  #ledger: DeliveryLedger | undefined;
  #runners = new Map<string, SinkRunner>();
  #loop: Promise<void> | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;
  #stopping = false;
  #inFlight = 0;
  #capacity: (() => void) | undefined;
  #deadLettered = 0;
  #activeCount = 0;
  #allowlist: { value: Allowlist; at: number } | undefined;
  /** Agent -> expiry of its enforced decision, as this instance last decided or ended it. */
  readonly #enforced = new Map<string, number>();

  constructor(options: ActionsOptions, deps: ActionsDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#logger = deps.logger.child({ component: "actions" });
    const prefix = options.redis?.keyPrefix ?? "agentwatch:";
    this.#store = deps.redis
      ? new RedisDecisionStore(deps.redis, {
          keyPrefix: `${prefix}decisions:`,
          stateRetentionMs: options.decisions.decayAfter * 10 + options.decisions.maxTtl,
        })
      : new MemoryDecisionStore(); // replaced by the journaled store in `start`
    this.#sinks = options.sinks.map((sink) => createSink(sink, { logger: this.#logger }));
    this.decisions = this.#decisionsApi();
  }

  async start(): Promise<void> {
    if (this.#loop) throw new Error("actions already started");
    const { delivery } = this.#options;
    this.#queue = this.#deps.queue;
    // The data directory holds alerts, agent ids and token hashes: owner only, even if it existed.
    await mkdir(delivery.dataDir, { recursive: true, mode: 0o700 });
    await chmod(delivery.dataDir, 0o700);
    if (!this.#queue) {
      this.#queue = await FileQueue.open({ dir: join(delivery.dataDir, "queue") });
      this.#ownsQueue = true;
    }
    const prefix = this.#options.redis?.keyPrefix ?? "agentwatch:";
    this.#ledger = this.#deps.redis
      ? new RedisLedger(this.#deps.redis, `${prefix}delivery:`, {
          leaseMs: delivery.claimLease,
          doneTtlMs: delivery.dedupTtl,
        })
      : await FileLedger.open(delivery.dataDir, delivery.dedupTtl);
    if (!this.#deps.redis) {
      this.#store = await JournaledDecisionStore.open(
        join(delivery.dataDir, "decisions.jsonl"),
        {},
        this.#logger,
      );
      // The event clock resumes where the journaled decisions left it: on the wall clock, a
      // replayed or delayed stream's decisions would all look expired and be lifted at once.
      for (const decision of await this.#store.list()) this.#clock.observe(decision.updatedAt);
    }
    const deadLetterPath = join(delivery.dataDir, "dead-letter.jsonl");
    await this.#recent.loadDeadLetters(deadLetterPath);
    const deadLetters = this.#recent.remembering(new FileDeadLetterLog(deadLetterPath));
    for (const sink of this.#sinks) {
      this.#runners.set(
        sink.name,
        new SinkRunner(sink, delivery, {
          ...(this.#deps.deliveryClock ? { clock: this.#deps.deliveryClock } : {}),
          ledger: this.#ledger,
          deadLetters,
          logger: this.#logger,
          count: (name, outcome) => this.#count(name, outcome),
          finished: (name, job, outcome) => this.#recent.finished(name, job, outcome),
        }),
      );
    }
    this.#loop = this.#run();
    this.#sweeper = setInterval(() => void this.#sweep(), this.#options.decisions.sweepInterval);
    this.#sweeper.unref();
    this.#logger.info(
      {
        sinks: this.#sinks.map((s) => `${s.name}(${s.type})`),
        shadow: this.#options.shadow,
        queued: this.#queue.depth,
      },
      "actions started",
    );
  }

  async submit(alert: Alert): Promise<void> {
    if (!this.#queue || this.#stopping) throw new Error("actions are not running");
    await this.#queue.append({ kind: "alert", alert });
  }

  async recover(recovery: TierRecovery): Promise<void> {
    if (!this.#queue || this.#stopping) throw new Error("actions are not running");
    await this.#queue.append({ kind: "recovered", recovery });
  }

  recentDeliveries(): RecentDeliveriesView {
    return this.#recent.view();
  }

  stats(): ActionsStats {
    const deliveries: Record<string, Record<string, number>> = {};
    for (const [sink, counts] of Object.entries(this.#counts)) deliveries[sink] = { ...counts };
    return {
      deliveries,
      decisionsMade: { ...this.#decisionCounts },
      decisionsActive: this.#activeCount,
      circuitOpen: Object.fromEntries(
        [...this.#runners.values()].map((runner) => [runner.name, runner.breaker.state === "open"]),
      ),
      queued: this.#queue?.depth ?? 0,
      deadLettered: this.#deadLettered,
    };
  }

  enforcing(agentId: string, at: number): boolean {
    const expiresAt = this.#enforced.get(agentId);
    return expiresAt !== undefined && expiresAt > at;
  }

  #noteDecision(agentId: string, decision: Decision | undefined): void {
    if (decision && !decision.shadow) this.#enforced.set(agentId, decision.expiresAt);
    else this.#enforced.delete(agentId);
  }

  async testSinks(): Promise<Array<{ sink: string; ok: boolean; detail: string }>> {
    const at = Date.now();
    return Promise.all(
      [...this.#runners.values()].map(async (runner) => {
        const { ok, detail } = await runner.probe({ kind: "test", at });
        // A receiver's error can quote the request (URL, key): the API never returns a secret.
        return { sink: runner.name, ok, detail: scrubSecrets(detail) };
      }),
    );
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#sweeper);
    this.#capacity?.();
    // Runners stop at once, not after the loop's next poll: a job enqueued meanwhile is deferred.
    const drain = this.#options.delivery.drainTimeout;
    await Promise.all([this.#loop, ...[...this.#runners.values()].map((r) => r.stop(drain))]);
    if (this.#ownsQueue) await this.#queue?.close();
    if (this.#store instanceof RedisDecisionStore || this.#store instanceof JournaledDecisionStore)
      await this.#store.close();
    this.#logger.info({ queued: this.#queue?.depth ?? 0 }, "actions stopped");
  }

  #count(sink: string, outcome: string): void {
    this.#counts[sink] ??= {};
    const counts = this.#counts[sink];
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome === "dead-lettered") this.#deadLettered++;
  }

  #countDecision(change: string): void {
    this.#decisionCounts[change] = (this.#decisionCounts[change] ?? 0) + 1;
  }

  async #run(): Promise<void> {
    const queue = this.#queue as DurableQueue;
    const max = this.#options.delivery.maxInFlight;
    while (!this.#stopping) {
      if (this.#inFlight >= max) {
        await new Promise<void>((resolve) => {
          this.#capacity = resolve;
        });
        continue;
      }
      const batch = await queue.next(Math.min(READ_BATCH, max - this.#inFlight), READ_WAIT_MS);
      for (const queued of batch) {
        if (this.#stopping) break; // the rest stays unacked, hence queued for the next start
        if (queued.record.kind === "alert") this.#deps.onAlert?.(queued.record.alert);
        await this.#processWithRetry(queued);
      }
    }
  }

  /** A record whose decision cannot be made (store unreachable) is retried, never skipped. */
  async #processWithRetry(queued: QueuedRecord): Promise<void> {
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        return await this.#process(queued);
      } catch (error) {
        this.#logger.error({ err: error, attempt }, "could not process an action record; retrying");
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  async #process(queued: QueuedRecord): Promise<void> {
    const { record } = queued;
    let event: SinkEvent | undefined;
    if (record.kind === "alert") {
      event = await this.#decide(record.alert);
    } else if (record.kind === "recovered") {
      event = await this.#recover(record.recovery);
    } else {
      const current = await this.#store.get(record.decision.agentId);
      // The stored copy of the same version may know more (a recovery marked it since it was queued).
      const decision = current && sameVersion(current, record.decision) ? current : record.decision;
      const extended =
        current && current.incidentKey === decision.incidentKey && !sameVersion(current, decision);
      if (!(record.reason === "expired" && extended)) {
        await this.#store.remove(decision.agentId, decision);
        const superseded = current !== undefined && current.incidentKey !== decision.incidentKey;
        if (!superseded) this.#noteDecision(decision.agentId, undefined);
        event = { kind: "ended", decision, reason: record.reason, at: record.at, superseded };
      }
      this.#ending.delete(`${decision.incidentKey}@${decision.updatedAt}`);
    }
    const sinks = event ? route(event, this.#sinks, this.#options.tiers, this.#options.agentLabels) : [];
    if (!event || sinks.length === 0) {
      await this.#ack(queued.id);
      return;
    }

    const id = recordId(record);
    const agentId = recordKey(record);
    let pending = sinks.length;
    let deferred = false;
    this.#inFlight++;
    const done = (outcome: JobOutcome) => {
      if (outcome === "deferred") deferred = true;
      if (--pending > 0) return;
      this.#inFlight--;
      this.#capacity?.();
      this.#capacity = undefined;
      if (!deferred) void this.#ack(queued.id);
    };
    for (const sink of sinks) {
      const job: Job = { key: ledgerKey(id, sink.name), recordId: id, agentId, event, done };
      this.#runners.get(sink.name)?.enqueue(job);
    }
  }

  /**
   * An ack that fails (a Kafka commit during a rebalance, a full disk) loses nothing: the record
   * stays unacked, is handed out again after a restart or rebalance, and the delivery ledger
   * dedups it. So it is logged, never thrown: nothing awaits the ack of a finished delivery.
   */
  async #ack(id: string): Promise<void> {
    try {
      // The decision this record made must be journaled before the record leaves the queue.
      if (this.#store instanceof JournaledDecisionStore) await this.#store.flushed();
      await this.#queue?.ack(id);
    } catch (error) {
      this.#logger.warn({ err: error, record: id }, "queue ack failed; the record will be handed out again");
    }
  }

  async #decide(alert: Alert): Promise<SinkEvent> {
    this.#clock.observe(Date.parse(alert.timestamp));
    if ((await this.#currentAllowlist()).has(alert.agentId, alert.request.clientIp)) {
      this.#countDecision("allowlisted");
      const wouldDecide = requestedDecision(this.#options.tiers[alert.severity]);
      return {
        kind: "alert",
        alert,
        decision: undefined,
        change: "none",
        allowlisted: true,
        ...(wouldDecide ? { wouldDecide } : {}),
      };
    }
    const { tiers, decisions, shadow } = this.#options;
    const { outcome, previous } = await this.#store.update(alert.agentId, (state) =>
      decide(state, alert, tiers, decisions, shadow),
    );
    if (outcome.change === "created" && previous && previous.incidentKey !== outcome.decision?.incidentKey) {
      // The alert replaced a decision that had expired before the sweeper ended it: end it now.
      await this.#queue?.append({
        kind: "ended",
        decision: previous,
        reason: "expired",
        at: previous.expiresAt,
      });
    }
    if (outcome.change === "created" || outcome.change === "escalated" || outcome.change === "reopened")
      this.#countDecision(outcome.change);
    this.#noteDecision(alert.agentId, outcome.decision);
    return { kind: "alert", alert, decision: outcome.decision, change: outcome.change, allowlisted: false };
  }

  /**
   * No allowlist check: recovery only ever lifts enforcement or resolves a page, which is never
   * "enforcing against" an agent (and matters for a decision taken before the agent was allowlisted).
   */
  async #recover(recovery: TierRecovery): Promise<SinkEvent | undefined> {
    this.#clock.observe(Date.parse(recovery.timestamp));
    const { outcome, previous } = await this.#store.update(recovery.agentId, (state) =>
      recover(state, recovery),
    );
    if (outcome.change === "none" || !outcome.decision) return undefined;
    if (outcome.next.decision !== previous) this.#countDecision(outcome.change); // not for a replay
    return { kind: "recovered", recovery, decision: outcome.decision, lifted: outcome.change === "lifted" };
  }

  async #currentAllowlist(): Promise<Allowlist> {
    const now = Date.now();
    if (!this.#allowlist || now - this.#allowlist.at > ALLOWLIST_CACHE_MS) {
      const { agents, cidrs } = this.#options.allowlist;
      const dynamic = await this.#store.allowlistEntries();
      this.#allowlist = { value: new Allowlist([...agents, ...cidrs, ...dynamic]), at: now };
    }
    return this.#allowlist.value;
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#stopping || !this.#queue) return;
    this.#sweeping = true;
    try {
      const expired = await this.#store.expired(this.#clock.now(), READ_BATCH);
      for (const decision of expired) {
        const key = `${decision.incidentKey}@${decision.updatedAt}`;
        if (this.#ending.has(key)) continue;
        this.#ending.add(key);
        await this.#queue.append({ kind: "ended", decision, reason: "expired", at: decision.expiresAt });
      }
      this.#activeCount = await this.#store.countActive(this.#clock.now());
    } catch (error) {
      this.#logger.warn({ err: error }, "decision sweep failed; will retry");
    } finally {
      this.#sweeping = false;
    }
  }

  #decisionsApi(): Decisions {
    const active = (d: Decision | undefined) => (d && d.expiresAt > this.#clock.now() ? d : undefined);
    const configEntries = () => [...this.#options.allowlist.agents, ...this.#options.allowlist.cidrs];
    return {
      get: async (agentId) => active(await this.#store.get(agentId)),
      list: async () => (await this.#store.list()).filter((d) => active(d) !== undefined),
      changesSince: (cursor) => this.#store.changesSince(cursor),
      unblock: async (agentId) => {
        const removed = await this.#store.remove(agentId, undefined, true);
        if (!removed) return false;
        this.#noteDecision(agentId, undefined);
        await this.#queue?.append({
          kind: "ended",
          decision: removed,
          reason: "unblocked",
          at: this.#clock.now(),
        });
        return true;
      },
      add: async (request) => {
        const now = this.#clock.now();
        const decision: Decision = {
          agentId: request.agentId,
          type: request.type,
          ...(request.type === "throttle"
            ? { ratePerMinute: request.ratePerMinute ?? this.#options.decisions.throttleRatePerMinute }
            : {}),
          since: now,
          updatedAt: now,
          expiresAt: now + request.durationMs,
          change: "created",
          alertId: `manual-${randomUUID()}`,
          severity: "high",
          riskScore: 1,
          level: 0,
          shadow: this.#options.shadow,
          incidentKey: `manual:${request.agentId}:${now}`,
          reason: `manual: ${request.reason}`,
        };
        await this.#store.update(request.agentId, (state) => ({ next: { ...state, decision } }));
        this.#countDecision("manual");
        return decision;
      },
      allowlist: {
        add: async (entry) => {
          const error = allowlistEntryError(entry);
          if (error) throw new RangeError(error);
          this.#allowlist = undefined;
          return this.#store.allowlistAdd(entry);
        },
        remove: async (entry) => {
          this.#allowlist = undefined;
          return this.#store.allowlistRemove(entry);
        },
        list: async () => [
          ...configEntries().map((entry) => ({ entry, source: "config" as const })),
          ...(await this.#store.allowlistEntries()).map((entry) => ({ entry, source: "api" as const })),
        ],
      },
    };
  }
}
