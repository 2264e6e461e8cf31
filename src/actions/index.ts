/**
 * Public surface of the action layer, for the composition root and the status API.
 * See `alerts/README.md` for configuring each sink.
 */
export {
  type Actions,
  type ActionsDeps,
  type ActionsStats,
  type AllowlistEntry,
  createActions,
  type Decisions,
} from "./actions.js";
export type { DecisionChanges, DecisionStore } from "./decision-store.js";
export { FileQueue } from "./file-queue.js";
export { type ActionsOptions, type ActionsOptionsInput, actionsOptionsSchema } from "./options.js";
export type { DurableQueue, QueuedRecord } from "./queue.js";
export { type ActionRecord, type Decision, recordKey } from "./records.js";
export { ACTIONS_REDACT_PATHS, Secret } from "./secret.js";
