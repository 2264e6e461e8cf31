/**
 * The corrected read_committed filter, on the record layout kafkajs decodes: aborted transactions
 * of several producers, listed out of order, interleaved with committed ones.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { filterAbortedMessages } from "../../src/kafka/abort-filter.js";
import "../../src/kafka/kafkajs.js";

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

const record = (offset: number, producerId: string) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction: true },
});
const marker = (offset: number, producerId: string, key: Buffer) => ({
  ...record(offset, producerId),
  key,
  isControlRecord: true,
});

// p1 and p2 abort, p3 commits; p1's and p2's transactions both start before offset 3.
const messages = [
  record(0, "p1"),
  record(1, "p2"),
  record(2, "p3"),
  record(3, "p1"),
  record(4, "p2"),
  marker(5, "p1", ABORT),
  marker(6, "p3", COMMIT),
  record(7, "p1"),
  marker(8, "p2", ABORT),
  marker(9, "p1", COMMIT),
];
// Listed by abort order, as the broker's transaction index may do, not by first offset.
const aborted = [
  { producerId: "p2", firstOffset: "1" },
  { producerId: "p1", firstOffset: "0" },
];
const kept = (list: { offset: string; isControlRecord?: boolean }[]) =>
  list.filter((m) => !m.isControlRecord).map((m) => Number(m.offset));

describe("filterAbortedMessages", () => {
  it("drops every record of every aborted transaction, keeps committed ones", () => {
    expect(kept(filterAbortedMessages({ messages, abortedTransactions: aborted }))).toEqual([2, 7]);
  });

  it("keeps everything when nothing was aborted", () => {
    expect(kept(filterAbortedMessages({ messages, abortedTransactions: [] }))).toEqual([0, 1, 2, 3, 4, 7]);
  });

  it("is the filter kafkajs's consumer batches use", () => {
    const require = createRequire(import.meta.url);
    const Batch = require(require.resolve("kafkajs/src/consumer/batch.js")) as new (
      topic: string,
      fetchedOffset: string,
      data: unknown,
    ) => { messages: { offset: string }[] };
    const batch = new Batch("t", "0", {
      partition: 0,
      highWatermark: "10",
      abortedTransactions: aborted,
      messages,
    });
    expect(batch.messages.map((m) => Number(m.offset))).toEqual([2, 7]);
  });
});
