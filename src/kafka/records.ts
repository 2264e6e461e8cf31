/**
 * What agentwatch writes to and reads from its Kafka topics, as pure functions: the re-keyed event
 * of the repartition topic, the profile snapshot of the changelog, the alert record and the
 * dead-letter record. No I/O here, so the formats are tested without a broker.
 */
import { isUtf8 } from "node:buffer";
import type { ActionRecord } from "../actions/records.js";
import type { Alert } from "../engine/types.js";
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import type { NormalizedEvent } from "../events/event.js";
import type { IHeaders, KafkaMessage, Message } from "./kafkajs.js";

/** Why a record produced no event (same shape as the decoder's rejection). */
export interface RecordRejection {
  code: ErrorCode;
  message: string;
}

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

/** Repartition topic value: the normalized event, so detection does not parse the gateway format again. */
export function encodeEvent(event: NormalizedEvent): string {
  return JSON.stringify(event);
}

/** Headers naming the input record (and which of its events) a repartitioned event came from. */
export const SOURCE_HEADERS = {
  partition: "agentwatch.source.partition",
  offset: "agentwatch.source.offset",
  index: "agentwatch.source.index",
} as const;

/** Position of a repartitioned event in the input: partition, offset, and index among the record's events. */
export interface InputPosition {
  partition: number;
  offset: number;
  index: number;
}

export function repartitionHeaders(partition: number, offset: string, index: number): IHeaders {
  return {
    [SOURCE_HEADERS.partition]: String(partition),
    [SOURCE_HEADERS.offset]: offset,
    [SOURCE_HEADERS.index]: String(index),
  };
}

export function inputPosition(message: KafkaMessage): InputPosition | undefined {
  const headers = message.headers;
  const partition = headers?.[SOURCE_HEADERS.partition];
  const offset = headers?.[SOURCE_HEADERS.offset];
  const index = headers?.[SOURCE_HEADERS.index];
  if (partition === undefined || offset === undefined || index === undefined) return undefined;
  return {
    partition: Number(String(partition)),
    offset: Number(String(offset)),
    index: Number(String(index)),
  };
}

/**
 * Inverse of `encodeEvent`. The repartition topic is written only by agentwatch, so this checks
 * the shape just enough to refuse a foreign or truncated record rather than re-validating fields.
 */
export function decodeEvent(value: Buffer | null): NormalizedEvent | RecordRejection {
  if (value === null) return { code: "EMPTY_LINE", message: ERROR_CODES.EMPTY_LINE.message };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    return { code: "MALFORMED_JSON", message: "repartition record is not valid JSON" };
  }
  const event = parsed as Partial<NormalizedEvent> | null;
  if (
    typeof event !== "object" ||
    event === null ||
    typeof event.agentId !== "string" ||
    typeof event.timestamp !== "number" ||
    typeof event.template !== "string"
  ) {
    return { code: "MISSING_FIELD", message: "repartition record is not a normalized event" };
  }
  if (!Array.isArray(event.queryKeys)) event.queryKeys = [];
  return event as NormalizedEvent;
}

export function isRejection(value: unknown): value is RecordRejection {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
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

/** Header names of dead letters, shared with whoever reads the dead-letter topic. */
export const DEAD_LETTER_HEADERS = {
  code: "agentwatch.error.code",
  message: "agentwatch.error.message",
  stage: "agentwatch.error.stage",
  topic: "agentwatch.source.topic",
  partition: SOURCE_HEADERS.partition,
  offset: SOURCE_HEADERS.offset,
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
