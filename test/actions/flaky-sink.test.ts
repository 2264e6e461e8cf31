/**
 * Sinks that fail, against real HTTP receivers (the PagerDuty fake and a signed webhook consumer):
 * - failing 50% of requests at random (503): the rate-based breaker stays closed, retries get
 *   through, every message arrives exactly once, within 3x the time the same load takes healthy;
 * - down for 10 minutes: run on a simulated delivery clock (the receiver's outage follows that
 *   clock too), so backoff, the breaker's rest and its half-open probes play out over 10 minutes
 *   of simulated time in about a second; everything arrives once the receiver is back, nothing is
 *   dead-lettered, and the receiver is rested (few requests) while it is down.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryClock } from "../../src/actions/delivery.js";
import { Stopped } from "../../src/actions/delivery.js";
import { type Actions, createActions } from "../../src/actions/index.js";
import type { ActionsOptionsInput } from "../../src/actions/options.js";
import { Rng } from "../../src/sim/rng.js";
import { fakePagerDuty } from "../fakes/pagerduty.js";
import { text } from "../fakes/server.js";
import { fakeSignedHook } from "../fakes/signed-hook.js";
import { testOptions } from "./harness.js";
import { makeAlert, quietLogger, T0, tempDir, waitFor } from "./helpers.js";

/**
 * Simulated time for the delivery layer: a sleep moves the clock forward to its own end (never
 * back) and resolves on the next turn of the event loop, so real HTTP still runs in between.
 */
class SimulatedClock implements DeliveryClock {
  #now: number;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new Stopped());
    const until = this.#now + ms;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.#now = Math.max(this.#now, until);
        resolve();
      }, 1),
    );
  }
}

const MESSAGES = 40;

describe("delivery to failing sinks", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let actions: Actions | undefined;
  const pd = fakePagerDuty();
  const webhook = fakeSignedHook();
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await pd.start();
    await webhook.start();
  });
  afterEach(async () => {
    await actions?.stop();
    actions = undefined;
    for (const fake of [pd, webhook]) {
      fake.intercept = undefined;
      fake.delayMs = 0;
      fake.requests.length = 0;
      await fake.stop();
    }
    pd.incidents.clear();
    webhook.received.length = 0;
    await cleanup();
  });

  const start = async (subdir: string, delivery: ActionsOptionsInput["delivery"], clock?: DeliveryClock) => {
    const options = testOptions(
      `${dir}/${subdir}`,
      { pd, webhook },
      { tiers: { critical: ["page", "notify"] }, delivery },
    );
    // PagerDuty and the webhook sink: the two that stalled on a flaky receiver before.
    options.sinks = options.sinks.filter((s) => s.type === "pagerduty" || s.type === "webhook");
    const started = createActions(options, {
      logger: quietLogger,
      ...(clock ? { deliveryClock: clock } : {}),
    });
    await started.start();
    return started;
  };
  const submitAll = async (a: Actions, tag: string) => {
    for (let i = 0; i < MESSAGES; i++)
      await a.submit(
        makeAlert({ id: `${tag}-${i}`, agentId: `${tag}-agent-${i}`, severity: "critical", at: T0 + i }),
      );
  };
  const delivered = (tag: string) => ({
    pages: [...pd.incidents.values()].filter((i) => i.summary?.includes(tag)),
    hooks: webhook.received.filter((r) => JSON.stringify(r.payload).includes(`"${tag}-agent-`)),
  });

  it("a receiver failing half its requests at random: all delivered once, within 3x the healthy time", async () => {
    // Real network latency, so that the comparison is about requests, not about timer granularity.
    pd.delayMs = 40;
    webhook.delayMs = 40;
    // Default attempts and timeout; backoff scaled down to the receiver's 40 ms latency.
    const delivery = { backoffBase: 20, backoffMax: 200, concurrency: 4, timeout: 10_000, maxAttempts: 20 };

    const healthy = await start("healthy", delivery);
    let began = Date.now();
    await submitAll(healthy, "ok");
    await waitFor("healthy delivered", () => healthy.stats().queued === 0, 30_000);
    const healthyMs = Date.now() - began;
    await healthy.stop();
    expect(delivered("ok").pages).toHaveLength(MESSAGES);
    expect(delivered("ok").hooks).toHaveLength(MESSAGES);

    const rng = new Rng(13);
    for (const fake of [pd, webhook])
      fake.intercept = () => (rng.float() < 0.5 ? text(503, "upstream overloaded") : undefined);
    actions = await start("flaky", delivery);
    const failedBefore = pd.requests.length + webhook.requests.length;
    began = Date.now();
    await submitAll(actions, "flaky");
    await waitFor("flaky delivered", () => actions?.stats().queued === 0, 60_000);
    const flakyMs = Date.now() - began;

    const { pages, hooks } = delivered("flaky");
    const why = JSON.stringify({
      stats: actions.stats(),
      statuses: webhook.requests.map((r) => r.status).join(),
    });
    expect(pages, why).toHaveLength(MESSAGES);
    expect(pages.every((incident) => incident.triggers === 1)).toBe(true); // none twice
    expect(hooks, why).toHaveLength(MESSAGES);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(MESSAGES);
    const failed = [...pd.requests, ...webhook.requests].slice(failedBefore).filter((r) => r.status === 503);
    expect(failed.length).toBeGreaterThan(MESSAGES / 2); // it really failed about half the time
    expect(actions.stats().deadLettered).toBe(0);
    expect(flakyMs, `healthy ${healthyMs} ms, flaky ${flakyMs} ms`).toBeLessThan(3 * healthyMs);
  }, 90_000);

  it("a receiver down for 10 minutes of simulated time: everything delivered once it is back", async () => {
    const clock = new SimulatedClock(Date.now());
    const backAt = clock.now() + 10 * 60_000;
    let lastAcceptedAt = 0;
    for (const fake of [pd, webhook])
      fake.intercept = () => {
        if (clock.now() < backAt) return text(503, "down for maintenance");
        lastAcceptedAt = clock.now();
        return undefined;
      };
    // Production delivery settings: 500 ms..60 s backoff, 8 attempts, breaker resting 30 s.
    actions = await start(
      "down",
      {
        backoffBase: 500,
        backoffMax: 60_000,
        timeout: 10_000,
        maxAttempts: 20,
        breaker: { minimumCalls: 5, openFor: 30_000 },
      },
      clock,
    );
    await submitAll(actions, "down");
    await waitFor("delivered after the outage", () => actions?.stats().queued === 0, 60_000);

    const { pages, hooks } = delivered("down");
    expect(pages).toHaveLength(MESSAGES);
    expect(pages.every((incident) => incident.triggers === 1)).toBe(true);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(MESSAGES);
    expect(hooks).toHaveLength(MESSAGES);
    expect(actions.stats().deadLettered).toBe(0);
    expect(clock.now()).toBeGreaterThanOrEqual(backAt);
    // Caught up within a breaker rest and a longest backoff of the receiver's return.
    expect(lastAcceptedAt - backAt).toBeLessThan(30_000 + 60_000 + 10_000);
    // Rested while down: a few calls to open the breaker, then a few probes per 30 s, per sink.
    const whileDown = (fake: typeof pd | typeof webhook) =>
      fake.requests.filter((r) => r.status === 503).length;
    expect(whileDown(pd)).toBeLessThan(100);
    expect(whileDown(webhook)).toBeLessThan(100);
  }, 90_000);
});
