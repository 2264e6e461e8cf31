/**
 * What the evaluation runs side by side on one stream: agentwatch itself and the baselines, each
 * seeing every event once, in order, and saying which level of action (if any) it would take.
 */
import type { NormalizedEvent } from "../events/event.js";
import type { Verdict } from "./metrics.js";

/** The event fields the baselines look at; the engine gets the full NormalizedEvent. */
export type EvalEvent = Pick<
  NormalizedEvent,
  "agentId" | "timestamp" | "method" | "template" | "requestBytes" | "responseBytes" | "requestId"
>;

export interface EvalSystem<E extends EvalEvent = EvalEvent> {
  readonly name: string;
  /** One-line description of how the system maps to throttle and block, for the report. */
  readonly description: string;
  /** The action the system would take on this event, if any. */
  inspect(event: E): Verdict | undefined;
}
