/**
 * Runs Kafka worker processes for the multi-process tests: start with the pipeline's options in
 * the environment, SIGKILL (crash) or SIGTERM (clean stop, timed), logs kept for failures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const WORKER_ENTRY = fileURLToPath(new URL("../../../src/kafka/worker.ts", import.meta.url));

export interface Worker {
  name: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export function startWorker(name: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_ENTRY], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 400) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { name, process: child, output, exited };
}

export async function killWorker(worker: Worker): Promise<void> {
  worker.process.kill("SIGKILL");
  await worker.exited;
}

/** SIGTERM and wait; resolves the exit code and how long the clean stop took. */
export async function stopWorker(worker: Worker): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  worker.process.kill("SIGTERM");
  const code = await worker.exited;
  return { code, ms: Date.now() - started };
}

/** Environment for a worker: AGENTWATCH_KAFKA__* overrides of the config. */
export function workerEnv(settings: Record<string, string | number | boolean>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    env[`AGENTWATCH_KAFKA__${key.replace(/([A-Z])/g, "_$1").toUpperCase()}`] = String(value);
  }
  return env;
}
