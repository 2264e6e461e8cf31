/**
 * Public surface of the status API, for the composition root (`src/main.ts`) and the CLI.
 * See `src/api/README.md` for the routes, keys and the nginx snippet.
 */
export type { AgentPublisher, LocalProfiles } from "./agent-directory.js";
export type {
  AgentDirectory,
  AlertLog,
  DecisionSource,
  Readiness,
  SinkTestResult,
  StatusApiDeps,
} from "./deps.js";
export { type StatusApiOptions, statusApiOptionsSchema } from "./options.js";
export { buildStatusServer, listenStatusServer } from "./server.js";
export { type ApiStores, createApiStores } from "./stores.js";
