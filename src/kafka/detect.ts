/**
 * The detection stage: applies each agent's events to its profile through the core engine, and
 * commits, in one transaction per batch, the alerts raised, the dead letters, a snapshot of every
 * profile that changed and the consumed offset.
 *
 * Exactly-once application: a snapshot records the offset of the first record it does *not*
 * include. After a restore, a record below its agent's snapshot offset is already in the profile
 * and is skipped, whatever offset the group had committed. With the transaction this never fires
 * in normal operation; it is what keeps a replay honest if offsets and snapshots ever disagree
 * (a changelog restored from a backup, offsets reset by an operator).
 *
 * Repartitioned events also carry their input position; per agent and input partition those only
 * grow, so an event at or below the last one applied is a copy and is skipped. This covers the
 * one race transactions cannot: kafkajs reading a committed offset before a commit of the previous
 * owner became visible (it has no KIP-447 `require_stable`).
 *
 * One engine per partition: a partition's agents move between instances together, so dropping a
 * partition drops exactly its engine and nothing is shared between partitions.
 */

import type { Logger } from "pino";
import type { Engine, EngineHooks } from "../engine/engine.js";
import type { Alert } from "../engine/types.js";
import type { NormalizedEvent } from "../events/event.js";
import type { Kafka, KafkaMessage } from "./kafkajs.js";
import type { KafkaOptions, KafkaTopicNames } from "./options.js";
import type { PartitionEngines } from "./partition-engines.js";
import {
  alertMessage,
  deadLetterMessage,
  encodeSnapshot,
  type InputPosition,
  type RecordRejection,
  recoveryMessage,
} from "./records.js";
import { readChangelog } from "./restore.js";
import type { PartitionProcessor, StageDefinition } from "./stage.js";
import type { PipelineCounters } from "./stats.js";
import type { Outbox } from "./transactions.js";

/** What detection needs of the core engine (`createEngine` in src/engine/engine.ts). */
export interface DetectionEngine {
  process(event: NormalizedEvent): Alert | undefined;
  readonly profiles: {
    /** The agent's profile as JSON, undefined when it is not tracked (evicted). */
    serialize(agentId: string): string | undefined;
    restore(agentId: string, data: string): void;
    get(agentId: string): unknown;
    /** Profiles dropped so far (idle expiry or capacity). */
    readonly evictions: number;
  };
}

/**
 * Turns one record into events (appended to `out`) or a rejection; for repartitioned records also
 * appends each event's input position to `sources`.
 */
export type RecordDecoder = (
  message: KafkaMessage,
  out: NormalizedEvent[],
  sources?: InputPosition[],
) => RecordRejection | undefined;

interface AgentPosition {
  /** First offset not yet applied to the agent's profile. */
  nextOffset: number;
  /** Events applied to the profile over its whole life. */
  events: number;
  /** Per input partition, [offset, index] of the last repartitioned event applied. */
  sources: Record<string, [number, number]>;
}

class DetectPartition implements PartitionProcessor {
  private readonly dirty = new Set<string>();
  private readonly events: NormalizedEvent[] = [];
  private readonly sources: InputPosition[] = [];
  private evictionsSeen: number;

  constructor(
    private readonly partition: number,
    private readonly topics: KafkaTopicNames,
    private readonly detectTopic: string,
    private readonly engine: DetectionEngine,
    private readonly positions: Map<string, AgentPosition>,
    private readonly decode: RecordDecoder,
    private readonly counters: PipelineCounters,
    /** Where the engine's recovery hook writes: the outbox of the batch being handled. */
    private readonly current: { outbox: Outbox | undefined },
  ) {
    this.evictionsSeen = engine.profiles.evictions;
  }

  handle(message: KafkaMessage, offset: number, outbox: Outbox): void {
    this.current.outbox = outbox;
    const events = this.events;
    const sources = this.sources;
    events.length = 0;
    sources.length = 0;
    const rejection = this.decode(message, events, sources);
    if (rejection) {
      this.deadLetter(message, rejection, outbox);
      return;
    }
    for (let k = 0; k < events.length; k++) {
      const event = events[k] as NormalizedEvent;
      const source = sources[k];
      let position = this.positions.get(event.agentId);
      if (position === undefined) {
        position = { nextOffset: 0, events: 0, sources: {} };
        this.positions.set(event.agentId, position);
      } else if (offset < position.nextOffset) {
        this.counters.replaySkipped++;
        continue;
      }
      if (source) {
        // Per agent and input partition, input positions only grow: anything else is a copy.
        const last = position.sources[source.partition];
        if (last && (source.offset < last[0] || (source.offset === last[0] && source.index <= last[1]))) {
          this.counters.duplicatesSkipped++;
          continue;
        }
        position.sources[source.partition] = [source.offset, source.index];
      }
      let alert: Alert | undefined;
      try {
        alert = this.engine.process(event);
      } catch (error) {
        // A bug, not bad data, but retrying would stall the partition forever: set the record aside.
        const reason = error instanceof Error ? error.name : "error";
        this.deadLetter(
          message,
          { code: "EVENT_PROCESSING_FAILED", message: `engine threw ${reason}` },
          outbox,
        );
        return;
      }
      position.events++;
      this.dirty.add(event.agentId);
      this.counters.eventsApplied++;
      if (alert) {
        outbox.push(this.topics.alerts, alertMessage(alert));
        this.counters.alerts++;
      }
    }
  }

  private deadLetter(message: KafkaMessage, rejection: RecordRejection, outbox: Outbox): void {
    const source = { topic: this.detectTopic, partition: this.partition, offset: message.offset };
    outbox.push(this.topics.deadLetter, deadLetterMessage(message, source, rejection));
    this.counters.deadLettered(rejection.code);
  }

  seal(outbox: Outbox, nextOffset: number): void {
    if (this.engine.profiles.evictions !== this.evictionsSeen) this.forgetEvicted(outbox);
    for (const agentId of this.dirty) {
      const position = this.positions.get(agentId) as AgentPosition;
      // Records are handled in offset order, so an agent touched in this batch has everything
      // below the batch's end applied.
      position.nextOffset = nextOffset;
      const value = encodeSnapshot(
        {
          v: 1,
          agentId,
          partition: this.partition,
          nextOffset: String(position.nextOffset),
          events: position.events,
          sources: position.sources,
        },
        this.engine.profiles.serialize(agentId),
      );
      // Explicit partition: the changelog is co-partitioned with the detection topic, whatever the key hashes to.
      outbox.push(this.topics.changelog, { key: agentId, value, partition: this.partition });
    }
    this.counters.snapshots += this.dirty.size;
  }

  /**
   * The engine dropped profiles (idle expiry, capacity): tombstone them in the changelog, so a
   * restore does not bring back what a run without restarts would have forgotten, and drop their
   * positions, so memory and the compacted changelog stay bounded by the live agents. Safe for
   * exactly-once: the tombstone commits with this batch's offset, so no replay reaches below it.
   */
  private forgetEvicted(outbox: Outbox): void {
    this.evictionsSeen = this.engine.profiles.evictions;
    for (const agentId of this.positions.keys()) {
      if (this.engine.profiles.get(agentId) !== undefined) continue;
      this.positions.delete(agentId);
      this.dirty.delete(agentId);
      outbox.push(this.topics.changelog, { key: agentId, value: null, partition: this.partition });
      this.counters.tombstones++;
    }
  }

  committed(): void {
    this.dirty.clear();
  }
}

export interface DetectStageDeps {
  kafka: Kafka;
  /** One engine per partition; `hooks` carry its recoveries onto the alerts topic. */
  createEngine: (hooks: EngineHooks) => Engine;
  /** Where the engines of the partitions owned right now are registered (status API, metrics). */
  engines: PartitionEngines;
  /** One decoder per partition, like engines. */
  createDecoder: () => RecordDecoder;
  counters: PipelineCounters;
  logger: Logger;
}

export function detectStage(
  options: KafkaOptions,
  topics: KafkaTopicNames,
  deps: DetectStageDeps,
): StageDefinition {
  const detectTopic = topics.repartition ?? topics.input;
  return {
    name: "detect",
    groupId: options.groupId,
    topic: detectTopic,
    // The repartition topic is written in transactions; gateways' own topics may be too.
    readCommitted: true,
    async open(partitions, keepAlive) {
      const started = Date.now();
      const restored = await readChangelog(deps.kafka, topics.changelog, partitions, {
        groupPrefix: options.groupId,
        keepAlive,
        timeoutMs: options.sessionTimeoutMs * 10,
      });
      const processors = new Map<number, PartitionProcessor>();
      let agents = 0;
      let unreadable = 0;
      for (const partition of partitions) {
        const current: { outbox: Outbox | undefined } = { outbox: undefined };
        const engine = deps.createEngine({
          // Called from inside process(), so the recovery lands in the same transaction as the event.
          onRecovered: (recovery) => current.outbox?.push(topics.alerts, recoveryMessage(recovery)),
        });
        deps.engines.add(partition, engine);
        const positions = new Map<string, AgentPosition>();
        for (const [agentId, snapshot] of restored.get(partition) ?? []) {
          if (snapshot.profile !== null && snapshot.profile !== undefined) {
            try {
              engine.profiles.restore(agentId, JSON.stringify(snapshot.profile));
            } catch (error) {
              // A snapshot the engine cannot read (its profile layout or options changed since) must
              // not stop the partition forever: the agent starts over; its position is kept.
              unreadable++;
              if (unreadable === 1)
                deps.logger.warn({ agentId, err: (error as Error).message }, "unreadable profile snapshot");
            }
          }
          positions.set(agentId, {
            nextOffset: Number(snapshot.nextOffset),
            events: snapshot.events,
            sources: snapshot.sources ?? {},
          });
          agents++;
        }
        processors.set(
          partition,
          new DetectPartition(
            partition,
            topics,
            detectTopic,
            engine,
            positions,
            deps.createDecoder(),
            deps.counters,
            current,
          ),
        );
      }
      deps.counters.agentsRestored += agents;
      deps.counters.unreadableSnapshots += unreadable;
      deps.logger.info(
        { partitions, agents, unreadable, ms: Date.now() - started },
        "profiles restored from changelog",
      );
      return processors;
    },
    close(partition) {
      // The partition's engine and positions are dropped with its processor.
      deps.engines.remove(partition);
    },
  };
}
