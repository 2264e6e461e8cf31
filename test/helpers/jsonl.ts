/** JSON-lines helpers for tests that run the CLI: read what it wrote, build canonical input lines. */
import { readFileSync } from "node:fs";

/** The records of a JSON-lines file, blank lines skipped. */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** One valid canonical (`json` format) access event as a line: a benign read, with `overrides` applied. */
export function canonicalLine(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: "2026-01-05T10:00:00.000Z",
    agentId: "agent-ok",
    method: "GET",
    path: "/api/v1/customers/42",
    status: 200,
    requestBytes: 0,
    responseBytes: 512,
    latencyMs: 12,
    clientIp: "10.1.2.3",
    tokenId: "tok-1",
    userId: "u-1",
    userAgent: "agent-sdk/1.0",
    requestId: "req-1",
    ...overrides,
  });
}
