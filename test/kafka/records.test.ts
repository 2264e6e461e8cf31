/**
 * The Kafka record formats and options, without a broker: input line extraction, the repartition
 * event, profile snapshots, alert and dead-letter records, option validation and topic names.
 */

import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/engine/types.js";
import type { NormalizedEvent } from "../../src/events/event.js";
import type { KafkaMessage } from "../../src/kafka/kafkajs.js";
import { kafkaOptionsSchema, topicNames } from "../../src/kafka/options.js";
import {
  alertMessage,
  DEAD_LETTER_HEADERS,
  deadLetterMessage,
  decodeEventGroup,
  decodeSnapshot,
  encodeGroupedEvent,
  encodeSnapshot,
  type InputPosition,
  recordLine,
  SOURCE_PARTITION_HEADER,
} from "../../src/kafka/records.js";
import { Outbox } from "../../src/kafka/transactions.js";

const event: NormalizedEvent = {
  timestamp: 1_767_571_200_000,
  agentId: "agent-1",
  method: "GET",
  path: "/customers/42?x=1",
  status: 200,
  requestBytes: 0,
  responseBytes: 10,
  latencyMs: 3,
  clientIp: "10.0.0.1",
  tokenId: "",
  userId: "",
  userAgent: "ua",
  requestId: "r-1",
  identitySource: "agent",
  authenticated: true,
  template: "/customers/{id}",
  queryKeys: ["x"],
  objectId: "42",
  objectNumber: 42,
};

describe("recordLine", () => {
  it("returns the line without a trailing newline or CRLF", () => {
    expect(recordLine(Buffer.from("a b c\n"), 100)).toBe("a b c");
    expect(recordLine(Buffer.from("a b c\r\n"), 100)).toBe("a b c");
    expect(recordLine(Buffer.from("héllo"), 100)).toBe("héllo");
  });

  it("rejects empty, oversized and non-UTF-8 values with their codes", () => {
    expect(recordLine(null, 100)).toMatchObject({ code: "EMPTY_LINE" });
    expect(recordLine(Buffer.alloc(0), 100)).toMatchObject({ code: "EMPTY_LINE" });
    expect(recordLine(Buffer.alloc(101, 0x61), 100)).toMatchObject({ code: "LINE_TOO_LONG" });
    expect(recordLine(Buffer.from([0x61, 0xc3, 0x28]), 100)).toMatchObject({ code: "INVALID_UTF8" });
  });
});

describe("repartition records", () => {
  const group = (items: string[], partition = "4") =>
    ({
      key: null,
      value: Buffer.from(`[${items.join(",")}]`),
      headers: { [SOURCE_PARTITION_HEADER]: Buffer.from(partition) },
    }) as unknown as KafkaMessage;

  it("round-trip a group of events with their input positions", () => {
    const second = { ...event, agentId: "agent-2", requestId: "r-2" };
    const out: NormalizedEvent[] = [];
    const sources: InputPosition[] = [];
    const message = group([encodeGroupedEvent(event, "17", 0), encodeGroupedEvent(second, "18", 1)]);
    expect(decodeEventGroup(message, out, sources)).toBeUndefined();
    expect(out).toEqual([event, second]);
    expect(sources).toEqual([
      { partition: 4, offset: 17, index: 0 },
      { partition: 4, offset: 18, index: 1 },
    ]);
  });

  it("refuse foreign or truncated records instead of passing them to the engine", () => {
    const out: NormalizedEvent[] = [];
    expect(decodeEventGroup(group(["{"]), out)).toMatchObject({ code: "MALFORMED_JSON" });
    expect(decodeEventGroup(group(['{"agentId":"a"}']), out)).toMatchObject({ code: "MISSING_FIELD" });
    expect(decodeEventGroup(group([encodeGroupedEvent(event, "1", 0)], "x"), out)).toMatchObject({
      code: "MISSING_FIELD",
    });
    // A bad event anywhere in the group rejects the whole record, leaving nothing behind.
    expect(decodeEventGroup(group([encodeGroupedEvent(event, "1", 0), "null"]), out)).toMatchObject({
      code: "MISSING_FIELD",
    });
    expect(out).toEqual([]);
  });
});

describe("profile snapshots", () => {
  it("embed the engine's JSON and decode back to it", () => {
    const header = { v: 1 as const, agentId: "a", partition: 3, nextOffset: "1200", events: 57 };
    const profile = { counts: [1, 2, 3], label: 'quote " inside' };
    const decoded = decodeSnapshot(Buffer.from(encodeSnapshot(header, JSON.stringify(profile))));
    expect(decoded).toEqual({ ...header, profile });
  });

  it("keep the position when the engine no longer tracks the agent", () => {
    const header = { v: 1 as const, agentId: "a", partition: 0, nextOffset: "5", events: 5 };
    expect(decodeSnapshot(Buffer.from(encodeSnapshot(header, undefined)))).toEqual({
      ...header,
      profile: null,
    });
  });

  it("treat a null value as a tombstone and refuse unknown versions", () => {
    expect(decodeSnapshot(null)).toBeUndefined();
    expect(() => decodeSnapshot(Buffer.from('{"v":2}'))).toThrow(/version 2/);
  });
});

describe("alert records", () => {
  it("are action-queue records keyed by agent", () => {
    const alert = { id: "al-1", agentId: "agent-1", severity: "high" } as Alert;
    const message = alertMessage(alert);
    expect(message.key).toBe("agent-1");
    expect(JSON.parse(String(message.value))).toEqual({ kind: "alert", alert });
    expect(message.headers).toMatchObject({ "agentwatch.alert.id": "al-1" });
  });
});

describe("dead letters", () => {
  it("keep the original key, bytes and headers and add the reason and source", () => {
    const original: KafkaMessage = {
      key: Buffer.from("k"),
      value: Buffer.from([0xff, 0x00]),
      headers: { "x-gateway": Buffer.from("edge-1") },
      timestamp: "1700000000000",
      offset: "77",
      attributes: 0,
    };
    const letter = deadLetterMessage(
      original,
      { topic: "in", partition: 2, offset: "77" },
      { code: "INVALID_UTF8", message: "line is not valid UTF-8" },
    );
    expect(letter.key).toEqual(original.key);
    expect(letter.value).toEqual(original.value);
    expect(letter.headers).toMatchObject({
      "x-gateway": Buffer.from("edge-1"),
      [DEAD_LETTER_HEADERS.code]: "INVALID_UTF8",
      [DEAD_LETTER_HEADERS.stage]: "ingest",
      [DEAD_LETTER_HEADERS.topic]: "in",
      [DEAD_LETTER_HEADERS.partition]: "2",
      [DEAD_LETTER_HEADERS.offset]: "77",
    });
    // The original headers object is not modified.
    expect(Object.keys(original.headers ?? {})).toEqual(["x-gateway"]);
  });
});

describe("kafka options", () => {
  it("accept a comma-separated broker list (environment overrides) and fill defaults", () => {
    const options = kafkaOptionsSchema.parse({ brokers: "a:9092, b:9093" });
    expect(options.brokers).toEqual(["a:9092", "b:9093"]);
    expect(options.groupId).toBe("agentwatch");
    expect(options.inputKeyedByAgent).toBe(false);
  });

  it("reject typos, bad brokers and bad topic names with the path", () => {
    expect(kafkaOptionsSchema.safeParse({ brokers: ["a:9092"], groupid: "x" }).success).toBe(false);
    expect(kafkaOptionsSchema.safeParse({ brokers: ["a"] }).error?.issues[0]?.path).toEqual(["brokers", 0]);
    expect(kafkaOptionsSchema.safeParse({ brokers: [] }).success).toBe(false);
    expect(kafkaOptionsSchema.safeParse({ brokers: ["a:1"], inputTopic: "bad topic" }).success).toBe(false);
  });

  it("derive internal topic names, without a repartition topic for keyed input", () => {
    const names = topicNames(kafkaOptionsSchema.parse({ brokers: ["a:1"], topicPrefix: "aw" }));
    expect(names).toEqual({
      input: "gateway-logs",
      repartition: "aw.repartition",
      changelog: "aw.profiles-changelog",
      alerts: "aw.alerts",
      deadLetter: "aw.dead-letter",
    });
    const keyed = topicNames(
      kafkaOptionsSchema.parse({
        brokers: ["a:1"],
        inputKeyedByAgent: true,
        topics: { alerts: "sec.alerts" },
      }),
    );
    expect(keyed.repartition).toBeUndefined();
    expect(keyed.alerts).toBe("sec.alerts");
  });
});

describe("Outbox", () => {
  it("splits its messages into bounded requests, keeping each topic's order", () => {
    const outbox = new Outbox();
    for (let i = 0; i < 10; i++) outbox.push("a", { key: `k${i}`, value: "x".repeat(1_000) });
    outbox.push("b", { key: null, value: "y" });
    const requests = [...outbox.requests(3_500)];
    expect(requests.length).toBe(4);
    const flat = requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.key}`)));
    expect(flat).toEqual([...Array.from({ length: 10 }, (_, i) => `a:k${i}`), "b:null"]);
    for (const request of requests) {
      const bytes = request.flatMap((t) => t.messages).reduce((n, m) => n + String(m.value).length, 0);
      expect(bytes).toBeLessThanOrEqual(3_500);
    }
  });

  it("sends a single oversized message on its own rather than dropping it", () => {
    const outbox = new Outbox();
    outbox.push("a", { value: "x".repeat(10_000) });
    outbox.push("a", { value: "small" });
    expect([...outbox.requests(1_000)].map((r) => r[0]?.messages.length)).toEqual([1, 1]);
  });
});
