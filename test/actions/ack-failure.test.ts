/**
 * A queue whose ack rejects (the Kafka alert queue's commit during a rebalance) must not take the
 * process down: the rejection is logged, the delivery stands, and the record stays unacked, so it
 * is handed out again on the next start and the delivery ledger dedups it.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileQueue } from "../../src/actions/file-queue.js";
import { createActions } from "../../src/actions/index.js";
import type { DurableQueue } from "../../src/actions/queue.js";
import { fakeSignedHook } from "../fakes/signed-hook.js";
import { capturingLogger, startActions, testOptions } from "./harness.js";
import { makeAlert, T0, tempDir, waitFor } from "./helpers.js";

describe("a queue ack that fails", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const hook = fakeSignedHook();
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await hook.start();
  });
  afterEach(async () => {
    await hook.stop();
    await cleanup();
  });

  it("is logged, not thrown; the record is handed out again and not delivered twice", async () => {
    const inner = await FileQueue.open({ dir: join(dir, "queue") });
    let failedAcks = 0;
    const failingAcks: DurableQueue = {
      append: (record) => inner.append(record),
      next: (max, waitMs) => inner.next(max, waitMs),
      ack: async () => {
        failedAcks++;
        throw new Error("The group is rebalancing, so a rejoin is needed");
      },
      get depth() {
        return inner.depth;
      },
      close: () => inner.close(),
    };
    const { logger, lines } = capturingLogger();
    const actions = createActions(testOptions(dir, { gateway: hook }), { logger, queue: failingAcks });
    await actions.start();
    await actions.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("delivered", () => actions.stats().deliveries.edge?.delivered === 1);
    await waitFor("ack attempted", () => failedAcks > 0);
    await actions.stop();
    await inner.close();
    expect(lines.some((line) => line.includes("queue ack failed"))).toBe(true);
    expect(hook.received).toHaveLength(1);

    // Restarted on the same data directory: the unacked record comes back and is deduplicated.
    const again = await startActions(dir, { gateway: hook });
    await waitFor("re-read and deduplicated", () => again.stats().deliveries.edge?.duplicate === 1);
    await waitFor("acked this time", () => again.stats().queued === 0);
    await again.stop();
    expect(hook.received).toHaveLength(1);
  });
});
