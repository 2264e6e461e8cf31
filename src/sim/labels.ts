/**
 * Ground truth written next to simulated traffic, and read back by `agentwatch eval`.
 *
 * One entry per agent: benign (possibly one of the hard benign cases) or the attack kind, when
 * the compromise began, when the first malicious request was sent, and the request ids of every
 * malicious request, in the order they were sent.
 */
import { z } from "zod";
import { ALL_ATTACK_KINDS, BENIGN_CASES } from "./settings.js";

export const agentLabelSchema = z.object({
  agentId: z.string(),
  persona: z.string(),
  /** `benign`, or the attack kind injected into this agent. */
  kind: z.enum(["benign", ...ALL_ATTACK_KINDS]),
  /** For benign agents with a deliberately unusual but legitimate pattern. */
  benignCase: z.enum(BENIGN_CASES).optional(),
  /** Agent sends only a handful of requests a day (its profile hardly warms up). */
  lowTraffic: z.boolean(),
  /** Attack variant where a kind has several (e.g. exfiltration `oversized` / `frequent`). */
  variant: z.string().optional(),
  /** When the agent was compromised (ISO 8601). */
  compromisedAt: z.string().optional(),
  /** Timestamp of the first malicious request (ISO 8601); absent if none fell inside the run. */
  firstMaliciousAt: z.string().optional(),
  /** For drift: when the agent started using its new endpoint, and which one. */
  driftAt: z.string().optional(),
  driftEndpoint: z.string().optional(),
  /** Requests this agent sent in total. */
  events: z.number().int().nonnegative(),
  /** Request ids of the malicious requests, in emission order. */
  maliciousRequestIds: z.array(z.string()),
});
export type AgentLabel = z.infer<typeof agentLabelSchema>;

export const labelsFileSchema = z.object({
  /** Bumped when the shape changes. */
  version: z.literal(1),
  /** The resolved simulation settings (so a run can be reproduced from its labels). */
  settings: z.record(z.string(), z.unknown()),
  agents: z.array(agentLabelSchema),
});
export type LabelsFile = z.infer<typeof labelsFileSchema>;
