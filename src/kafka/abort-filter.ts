/**
 * A correct `read_committed` filter for kafkajs, installed before kafkajs loads (see kafkajs.ts).
 *
 * kafkajs 2.2.4 drops the records of aborted transactions with a filter that assumes the broker's
 * aborted-transaction list is sorted by first offset and activates at most one aborted transaction
 * per record. Neither holds when several transactional producers write to one partition and more
 * than one of them aborts (exactly what happens when an instance dies and its per-partition
 * producers are fenced): records of aborted transactions then reach `read_committed` consumers,
 * which breaks exactly-once for every topic agentwatch writes transactionally. This follows the
 * Java consumer instead: aborted transactions ordered by first offset, every one that has started
 * by the current offset is active, and a producer's abort marker ends its transaction.
 */
import { createRequire } from "node:module";

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

/** Control record key of an abort marker: version 0, type 0 (a commit marker is type 1). */
const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);

export function filterAbortedMessages({
  messages,
  abortedTransactions,
}: {
  messages: FetchedMessage[];
  abortedTransactions?: AbortedTransaction[];
}): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset));
  const aborting = new Set<string>();
  let next = 0;
  return messages.filter((message) => {
    const offset = Number(message.offset);
    while (next < pending.length && offset >= Number((pending[next] as AbortedTransaction).firstOffset)) {
      aborting.add((pending[next] as AbortedTransaction).producerId);
      next++;
    }
    const { producerId, inTransaction } = message.batchContext;
    if (message.isControlRecord) {
      // kafkajs drops control records itself once they have been seen here.
      if (message.key && Buffer.from(message.key).equals(ABORT_MARKER)) aborting.delete(producerId);
      return true;
    }
    return !(inTransaction && aborting.has(producerId));
  });
}

const require = createRequire(import.meta.url);
const filterPath = require.resolve("kafkajs/src/consumer/filterAbortedMessages.js");
const batchPath = require.resolve("kafkajs/src/consumer/batch.js");
const cache = require.cache;
if (cache[batchPath] && cache[filterPath]?.exports !== filterAbortedMessages) {
  // batch.js keeps the filter it found when it was first loaded: too late to replace it.
  throw new Error("kafkajs was loaded before src/kafka/kafkajs.ts: import kafkajs only through that module");
}
if (!cache[batchPath]) {
  const Module = require("node:module") as new (id: string) => NodeJS.Module;
  const replacement = new Module(filterPath);
  replacement.filename = filterPath;
  replacement.loaded = true;
  replacement.exports = filterAbortedMessages;
  cache[filterPath] = replacement;
}
