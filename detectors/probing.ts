/**
 * probing: reconnaissance. Requests to many distinct endpoints answered 401/403/404/405 within a
 * short window (far above the agent's usual error share), and requests to scanner paths such as
 * `/.env`, `/.git/config`, `/admin` or `/openapi.json`, worse when followed by such errors; and
 * privileged writes the API refused (403 on an admin route, or on a DELETE).
 */
import { z } from "zod";
import { clamp, num, pct, quote, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { isWriteMethodCode } from "../src/profile/keys.js";
import {
  isDenied,
  S_PR_DISTINCT,
  S_PR_ERR,
  S_PR_N,
  S_PR_SCAN,
  S_ST_401,
  S_ST_403,
  S_ST_404,
  S_ST_405,
  S_ST_N,
  T_ERR_TIME,
  T_STRIDE,
} from "../src/profile/layout.js";
import { isCredentialRoute, isSensitiveRoute } from "../src/profile/scanner-paths.js";

function st401or403(status: number): boolean {
  return status === 401 || status === 403;
}

/** Requests before the probe window needed for the agent's own error share to count as its usual. */
const MIN_HISTORY = 20;

const options = detectorOptions({
  /** Distinct endpoints answering 401/403/404/405 within the probe window that make a burst. */
  minDistinct: z.number().min(2).default(5),
  /** Share of the window's requests that must be such errors. */
  minErrorShare: z.number().min(0).max(1).default(0.5),
  /** Score of a request to a scanner path on its own. */
  scannerScore: z.number().min(0).max(1).default(0.35),
  /**
   * Score of a write the API refused with 403 on an administrative route, or a refused DELETE:
   * the agent tried something beyond its permissions.
   */
  deniedWriteScore: z.number().min(0).max(1).default(0.5),
  /**
   * Refused logins (401/403 on a login or token route) within the probe window that make credential
   * stuffing or password spraying: one agent trying credentials, not using its own.
   */
  minLoginFailures: z.number().min(2).default(5),
  /** Score at `minLoginFailures`; each further failure adds a tenth of it (up to 0.9). */
  loginFailureScore: z.number().min(0).max(1).default(0.45),
});

export const probing: DetectorDescriptor<typeof options> = {
  name: "probing",
  description:
    "401/403/404/405 bursts across distinct endpoints, and scanner paths (/.env, /.git, /admin, /openapi.json)",
  kind: "baseline-free",
  options,
  create(o) {
    return {
      name: "probing",
      inspect(event, profile, out) {
        const denied = isDenied(event.status);
        const scanner = profile.cursor.scanner;
        if (!denied && !scanner) return;
        const p = profile.params;
        const s = profile.s;
        const time = profile.cursor.time;
        const f = profile.cursor.decayProbe;
        const slot = profile.cursor.slot;
        const freshError =
          denied &&
          (slot < 0 ||
            profile.relative(time) - (profile.f[slot * T_STRIDE + T_ERR_TIME] as number) > p.probeWindowMs);
        const distinct = (s[S_PR_DISTINCT] as number) * f + (freshError ? 1 : 0);
        const errors = (s[S_PR_ERR] as number) * f + (denied ? 1 : 0);
        const total = (s[S_PR_N] as number) * f + 1;
        const scans = (s[S_PR_SCAN] as number) * f + (scanner ? 1 : 0);
        const share = errors / total;
        const stN = s[S_ST_N] as number;
        // The agent's usual error share, from its history before the probe window (the window
        // itself is what is being judged); no history, no excuse.
        const olderErrors =
          (s[S_ST_401] as number) +
          (s[S_ST_403] as number) +
          (s[S_ST_404] as number) +
          (s[S_ST_405] as number) -
          (s[S_PR_ERR] as number);
        const older = stN - (s[S_PR_N] as number);
        const usual = older >= MIN_HISTORY ? Math.max(0, olderErrors) / older : 0;
        let score = 0;
        if (distinct >= o.minDistinct && share >= o.minErrorShare && share > 2 * usual) {
          score = 0.4 + 0.06 * (distinct - o.minDistinct);
        }
        const scanned = scans >= 0.5;
        if (scanned) score = score > 0 ? score + 0.2 : distinct >= 2 ? o.scannerScore + 0.15 : o.scannerScore;
        const code = profile.cursor.key % 16;
        const deniedWrite =
          event.status === 403 &&
          (code === 5 || (isWriteMethodCode(code) && isSensitiveRoute(event.template)));
        // Each further refusal in the window adds: an agent that keeps trying is not confused.
        if (deniedWrite)
          score = Math.max(score, o.deniedWriteScore + 0.1 * Math.min(4, errors - 1)) + (score > 0 ? 0.1 : 0);
        // Credential stuffing: refusals pile up on the one route where credentials are checked.
        const loginFailures = st401or403(event.status) && isCredentialRoute(event.template) ? errors : 0;
        const stuffing = loginFailures >= o.minLoginFailures && share >= o.minErrorShare && share > 2 * usual;
        if (stuffing)
          score = Math.max(score, o.loginFailureScore * (1 + 0.1 * (loginFailures - o.minLoginFailures)));
        if (score === 0) return;
        out.push({
          detector: "probing",
          score: clamp(score, 0, 0.9),
          detail:
            `${Math.round(distinct)} distinct endpoints answered 401/403/404/405 in ~${span(p.probeWindowMs)} ` +
            `(${pct(share)} of requests; agent's usual: ${pct(usual)})` +
            (scanned ? `; scanner-style paths requested (${num(scans)} recently)` : "") +
            (scanner ? `, this one ${quote(event.path, 60)}` : "") +
            (deniedWrite
              ? `; ${event.method} ${event.template} refused with 403: a denied privileged write`
              : "") +
            (stuffing
              ? `; ${event.method} ${event.template} is a login route: ~${num(loginFailures)} refused attempts (credential stuffing)`
              : ""),
        });
      },
    };
  },
};
