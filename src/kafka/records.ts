/**
 * What agentwatch writes to and reads from its Kafka topics, as pure functions: the re-keyed event
 * of the repartition topic, the profile snapshot of the changelog, the alert record and the
 * dead-letter record. No I/O here, so the formats are tested without a broker.
 */
import { isUtf8 } from "node:buffer";
import type { ActionRecord } from "../actions/records.js";
import type { TierRecovery } from "../engine/engine.js";
import type { Alert } from "../engine/types.js";
import { ERROR_CODES } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import type { Rejection } from "../parse/decoder.js";
import type { IHeaders, KafkaMessage, Message } from "./kafkajs.js";

/** Why a record was set aside: the same coded rejection the line decoder gives. */
export type RecordRejection = Rejection;

/** Where a record came from; carried into dead letters and snapshot offsets. */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The access-log line carried by a raw input record, or why there is none. A trailing newline is
 * tolerated (shippers often keep it); anything else about the bytes is the decoder's business.
 */
export function recordLine(value: Buffer | null, maxLineBytes: number): string | RecordRejection {
  if (value === null || value.length === 0)
    return { code: "EMPTY_LINE", message: ERROR_CODES.EMPTY_LINE.message };
  if (value.length > maxLineBytes) {
    return { code: "LINE_TOO_LONG", message: `${value.length} bytes > ${maxLineBytes}` };
  }
  // Checked on bytes: once decoded, bad bytes are U+FFFD and the evidence is gone.
  if (!isUtf8(value)) return { code: "INVALID_UTF8", message: ERROR_CODES.INVALID_UTF8.message };
  let end = value.length;
  if (value[end - 1] === 0x0a) end--;
  if (end > 0 && value[end - 1] === 0x0d) end--;
  return value.toString("utf8", 0, end);
}

/**
 * Repartition topic record: the events of one input batch that go to one output partition, in
 * input order, as a JSON array. Grouping matters for speed: kafkajs spends tens of microseconds
 * encoding each record, far more than the events cost to serialize, so one record per event
 * would make the repartition hop the slowest part of the pipeline. Each event carries
 * `"_src":[offset,index]`, its position in the input partition named by the record's header.
 */
export const SOURCE_PARTITION_HEADER = "agentwatch.source.partition";

/** One event of a repartition record; `index` tells apart the events of one input line. */
export function encodeGroupedEvent(event: NormalizedEvent, offset: string, index: number): string {
  return `${JSON.stringify(event).slice(0, -1)},"_src":[${offset},${index}]}`;
}

/** Position of a repartitioned event in the input: partition, offset, and index among the line's events. */
export interface InputPosition {
  partition: number;
  offset: number;
  index: number;
}

type GroupedEvent = Partial<NormalizedEvent> & { _src?: unknown };

/**
 * Inverse of the grouping: appends the events to `out` and their input positions to `sources`.
 * The topic is written only by agentwatch, so the shape is checked just enough to refuse a
 * foreign or truncated record rather than re-validating every field.
 */
export function decodeEventGroup(
  message: KafkaMessage,
  out: NormalizedEvent[],
  sources: InputPosition[] = [],
): RecordRejection | undefined {
  if (message.value === null) return { code: "EMPTY_LINE", message: ERROR_CODES.EMPTY_LINE.message };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString("utf8"));
  } catch {
    return { code: "MALFORMED_JSON", message: "repartition record is not valid JSON" };
  }
  const partition = Number(String(message.headers?.[SOURCE_PARTITION_HEADER] ?? "NaN"));
  if (!Array.isArray(parsed) || !Number.isInteger(partition)) {
    return { code: "MISSING_FIELD", message: "repartition record is not a group of normalized events" };
  }
  const first = out.length;
  for (const item of parsed as GroupedEvent[]) {
    const src = item?._src;
    if (
      typeof item?.agentId !== "string" ||
      typeof item.timestamp !== "number" ||
      typeof item.template !== "string" ||
      !Array.isArray(src)
    ) {
      out.length = first;
      sources.length = first;
      return { code: "MISSING_FIELD", message: "repartition record is not a group of normalized events" };
    }
    delete item._src;
    if (!Array.isArray(item.queryKeys)) item.queryKeys = [];
    out.push(item as NormalizedEvent);
    sources.push({ partition, offset: Number(src[0]), index: Number(src[1]) });
  }
  return undefined;
}

/** Changelog value: one agent's profile and the input position it includes. */
export interface ProfileSnapshot {
  /** Format version, so a future layout can be told apart (and old ones migrated). */
  v: 1;
  agentId: string;
  /** Partition of the detection topic the agent belongs to. */
  partition: number;
  /**
   * Offset (in that partition) of the first record *not* included: on replay after a crash,
   * records below it are already in the profile and are skipped.
   */
  nextOffset: string;
  /** Events applied to the profile over its life (across instances and restarts). */
  events: number;
  /**
   * Per input partition, `[offset, index]` of the last repartitioned event applied: a copy of an
   * input record that the repartition stage wrote twice is recognised and skipped.
   */
  sources?: Record<string, [number, number]>;
  /** The engine's profile snapshot (JSON), null when the engine no longer tracks the agent. */
  profile: unknown;
}

/**
 * `profileJson` is the engine's own JSON snapshot; it is embedded as is rather than as a string,
 * which would escape every quote of a large document on the hot path.
 */
export function encodeSnapshot(
  header: Omit<ProfileSnapshot, "profile">,
  profileJson: string | undefined,
): string {
  return `${JSON.stringify(header).slice(0, -1)},"profile":${profileJson ?? "null"}}`;
}

export function decodeSnapshot(value: Buffer | null): ProfileSnapshot | undefined {
  // A null value is a tombstone (the agent's profile was dropped).
  if (value === null) return undefined;
  const parsed = JSON.parse(value.toString("utf8")) as ProfileSnapshot;
  if (parsed.v !== 1) throw new Error(`unsupported profile snapshot version ${String(parsed.v)}`);
  return parsed;
}

/** Alerts topic record: the action-queue record of the alert, keyed by agent so its alerts stay ordered. */
export function alertMessage(alert: Alert): Message {
  const record: ActionRecord = { kind: "alert", alert };
  return {
    key: alert.agentId,
    value: JSON.stringify(record),
    headers: { "agentwatch.alert.id": alert.id, "agentwatch.alert.severity": alert.severity },
  };
}

/** An agent's risk fell back (engine `onRecovered`): on the alerts topic, in order with its alerts. */
export function recoveryMessage(recovery: TierRecovery): Message {
  const record: ActionRecord = { kind: "recovered", recovery };
  return {
    key: recovery.agentId,
    value: JSON.stringify(record),
    headers: { "agentwatch.record": "recovered" },
  };
}

/** Header names of dead letters, shared with whoever reads the dead-letter topic. */
export const DEAD_LETTER_HEADERS = {
  code: "agentwatch.error.code",
  message: "agentwatch.error.message",
  stage: "agentwatch.error.stage",
  topic: "agentwatch.source.topic",
  partition: SOURCE_PARTITION_HEADER,
  offset: "agentwatch.source.offset",
  timestamp: "agentwatch.source.timestamp",
} as const;

/**
 * Dead letter of `message`: its key, value and headers exactly as received, plus headers naming the
 * reason and the source position, so the record can be inspected and re-injected as it was.
 */
export function deadLetterMessage(
  message: KafkaMessage,
  source: SourcePosition,
  rejection: RecordRejection,
): Message {
  const headers: IHeaders = { ...message.headers };
  headers[DEAD_LETTER_HEADERS.code] = rejection.code;
  headers[DEAD_LETTER_HEADERS.message] = rejection.message;
  headers[DEAD_LETTER_HEADERS.stage] = ERROR_CODES[rejection.code].stage;
  headers[DEAD_LETTER_HEADERS.topic] = source.topic;
  headers[DEAD_LETTER_HEADERS.partition] = String(source.partition);
  headers[DEAD_LETTER_HEADERS.offset] = source.offset;
  headers[DEAD_LETTER_HEADERS.timestamp] = message.timestamp;
  return { key: message.key, value: message.value, headers, timestamp: message.timestamp };
}
