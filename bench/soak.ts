/**
 * Soak test (`npm run soak`, not part of CI): `agentwatch run` follows a file that this script
 * appends simulated traffic to at a steady rate, with the status API polled throughout. At the
 * end it checks that the service's resident memory is within 15% of its value at the reference
 * point (leaks show as steady growth once profiles and windows are warm), and that the events the
 * service counted equal the lines written (none lost or rejected).
 *
 * Settings (environment): SOAK_SECONDS (1800), SOAK_REFERENCE_SECONDS (300: when the RSS
 * reference is taken), SOAK_RATE (2000 lines/s), SOAK_AGENTS (300 simulated agents).
 *
 * Lines come from `agentwatch simulate` (a pool, replayed in cycles); each is stamped with the
 * wall clock as it is written, as a live gateway would log it, so the run's future-skew and
 * event-time checks see a live source.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

const SECONDS = setting("SOAK_SECONDS", 1800);
const REFERENCE_SECONDS = setting("SOAK_REFERENCE_SECONDS", 300);
const RATE = setting("SOAK_RATE", 2000);
const AGENTS = setting("SOAK_AGENTS", 300);
const RSS_TOLERANCE = 0.15;
const POLL_MS = 2_000;
const CLI = join(import.meta.dirname, "..", "src", "cli.js");

if (REFERENCE_SECONDS >= SECONDS) throw new Error("SOAK_REFERENCE_SECONDS must be less than SOAK_SECONDS");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
  if (!Number.isFinite(kib)) throw new Error("VmRSS not found in /proc (the soak needs Linux)");
  return kib * 1024;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

interface Api {
  url: string;
  headers: { authorization: string };
}

/** Starts `run` on an empty followed file; resolves once it announced its key and API address. */
async function startRun(
  dir: string,
  followed: string,
): Promise<{ child: ChildProcess; api: Api; alerts: () => number }> {
  const config = join(dir, "soak.yaml");
  writeFileSync(
    config,
    ["api:", "  port: 0", "actions:", "  delivery:", `    dataDir: ${join(dir, "data")}`].join("\n"),
  );
  const child = spawn(process.execPath, [CLI, "run", "-c", config, "--from-beginning", followed], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let head = "";
  let alerts = 0;
  const watch = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < 65_536) head += text;
    alerts += text.split('"event":"alert"').length - 1;
  };
  child.stdout?.on("data", watch);
  child.stderr?.on("data", watch);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const key = head.match(/generated an admin key[^\n]*\n\s+(\S+)/)?.[1];
    const url = head.match(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1];
    if (key && url)
      return { child, api: { url, headers: { authorization: `Bearer ${key}` } }, alerts: () => alerts };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`run did not start:\n${head}`);
    await sleep(100);
  }
}

interface Counts {
  ingested: number;
  /** Refusals of agents under a decision: read and counted, but kept from the detectors. */
  refused: number;
  rejected: number;
}

async function counts(api: Api): Promise<Counts> {
  const res = await fetch(`${api.url}/metrics`, { headers: api.headers });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const ingested = Number(text.match(/^agentwatch_events_ingested_total (\d+)/m)?.[1] ?? 0);
  const refused = Number(text.match(/^agentwatch_events_refused_by_decision_total (\d+)/m)?.[1] ?? 0);
  let rejected = 0;
  for (const match of text.matchAll(/^agentwatch_events_rejected_total\{[^}]*\} (\d+)/gm))
    rejected += Number(match[1]);
  return { ingested, refused, rejected };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aw-soak-"));
  const pool = join(dir, "pool.jsonl");
  execFileSync(
    process.execPath,
    [CLI, "simulate", "--agents", String(AGENTS), "--hours", "24", "--seed", "13", "--out", pool],
    {
      stdio: "ignore",
    },
  );
  const lines = readFileSync(pool, "utf8").trim().split("\n");
  const followed = join(dir, "access.jsonl");
  writeFileSync(followed, "");
  console.log(
    `soak: ${SECONDS} s at ${RATE} lines/s, RSS reference at ${REFERENCE_SECONDS} s, pool of ${lines.length} simulated lines (${AGENTS} agents)`,
  );

  const run = await startRun(dir, followed);
  const pid = run.child.pid as number;
  const fd = openSync(followed, "a");
  let written = 0;
  let reference: number | undefined;
  let pollErrors = 0;
  let peakRss = 0;
  const started = Date.now();
  let nextPoll = started;
  // Write in 50 ms ticks, catching up to where the rate says we should be.
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    if (due > written) {
      const stamp = new Date().toISOString();
      let chunk = "";
      for (; written < due; written++) {
        const record = JSON.parse(lines[written % lines.length] as string) as { timestamp: string };
        record.timestamp = stamp;
        chunk += `${JSON.stringify(record)}\n`;
      }
      writeSync(fd, chunk);
    }
    if (Date.now() >= nextPoll) {
      nextPoll += POLL_MS;
      const elapsed = (Date.now() - started) / 1000;
      const rss = rssBytes(pid);
      peakRss = Math.max(peakRss, rss);
      if (reference === undefined && elapsed >= REFERENCE_SECONDS) {
        reference = rss;
        console.log(`soak: RSS reference at ${elapsed.toFixed(0)} s: ${mib(rss)}`);
      }
      try {
        const seen = await counts(run.api);
        const agents = await fetch(`${run.api.url}/v1/agents?limit=10`, { headers: run.api.headers });
        if (!agents.ok) throw new Error(`/v1/agents answered ${agents.status}`);
        if (Math.floor(elapsed) % 30 < POLL_MS / 1000) {
          console.log(
            `soak: ${elapsed.toFixed(0)} s written ${written} ingested ${seen.ingested} refused ${seen.refused} rejected ${seen.rejected} RSS ${mib(rss)} alerts ${run.alerts()}`,
          );
        }
      } catch (error) {
        pollErrors++;
        console.log(`soak: poll failed: ${(error as Error).message}`);
      }
    }
    await sleep(50);
  }
  closeSync(fd);

  // Let the service read the last lines, then take the final figures.
  const drainDeadline = Date.now() + 60_000;
  let final = await counts(run.api);
  while (final.ingested + final.refused + final.rejected < written && Date.now() < drainDeadline) {
    await sleep(500);
    final = await counts(run.api);
  }
  const finalRss = rssBytes(pid);
  run.child.kill("SIGTERM");
  await new Promise((resolve) => run.child.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });

  const growth = reference === undefined ? Number.NaN : finalRss / reference - 1;
  const report = {
    seconds: SECONDS,
    referenceSeconds: REFERENCE_SECONDS,
    rate: RATE,
    written,
    ingested: final.ingested,
    refusedByDecision: final.refused,
    rejected: final.rejected,
    alerts: run.alerts(),
    pollErrors,
    rssReference: reference === undefined ? null : mib(reference),
    rssFinal: mib(finalRss),
    rssPeak: mib(peakRss),
    rssGrowth: `${(growth * 100).toFixed(1)}%`,
  };
  console.log(JSON.stringify(report, null, 2));
  const failures = [
    final.ingested + final.refused === written
      ? undefined
      : `events counted ${final.ingested} + ${final.refused} refused by decision != lines written ${written}`,
    Math.abs(growth) <= RSS_TOLERANCE
      ? undefined
      : `RSS moved ${report.rssGrowth} from the reference (limit 15%)`,
    pollErrors === 0 ? undefined : `${pollErrors} status API polls failed`,
  ].filter((failure) => failure !== undefined);
  if (failures.length > 0) {
    console.log(`soak: FAILED: ${failures.join("; ")}`);
    process.exitCode = 1;
  } else {
    console.log("soak: passed");
  }
}

await main();
