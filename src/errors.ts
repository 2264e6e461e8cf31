/**
 * Every error agentwatch reports, with a stable code, a message, whether retrying can help, and
 * the pipeline stage it belongs to. Metrics count errors by code, rejects files and dead-letter
 * records carry the code, and nothing that leaves the process carries more than code + message.
 */
export type Stage = "ingest" | "parse" | "detect" | "deliver" | "config" | "api" | "cli";

export interface ErrorCodeInfo {
  readonly message: string;
  readonly retriable: boolean;
  readonly stage: Stage;
}

export const ERROR_CODES = {
  // ingest/parse: why a line or record was rejected
  LINE_TOO_LONG: { message: "line exceeds the maximum line length", retriable: false, stage: "ingest" },
  INVALID_UTF8: { message: "line is not valid UTF-8", retriable: false, stage: "ingest" },
  EMPTY_LINE: { message: "line is empty", retriable: false, stage: "ingest" },
  TRUNCATED_CRI_LINE: {
    message: "input ended inside a CRI partial (P) line, before its final (F) fragment",
    retriable: false,
    stage: "ingest",
  },
  UNKNOWN_FORMAT: { message: "line matches no known log format", retriable: false, stage: "parse" },
  MALFORMED_JSON: { message: "line is not valid JSON", retriable: false, stage: "parse" },
  MALFORMED_LINE: { message: "line does not match the log format", retriable: false, stage: "parse" },
  FORBIDDEN_KEY: {
    message: "record contains a __proto__/constructor/prototype key",
    retriable: false,
    stage: "parse",
  },
  INVALID_FIELD: {
    message: "a field has the wrong type or an out-of-range value",
    retriable: false,
    stage: "parse",
  },
  MISSING_FIELD: { message: "a required field is missing", retriable: false, stage: "parse" },
  MISSING_IDENTITY: { message: "no agent identity could be resolved", retriable: false, stage: "parse" },
  TIMESTAMP_OUT_OF_RANGE: {
    message: "timestamp is too far in the past or the future",
    retriable: false,
    stage: "parse",
  },
  // ingest: a whole input, not one line
  INPUT_UNREADABLE: { message: "input file is missing or cannot be read", retriable: false, stage: "ingest" },
  // detect / kafka source
  EVENT_PROCESSING_FAILED: {
    message: "the engine failed on this event; it was dead-lettered instead of retried",
    retriable: false,
    stage: "detect",
  },
  SHUTDOWN_TIMEOUT: { message: "clean shutdown did not complete in time", retriable: false, stage: "ingest" },
  // deliver
  SINK_TIMEOUT: { message: "sink did not answer in time", retriable: true, stage: "deliver" },
  SINK_UNAVAILABLE: { message: "sink is unreachable or answered 5xx", retriable: true, stage: "deliver" },
  SINK_RATE_LIMITED: { message: "sink answered 429", retriable: true, stage: "deliver" },
  SINK_REJECTED: { message: "sink rejected the request (4xx)", retriable: false, stage: "deliver" },
  CIRCUIT_OPEN: { message: "sink circuit breaker is open", retriable: true, stage: "deliver" },
  OUTPUT_UNWRITABLE: {
    message: "output file (alerts, rejects, summary) cannot be written",
    retriable: false,
    stage: "deliver",
  },
  // detect
  INVALID_SNAPSHOT: {
    message: "profile snapshot is malformed or does not fit this configuration",
    retriable: false,
    stage: "detect",
  },
  // config
  INVALID_CONFIG: { message: "configuration is invalid", retriable: false, stage: "config" },
  // api: what the status API answers (the HTTP status is chosen by the API layer)
  UNAUTHORIZED: { message: "missing or invalid API key", retriable: false, stage: "api" },
  FORBIDDEN: { message: "the API key lacks the scope this route requires", retriable: false, stage: "api" },
  RATE_LIMITED: { message: "too many requests, retry later", retriable: true, stage: "api" },
  NOT_FOUND: { message: "no such resource", retriable: false, stage: "api" },
  INVALID_REQUEST: { message: "the request is invalid", retriable: false, stage: "api" },
  PAYLOAD_TOO_LARGE: { message: "the request body is too large", retriable: false, stage: "api" },
  INTERNAL: { message: "internal error", retriable: true, stage: "api" },
  API_LISTEN_FAILED: {
    message: "the status API could not listen on its address",
    retriable: false,
    stage: "api",
  },
  // process: the crash handler's codes (src/crash.ts); the process stops after reporting one
  UNHANDLED_REJECTION: { message: "a promise rejection was not handled", retriable: false, stage: "cli" },
  UNCAUGHT_EXCEPTION: { message: "an exception was not caught", retriable: false, stage: "cli" },
  // cli
  INVALID_ARGUMENT: {
    message: "invalid command-line argument",
    retriable: false,
    stage: "cli",
  },
  API_UNREACHABLE: {
    message: "the status API cannot be reached",
    retriable: true,
    stage: "cli",
  },
  // cli: a command failed on something no other code covers (a bug): running it again will not help
  CLI_INTERNAL: { message: "internal error", retriable: false, stage: "cli" },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a code from ERROR_CODES; `detail` is for operators and never leaves the process. */
export class AgentwatchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${ERROR_CODES[code].message}: ${detail}` : ERROR_CODES[code].message, options);
    this.name = "AgentwatchError";
    this.code = code;
  }
  get retriable(): boolean {
    return ERROR_CODES[this.code].retriable;
  }
}
