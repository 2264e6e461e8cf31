/**
 * The engines of the partitions this instance owns right now, seen as one: the status API lists
 * and explains agents from whichever partition holds them, and metrics add up their counters.
 * Partitions come and go with rebalances; an agent lives in exactly one partition's engine.
 */
import type { AgentBrief } from "../api/deps.js";
import type { Engine, EngineStats } from "../engine/engine.js";

export class PartitionEngines {
  private readonly engines = new Map<number, Engine>();
  /** Counters of engines whose partition moved away, so totals never go backwards. */
  private readonly retired: EngineStats = {
    agents: 0,
    findingsByDetector: {},
    alertsBySeverity: { low: 0, medium: 0, high: 0, critical: 0 },
    detectorErrors: 0,
  };

  add(partition: number, engine: Engine): void {
    this.engines.set(partition, engine);
  }

  remove(partition: number): void {
    const engine = this.engines.get(partition);
    if (!engine) return;
    this.engines.delete(partition);
    addStats(this.retired, engine.stats());
  }

  *ids(): Iterable<string> {
    for (const engine of this.engines.values()) yield* engine.profiles.ids();
  }

  brief(agentId: string): AgentBrief | undefined {
    for (const engine of this.engines.values()) {
      const brief = engine.profiles.brief(agentId);
      if (brief) return brief;
    }
    return undefined;
  }

  summarize(agentId: string): object | undefined {
    for (const engine of this.engines.values()) {
      const summary = engine.profiles.summarize(agentId);
      if (summary) return summary;
    }
    return undefined;
  }

  /** Counters over every engine this instance ran; `agents` counts only the profiles held now. */
  stats(): EngineStats {
    const total: EngineStats = structuredClone(this.retired);
    total.agents = 0;
    for (const engine of this.engines.values()) addStats(total, engine.stats());
    return total;
  }
}

function addStats(into: EngineStats, from: EngineStats): void {
  into.agents += from.agents;
  into.detectorErrors += from.detectorErrors;
  for (const [name, n] of Object.entries(from.findingsByDetector))
    into.findingsByDetector[name] = (into.findingsByDetector[name] ?? 0) + n;
  for (const [severity, n] of Object.entries(from.alertsBySeverity) as [
    keyof EngineStats["alertsBySeverity"],
    number,
  ][])
    into.alertsBySeverity[severity] += n;
}
