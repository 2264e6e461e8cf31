/**
 * Placeholder: the per-agent behavioural profile. The core-engine work replaces this file.
 */
export interface AgentProfile {
  readonly agentId: string;
}
