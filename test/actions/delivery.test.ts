/** Delivery mechanics: backoff, Retry-After parsing, the breaker, timeouts, concurrency, spacing, draining. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/actions/breaker.js";
import { backoffMs } from "../../src/actions/delivery.js";
import { parseRetryAfter } from "../../src/actions/http.js";
import type { Actions } from "../../src/actions/index.js";
import { fakeSignedHook } from "../fakes/signed-hook.js";
import { fakeSlack } from "../fakes/slack.js";
import { startActions } from "./harness.js";
import { makeAlert, sleep, T0, tempDir, waitFor } from "./helpers.js";

describe("backoff and Retry-After", () => {
  it("grows exponentially under a cap, with full jitter", () => {
    expect(backoffMs(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffMs(4, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffMs(30, 100, 10_000, () => 0.999)).toBe(9_990);
    expect(backoffMs(3, 100, 10_000, () => 0)).toBe(0);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("circuit breaker", () => {
  const options = { failureRate: 0.6, window: 10, minimumCalls: 5, openMs: 1_000, halfOpenCalls: 2 };

  it("judges the failure rate only once the window holds the minimum number of calls", () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 4; i++) breaker.failure(breaker.begin(), 0);
    expect(breaker.state).toBe("closed"); // 4 of 4 failed, but 4 < minimumCalls
    breaker.failure(breaker.begin(), 0);
    expect(breaker.state).toBe("open");
    expect(breaker.waitMs(400)).toBe(600);
  });

  it("stays closed on a sink failing half its calls, opens when it fails most of them", () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 100; i++) {
      const call = breaker.begin();
      if (i % 2 === 1) breaker.failure(call, i);
      else breaker.success(call, i);
      expect(breaker.state).toBe("closed");
    }
    // The window slides: 6 failures among the last 10 calls reach 60%.
    for (let i = 0; i < 5; i++) breaker.failure(breaker.begin(), 200);
    expect(breaker.failureRate).toBeGreaterThanOrEqual(0.6);
    expect(breaker.state).toBe("open");
  });

  it("lets halfOpenCalls through after the rest and decides on their rate, not on one failure", () => {
    const breaker = new CircuitBreaker(options);
    for (let i = 0; i < 5; i++) breaker.failure(breaker.begin(), 0);
    expect(breaker.waitMs(1_000)).toBe(0);
    expect(breaker.state).toBe("half-open");
    const first = breaker.begin();
    const second = breaker.begin();
    expect([first, second]).toEqual(["probe", "probe"]);
    expect(breaker.waitMs(1_001)).toBeGreaterThan(0); // both probes out: the rest wait
    breaker.failure(first, 1_010);
    expect(breaker.state).toBe("half-open"); // one failed probe does not reopen it
    breaker.success(second, 1_020);
    expect(breaker.state).toBe("closed"); // 1 of 2 failed: below 60%
    expect(breaker.failureRate).toBe(0); // a fresh window
  });

  it("opens again when the probes fail, and ignores late answers to calls sent before", () => {
    const breaker = new CircuitBreaker(options);
    const late = breaker.begin();
    for (let i = 0; i < 5; i++) breaker.failure(breaker.begin(), 0);
    breaker.waitMs(1_000);
    breaker.failure(breaker.begin(), 1_000);
    breaker.success(late, 1_000); // sent while closed: says nothing about the sink now
    breaker.failure(breaker.begin(), 1_100);
    expect(breaker.state).toBe("open");
    expect(breaker.waitMs(1_100)).toBe(1_000);
  });
});

describe("delivery against slow and limited sinks", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const running: Actions[] = [];
  const hook = fakeSignedHook();
  const slack = fakeSlack({ minIntervalMs: 150 });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    await hook.start();
    await slack.start();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await hook.stop();
    await slack.stop();
    hook.requests.length = 0;
    hook.received.length = 0;
    hook.delayMs = 0;
    hook.maxConcurrent = 0;
    await cleanup();
  });

  it("never runs more requests at once against a sink than its concurrency", async () => {
    hook.delayMs = 60;
    const a = await startActions(dir, { gateway: hook }, { delivery: { concurrency: 2 } });
    running.push(a);
    for (let i = 0; i < 8; i++)
      await a.submit(makeAlert({ agentId: `agent-${i}`, severity: "high", at: T0 + i }));
    await waitFor("all pushed", () => hook.received.length === 8);
    expect(hook.maxConcurrent).toBe(2);
  });

  it("times out a hanging sink and retries", async () => {
    hook.script({ status: 200, body: "{}", delayMs: 2_000 });
    const a = await startActions(dir, { gateway: hook }, { delivery: { timeout: 100 } });
    running.push(a);
    await a.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("delivered on retry", () => a.stats().deliveries.edge?.delivered === 1, 3_000);
    expect(hook.requests).toHaveLength(2);
    expect(a.stats().deliveries.edge).toMatchObject({ retried: 1, delivered: 1 });
  });

  it("spaces messages to a Slack webhook so its one-per-interval limit is never hit", async () => {
    const a = await startActions(
      dir,
      {},
      {
        sinks: [{ type: "slack", name: "chat", url: slack.webhookUrl, groupWindow: 10, minInterval: 300 }],
      },
    );
    running.push(a);
    for (let i = 0; i < 4; i++)
      await a.submit(makeAlert({ agentId: `agent-${i}`, severity: "high", at: T0 + i }));
    await waitFor("all posted", () => slack.messages.length === 4, 3_000);
    expect(slack.requests.filter((r) => r.status === 429)).toHaveLength(0);
    slack.messages.length = 0;
    slack.requests.length = 0;
  });

  it("stop lets in-flight requests finish within the drain time and keeps the rest queued", async () => {
    hook.delayMs = 150;
    const a = await startActions(
      dir,
      { gateway: hook },
      { delivery: { drainTimeout: 1_000, concurrency: 1 } },
    );
    await a.submit(makeAlert({ agentId: "x", severity: "high", at: T0 }));
    await a.submit(makeAlert({ agentId: "y", severity: "high", at: T0 + 1 }));
    await waitFor("first request in flight", () => hook.requests.length === 1);
    const started = Date.now();
    await a.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(
      hook.received.map((r) => r.payload),
      JSON.stringify(hook.requests.map((r) => [r.at, r.status])),
    ).toHaveLength(1); // the in-flight one finished
    expect(a.stats().queued).toBe(1); // the waiting one stays queued for the next start

    hook.delayMs = 0;
    const b = await startActions(dir, { gateway: hook });
    running.push(b);
    await waitFor("delivered after restart", () => hook.received.length === 2);
    expect(hook.received.map((r) => (r.payload.decision as { agent_id: string }).agent_id)).toEqual([
      "x",
      "y",
    ]);
  });

  it("stop does not wait for a hanging request beyond the drain time", async () => {
    hook.delayMs = 5_000;
    const a = await startActions(dir, { gateway: hook }, { delivery: { drainTimeout: 100 } });
    await a.submit(makeAlert({ severity: "high", at: T0 }));
    await waitFor("in flight", () => hook.requests.length === 1);
    const started = Date.now();
    await a.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(a.stats().queued).toBe(1);
    await sleep(10);
  });
});
