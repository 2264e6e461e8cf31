/**
 * The Kafka DurableQueue against the real broker: appended records are handed out in order per
 * agent, acked ones are committed, and after a restart the unacked ones come back first.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ActionRecord } from "../../src/actions/records.js";
import type { Alert } from "../../src/engine/types.js";
import { KafkaQueue } from "../../src/kafka/alert-queue.js";
import { createLogger } from "../../src/observability/logger.js";
import {
  createTopic,
  deleteTopicsWithPrefix,
  kafkaAvailable,
  testKafka,
  uniqueName,
} from "./helpers/broker.js";

const available = await kafkaAvailable();

const alertRecord = (agentId: string, n: number): ActionRecord => ({
  kind: "alert",
  alert: { id: `${agentId}-${n}`, agentId, severity: "high" } as Alert,
});

const alertId = (r: { record: ActionRecord }) => (r.record.kind === "alert" ? r.record.alert.id : "");

describe.skipIf(!available)("KafkaQueue (real broker)", () => {
  const kafka = testKafka();
  const prefix = uniqueName("aw-queue");
  const options = { topic: `${prefix}.alerts`, groupId: `${prefix}.actions`, sessionTimeoutMs: 6_000 };
  const logger = createLogger({ level: "warn" });
  afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

  async function drain(queue: KafkaQueue, count: number) {
    const got: Awaited<ReturnType<KafkaQueue["next"]>> = [];
    const deadline = Date.now() + 30_000;
    while (got.length < count && Date.now() < deadline)
      got.push(...(await queue.next(count - got.length, 500)));
    return got;
  }

  it("hands records out in order per agent and redelivers the unacked ones after a restart", async () => {
    await createTopic(kafka, options.topic, 3);
    const first = await KafkaQueue.open(kafka, options, logger);
    for (let n = 0; n < 4; n++) {
      await first.append(alertRecord("agent-a", n));
      await first.append(alertRecord("agent-b", n));
    }
    const handed = await drain(first, 8);
    expect(handed.map(alertId).filter((id) => id.startsWith("agent-a"))).toEqual(
      [0, 1, 2, 3].map((n) => `agent-a-${n}`),
    );
    expect(handed.map(alertId).filter((id) => id.startsWith("agent-b"))).toEqual(
      [0, 1, 2, 3].map((n) => `agent-b-${n}`),
    );
    expect(first.depth).toBe(8);
    // Everything of agent-a is done; agent-b's second record is not.
    for (const r of handed) if (alertId(r) !== "agent-b-1") await first.ack(r.id);
    expect(first.depth).toBe(1);
    await first.close();

    const second = await KafkaQueue.open(kafka, options, logger);
    const again = await drain(second, 3);
    expect(again.map(alertId)).toEqual(["agent-b-1", "agent-b-2", "agent-b-3"]);
    expect(await second.next(10, 1_000)).toEqual([]);
    await second.close();
  }, 90_000);
});
