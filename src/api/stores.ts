/**
 * The API's read side in one call for the composition root: the agent directory and the alert
 * log, local for one process, Redis-backed (plus a publisher of this instance's agents) when
 * Redis is configured so that every instance answers for every agent and shows every alert.
 */
import type { Redis } from "ioredis";
import {
  type AgentPublisher,
  createAgentDirectory,
  createAgentPublisher,
  createLocalAgentDirectory,
  createRedisAgentDirectory,
  type LocalProfiles,
} from "./agent-directory.js";
import { createMemoryAlertLog, createRedisAlertLog } from "./alert-log.js";
import type { AgentDirectory, AlertLog } from "./deps.js";
import type { StatusApiOptions } from "./options.js";

export interface ApiStores {
  agents: AgentDirectory;
  /** Main appends every alert the engine emits (off the hot path: it is async). */
  alerts: AlertLog;
  /** Present with Redis: main calls `start(options.shared.publishIntervalMs)` and, on shutdown, `stop()`. */
  publisher: AgentPublisher | undefined;
}

export function createApiStores(
  profiles: LocalProfiles,
  options: StatusApiOptions,
  redis?: Redis,
  logger?: { warn(obj: object, msg: string): void },
): ApiStores {
  const local = createLocalAgentDirectory(profiles);
  if (!redis)
    return { agents: local, alerts: createMemoryAlertLog(options.alertsKept), publisher: undefined };
  const shared = { prefix: options.shared.prefix, ttlSeconds: options.shared.ttlSeconds };
  return {
    agents: createAgentDirectory(local, createRedisAgentDirectory(redis, shared)),
    alerts: createRedisAlertLog(redis, { prefix: shared.prefix, maxAlerts: options.alertsKept }),
    publisher: createAgentPublisher(profiles, redis, { ...shared, logger }),
  };
}
