/**
 * The process's last line of defence. A rejection nobody handled or an exception nobody caught
 * would otherwise end Node with a stack trace (or, for a rejection swallowed by a library, leave
 * the service half-alive). Here it becomes one line with a code on stderr, the running service is
 * asked to stop (so queued alerts stay on the durable queue, profiles are snapshotted, the API
 * socket is closed) within a bounded time, and the process exits 1.
 */
import { inspect } from "node:util";

export interface CrashHandlerOptions {
  /** Where the one line goes (stderr). */
  write(text: string): void;
  /** Also print the full error (AGENTWATCH_DEBUG). */
  debug: boolean;
  /** How long stopping may take before the process exits anyway. */
  stopTimeoutMs?: number;
  /** Ends the process; `process.exit` unless a test says otherwise. */
  exit?: (code: number) => void;
}

export interface CrashHandlers {
  /** What to run before exiting after a crash (the service's `stop`); the last one registered wins. */
  onCrash(stop: () => Promise<void>): void;
  /** Removes the process listeners. */
  uninstall(): void;
}

const DEFAULT_STOP_TIMEOUT_MS = 15_000;

export function installCrashHandlers(options: CrashHandlerOptions): CrashHandlers {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stop: (() => Promise<void>) | undefined;
  let crashed = false;

  const handle = (code: "UNHANDLED_REJECTION" | "UNCAUGHT_EXCEPTION", error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    options.write(`agentwatch: ${code}: ${message.split("\n")[0]}\n`);
    if (options.debug) options.write(`${inspect(error)}\n`);
    // A second failure while stopping is reported, but the first stop keeps its deadline.
    if (crashed) return;
    crashed = true;
    process.exitCode = 1;
    const timeout = new Promise<void>((resolve) =>
      setTimeout(resolve, options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS).unref(),
    );
    void Promise.race([(stop?.() ?? Promise.resolve()).catch(() => undefined), timeout]).finally(() =>
      exit(1),
    );
  };
  const onRejection = (reason: unknown) => handle("UNHANDLED_REJECTION", reason);
  const onException = (error: Error) => handle("UNCAUGHT_EXCEPTION", error);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return {
    onCrash: (fn) => {
      stop = fn;
    },
    uninstall: () => {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}
