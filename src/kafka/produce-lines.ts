#!/usr/bin/env node
/**
 * Writes text lines from stdin to a Kafka topic, one record per line, unkeyed (as gateways and
 * log shippers usually do). Feeds `agentwatch simulate --stream` into Kafka in docker-compose.yml
 * and is handy for replaying a log file into a test topic:
 *
 *   node dist/src/kafka/produce-lines.js --brokers 127.0.0.1:9092 --topic gateway-logs < access.log
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { CompressionTypes, Kafka, logLevel, type Message, Partitioners } from "./kafkajs.js";

/** Records per produce request: large enough for throughput, small enough to keep latency low when paced. */
const BATCH = 500;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      brokers: { type: "string", default: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092" },
      topic: { type: "string", default: "gateway-logs" },
    },
  });
  const kafka = new Kafka({
    clientId: "agentwatch-produce-lines",
    brokers: (values.brokers as string).split(","),
    logLevel: logLevel.WARN,
    retry: { retries: 30, maxRetryTime: 5_000 },
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  let batch: Message[] = [];
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({
      topic: values.topic as string,
      messages: batch,
      compression: CompressionTypes.None,
    });
    sent += batch.length;
    batch = [];
  };
  let lastFlush = Date.now();
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.length === 0) continue;
    batch.push({ value: line });
    // A paced stream (simulate --stream) must not sit in the buffer: flush at least every 200 ms.
    if (batch.length >= BATCH || Date.now() - lastFlush > 200) {
      await flush();
      lastFlush = Date.now();
    }
  }
  await flush();
  await producer.disconnect();
  process.stderr.write(`produce-lines: ${sent} records to ${values.topic}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`produce-lines: ${error.message}\n`);
  process.exit(1);
});
