/**
 * Restarting the broker mid-stream: a private broker (scripts/kafka.sh on its own ports and data
 * directory, so nobody else's tests lose theirs) is stopped and started again while the pipeline
 * consumes; the pipeline reconnects by itself and finishes without losing or repeating anything.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../src/engine/engine.js";
import { topicNames } from "../../src/kafka/options.js";
import { type KafkaPipeline, runKafkaPipeline } from "../../src/kafka/pipeline.js";
import { createLogger } from "../../src/observability/logger.js";
import { createLineDecoder } from "../../src/parse/decoder.js";
import {
  createTopic,
  produceValues,
  readTopic,
  runOptions,
  testKafka,
  uniqueName,
  waitFor,
} from "./helpers/broker.js";
import { appliedEvents, compareWithReference, readOutcome } from "./helpers/results.js";
import {
  engineOptions,
  MAX_LINE_BYTES,
  referenceAlertIds,
  repartitionedEvents,
  simulatedTraffic,
} from "./helpers/traffic.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/kafka.sh", import.meta.url));
const PORT = Number(process.env.KAFKA_RESTART_TEST_PORT ?? 19092);
const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function canRunBroker(): Promise<boolean> {
  try {
    await run("java", ["-version"]);
    return true;
  } catch {
    const message = "java is not installed: scripts/kafka.sh cannot run a private broker";
    if (process.env.CI) throw new Error(message);
    console.warn(`\n*** SKIPPING the broker restart test: ${message} ***\n`);
    return false;
  }
}

const available = await canRunBroker();

describe.skipIf(!available)("kafka pipeline across a broker restart (private broker)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "aw-kafka-restart-"));
  const env = {
    ...process.env,
    KAFKA_PORT: String(PORT),
    KAFKA_CONTROLLER_PORT: String(PORT + 1),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_HEAP_OPTS: "-Xmx512m -Xms128m",
  };
  const broker = (command: "start" | "stop") => run("bash", [SCRIPT, command], { env, timeout: 180_000 });
  const brokers = [`127.0.0.1:${PORT}`];
  const kafka = testKafka(brokers);
  const prefix = uniqueName("aw-restart");
  const options = runOptions(prefix, { brokers, transactionTimeoutMs: 15_000 });
  const topics = topicNames(options);
  let pipeline: KafkaPipeline | undefined;

  beforeAll(async () => {
    // kafka.sh would use whatever already listens there; this test must stop and start its own.
    if (await portOpen(PORT)) throw new Error(`127.0.0.1:${PORT} is in use; set KAFKA_RESTART_TEST_PORT`);
    await broker("start");
  }, 200_000);
  afterAll(async () => {
    await pipeline?.stop().catch(() => undefined);
    await broker("stop").catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it("reconnects after the broker comes back and applies every event once", async () => {
    const traffic = simulatedTraffic(30_000, 31);
    const half = 15_000;
    await createTopic(kafka, topics.input, 6);
    await produceValues(kafka, topics.input, traffic.values.slice(0, half));
    pipeline = await runKafkaPipeline(options, {
      createEngine: () => createEngine(engineOptions()),
      createDecoder: () => createLineDecoder({ format: "json" }),
      maxLineBytes: MAX_LINE_BYTES,
      logger: createLogger({ level: process.env.DEBUG_KAFKA ? "info" : "error", name: "restart-test" }),
    });
    const running = pipeline;
    await waitFor("some events applied", () => running.stats().counters.eventsApplied > 2_000, 60_000);

    await broker("stop");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await broker("start");
    await produceValues(kafka, topics.input, traffic.values.slice(half));

    let applied = 0;
    let deadLetters = 0;
    await waitFor(
      "every record applied or dead-lettered",
      async () => {
        applied = await appliedEvents(kafka, topics.changelog);
        deadLetters = (await readTopic(kafka, topics.deadLetter)).length;
        return applied === traffic.valid && deadLetters === traffic.malformed;
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}: applied ${applied}/${traffic.valid}, dead letters ${deadLetters}/${traffic.malformed}, ` +
          `stats ${JSON.stringify(running.stats())}`,
      );
    });
    await pipeline.stop();

    const outcome = await readOutcome(kafka, topics);
    for (const [agentId, count] of traffic.validByAgent) {
      expect(outcome.snapshots.get(agentId)?.events, agentId).toBe(count);
    }
    expect(outcome.deadLetters).toHaveLength(traffic.malformed);
    const repartitioned = await readTopic(kafka, topics.repartition as string);
    // Every valid input line is in the repartition topic once.
    const events = repartitionedEvents(repartitioned);
    expect(events).toHaveLength(traffic.valid);
    compareWithReference(outcome.alertIds, referenceAlertIds(repartitioned), 2);
  }, 300_000);
});
