/**
 * Measures `GET /v1/decisions/check` over a real loopback socket (the per-request gateway hook):
 * requests per second and latency percentiles at a fixed concurrency, with 10k active decisions.
 * Not a test; run it by hand: `npx tsx test/api/measure-check.ts [requests] [concurrency]`.
 */
import { statusApiOptionsSchema } from "../../src/api/options.js";
import { buildStatusServer, listenStatusServer } from "../../src/api/server.js";
import { issueApiKey } from "../../src/keys/keys.js";
import { createLogger } from "../../src/observability/logger.js";
import { buildTestServer, makeDecision } from "./helpers.js";

const total = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.argv[3] ?? 16);

const base = buildTestServer();
for (let i = 0; i < 10_000; i++) {
  base.decisions.put(makeDecision(`agent-${i}`, i % 2 ? {} : { type: "throttle", ratePerMinute: 600 }));
}
const gateway = issueApiKey("nginx", ["gateway"]);
gateway.entry.rateLimit = { perSecond: 1_000_000, burst: 1_000_000 };
const options = statusApiOptionsSchema.parse({ port: 0, keys: [gateway.entry] });
const app = buildStatusServer(
  { ...base.deps, now: Date.now, logger: createLogger({ level: "info", destination: { write: () => {} } }) },
  options,
);
const url = await listenStatusServer(app, options);

const latencies: number[] = [];
const statuses = new Map<number, number>();
let next = 0;
async function worker() {
  while (next < total) {
    const i = next++;
    const started = performance.now();
    const res = await fetch(`${url}/v1/decisions/check?agent=agent-${i % 20_000}`, {
      headers: { "x-api-key": gateway.key },
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(2);
console.log(
  `${total} checks, concurrency ${concurrency}: ${Math.round(total / seconds)} req/s, ` +
    `p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
);
await app.close();
await base.app.close();
