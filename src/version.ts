/** The release version, in a module of its own so `agentwatch --version` loads nothing else. */
export const VERSION = "0.1.0";
