/**
 * Kafka throughput benchmark (not a test): produces simulated gateway events to a 6-partition
 * topic, then measures, in the same run and on the same topic,
 *   - kafkajs's raw consume rate (one consumer, no processing, no commits),
 *   - consume-decode-detect-commit with 1 and 2 worker processes reading the input directly
 *     (`inputKeyedByAgent`: the events are produced keyed by agent, as a keyed gateway would),
 *   - the same with the repartition stage (unkeyed mode) and 2 workers: two hops, end to end,
 *   - 1 instance in this process with a pass-through core (JSON.parse, no detectors): what the
 *     Kafka plumbing itself costs (transactions, snapshots, offsets), apart from parse and detect.
 * Each pipeline run uses a fresh consumer group and fresh internal topics. The time to drain is
 * measured from the worker's "pipeline running" log line to the moment every partition's
 * committed offset reaches the end of the topic.
 *
 *   npm run build && node dist/bench/kafka-bench.js [--events 1000000] [--brokers 127.0.0.1:9092]
 *   node --import tsx bench/kafka-bench.ts --events 200000          (from source)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Engine } from "../src/engine/engine.js";
import type { NormalizedEvent } from "../src/events/event.js";
import { type Admin, Kafka, logLevel, type Message, Partitioners } from "../src/kafka/kafkajs.js";
import { kafkaOptionsSchema } from "../src/kafka/options.js";
import { runKafkaPipeline } from "../src/kafka/pipeline.js";
import { createLogger } from "../src/observability/logger.js";
import { renderJson } from "../src/sim/formats.js";
import { Simulation } from "../src/sim/generator.js";
import { simulationSettingsSchema } from "../src/sim/settings.js";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    brokers: { type: "string", default: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092" },
    agents: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
  },
});
const EVENTS = Number(args.events);
const BROKERS = (args.brokers as string).split(",");
const PARTITIONS = 6;
const RUN = `aw-bench-${randomUUID().slice(0, 8)}`;
const INPUT = `${RUN}.input`;

const kafka = new Kafka({ clientId: "agentwatch-bench", brokers: BROKERS, logLevel: logLevel.WARN });

/** Simulated traffic keyed by agent, produced in large batches. */
async function produce(admin: Admin): Promise<void> {
  await admin.createTopics({ topics: [{ topic: INPUT, numPartitions: PARTITIONS }], waitForLeaders: true });
  const agents = Number(args.agents);
  // ~31 requests per agent-hour with the default personas; a margin, and the stream is cut at EVENTS.
  const settings = simulationSettingsSchema.parse({
    agents,
    hours: Math.ceil((EVENTS * 1.3) / (agents * 31)),
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  const started = Date.now();
  let batch: Message[] = [];
  let sent = 0;
  const pending: Promise<unknown>[] = [];
  for (const event of new Simulation(settings)) {
    batch.push({ key: event.agentId, value: renderJson(event) });
    if (batch.length === 2_000) {
      pending.push(producer.send({ topic: INPUT, messages: batch }));
      sent += batch.length;
      batch = [];
      if (pending.length >= 8) await Promise.all(pending.splice(0));
    }
    if (sent + batch.length >= EVENTS) break;
  }
  if (batch.length > 0) pending.push(producer.send({ topic: INPUT, messages: batch }));
  sent += batch.length;
  await Promise.all(pending);
  await producer.disconnect();
  if (sent < EVENTS) throw new Error(`simulation produced only ${sent} events`);
  console.log(`produced ${sent} events in ${((Date.now() - started) / 1000).toFixed(1)} s to ${INPUT}`);
}

async function rawConsume(): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `${RUN}.raw`,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: INPUT, fromBeginning: true });
  let count = 0;
  let started = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      if (started === 0) started = Date.now();
      count += batch.messages.length;
      if (count >= EVENTS) done();
    },
  });
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return EVENTS / seconds;
}

const here = fileURLToPath(import.meta.url);
/** The worker entry next to this file: compiled JS under dist/, TypeScript through tsx from source. */
function workerCommand(): string[] {
  if (here.endsWith(".ts")) {
    return ["--import", "tsx", fileURLToPath(new URL("../src/kafka/worker.ts", import.meta.url))];
  }
  return [fileURLToPath(new URL("../src/kafka/worker.js", import.meta.url))];
}

function startWorker(env: Record<string, string>): { child: ChildProcess; running: Promise<number> } {
  const child = spawn(process.execPath, workerCommand(), {
    env: { ...process.env, ...env, AGENTWATCH_LOGGING__LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const running = new Promise<number>((resolve) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('"msg":"kafka pipeline running"')) resolve(Date.now());
      if (buffered.length > 100_000) buffered = buffered.slice(-1_000);
    });
  });
  return { child, running };
}

/** True once the group has committed, on every partition, at least `end - slack`. */
async function drained(admin: Admin, groupId: string, topic: string, slack: number): Promise<boolean> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  return ends.every(({ partition, high }) => {
    const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return Number(high) === 0 || offset >= Number(high) - slack;
  });
}

async function pipelineRun(
  admin: Admin,
  instances: number,
  keyed: boolean,
): Promise<{ rate: number; seconds: number }> {
  const prefix = `${RUN}.${keyed ? "keyed" : "unkeyed"}${instances}`;
  const env = {
    AGENTWATCH_KAFKA__BROKERS: BROKERS.join(","),
    AGENTWATCH_KAFKA__GROUP_ID: prefix,
    AGENTWATCH_KAFKA__INPUT_TOPIC: INPUT,
    AGENTWATCH_KAFKA__TOPIC_PREFIX: prefix,
    AGENTWATCH_KAFKA__INPUT_KEYED_BY_AGENT: String(keyed),
    AGENTWATCH_INPUT__FORMAT: "json",
  };
  const workers = Array.from({ length: instances }, () => startWorker(env));
  const ready = Math.max(...(await Promise.all(workers.map((w) => w.running))));
  const checks: [string, string, number][] = keyed
    ? [[prefix, INPUT, 0]]
    : [
        [`${prefix}.repartition`, INPUT, 0],
        // The repartition topic is transactional: its last offset is a commit marker, never consumed.
        [prefix, `${prefix}.repartition`, 1],
      ];
  for (;;) {
    let all = true;
    for (const [group, topic, slack] of checks)
      all &&= await drained(admin, group, topic, slack).catch(() => false);
    if (all) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (Date.now() - ready) / 1000;
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.child.on("exit", () => resolve());
          w.child.kill("SIGTERM");
        }),
    ),
  );
  return { rate: EVENTS / seconds, seconds };
}

/** The pipeline in this process with a core that parses JSON and detects nothing. */
async function plumbingRun(admin: Admin): Promise<{ rate: number; seconds: number }> {
  const prefix = `${RUN}.plumbing`;
  const options = kafkaOptionsSchema.parse({
    brokers: BROKERS,
    groupId: prefix,
    topicPrefix: prefix,
    inputTopic: INPUT,
    inputKeyedByAgent: true,
  });
  const pipeline = await runKafkaPipeline(options, {
    // No detection at all: what the Kafka plumbing alone costs. Only the parts the detect stage
    // calls are real; the cast is confined to this measurement.
    createEngine: () =>
      ({
        process: () => undefined,
        stats: () => ({ agents: 0, findingsByDetector: {}, alertsBySeverity: {}, detectorErrors: 0 }),
        profiles: { serialize: () => "{}", restore: () => undefined, get: () => ({}), evictions: 0 },
      }) as unknown as Engine,
    createDecoder: () =>
      Object.assign(
        (line: string, out: NormalizedEvent[]) => {
          out.push(JSON.parse(line) as NormalizedEvent);
          return undefined;
        },
        { end: () => [] },
      ),
    maxLineBytes: 1 << 20,
    logger: createLogger({ level: "warn", name: "kafka-bench" }),
  });
  const ready = Date.now();
  while (!(await drained(admin, prefix, INPUT, 0).catch(() => false))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (Date.now() - ready) / 1000;
  await pipeline.stop();
  return { rate: EVENTS / seconds, seconds };
}

async function main(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await produce(admin);
    const raw = await rawConsume();
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(`${"raw kafkajs consume".padEnd(37)}${fmt(raw).padStart(9)} events/s`);
    const runs: [string, () => Promise<{ rate: number; seconds: number }>][] = [
      ["keyed input, 1 instance", () => pipelineRun(admin, 1, true)],
      ["keyed input, 2 instances", () => pipelineRun(admin, 2, true)],
      ["unkeyed (repartition), 2 instances", () => pipelineRun(admin, 2, false)],
      ["plumbing only (no-op core), 1 inst.", () => plumbingRun(admin)],
    ];
    for (const [label, run] of runs) {
      const result = await run();
      console.log(
        `${label.padEnd(37)}${fmt(result.rate).padStart(9)} events/s, drained in ${result.seconds.toFixed(1)} s` +
          ` (${((100 * result.rate) / raw).toFixed(0)}% of raw)`,
      );
    }
  } finally {
    if (!args.keep) {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(RUN));
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
    await admin.disconnect();
  }
}

await main();
