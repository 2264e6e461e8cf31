/**
 * kafkajs for agentwatch: every module imports kafkajs from here, never directly, so that the
 * corrected `read_committed` filter (abort-filter.ts) is in place before kafkajs first loads.
 */
import "./abort-filter.js";

export * from "kafkajs";
