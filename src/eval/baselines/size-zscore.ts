/**
 * Baseline 2: a plain per-agent z-score on payload sizes plus a new-endpoint check, the kind of
 * anomaly rule a SIEM ships. No per-endpoint baselines, no decay, no robust statistics: that is
 * the point of a baseline.
 *
 * Per agent, a running mean and variance (Welford) of request bytes and of response bytes over
 * every event, and the set of route templates seen. After `warmup` events:
 * - z = |x - mean| / max(sd, 5% of mean, 1 byte) on either size; throttle at z >= `throttleZ`,
 *   block at z >= `blockZ`;
 * - a template the agent never called: throttle for GET/HEAD, block for any other method.
 */
import type { Level, Verdict } from "../metrics.js";
import type { EvalEvent, EvalSystem } from "../system.js";

export interface SizeZScoreOptions {
  /** Events an agent must have sent before anything is flagged. */
  warmup: number;
  throttleZ: number;
  blockZ: number;
}

export const DEFAULT_SIZE_ZSCORE: SizeZScoreOptions = { warmup: 30, throttleZ: 3, blockZ: 6 };

class Welford {
  n = 0;
  mean = 0;
  m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  z(x: number): number {
    const sd = this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
    return Math.abs(x - this.mean) / Math.max(sd, 0.05 * this.mean, 1);
  }
}

interface AgentSizes {
  request: Welford;
  response: Welford;
  templates: Set<string>;
}

export class SizeZScoreBaseline implements EvalSystem {
  readonly name = "size-zscore";
  readonly description: string;
  private readonly agents = new Map<string, AgentSizes>();

  constructor(private readonly options: SizeZScoreOptions = DEFAULT_SIZE_ZSCORE) {
    this.description = `per-agent z-score of request/response bytes (throttle z>=${options.throttleZ}, block z>=${options.blockZ}) + new template (GET throttle, write block), after ${options.warmup} events`;
  }

  inspect(e: EvalEvent): Verdict | undefined {
    let a = this.agents.get(e.agentId);
    if (!a) {
      a = { request: new Welford(), response: new Welford(), templates: new Set() };
      this.agents.set(e.agentId, a);
    }
    const endpoint = `${e.method} ${e.template}`;
    let verdict: Verdict | undefined;
    if (a.response.n >= this.options.warmup) {
      const z = Math.max(a.request.z(e.requestBytes), a.response.z(e.responseBytes));
      const sized: Level | undefined =
        z >= this.options.blockZ ? "block" : z >= this.options.throttleZ ? "throttle" : undefined;
      if (sized) verdict = { level: sized, cause: "size-z" };
      if (sized !== "block" && !a.templates.has(endpoint)) {
        const read = e.method === "GET" || e.method === "HEAD";
        if (!read || !sized) verdict = { level: read ? "throttle" : "block", cause: "new-endpoint" };
      }
    }
    a.request.add(e.requestBytes);
    a.response.add(e.responseBytes);
    a.templates.add(endpoint);
    return verdict;
  }
}
