/**
 * destructive-burst: several destructive or privileged calls (DELETE, writes to administrative/
 * internal-looking routes) within minutes from an agent that has no habit of them. This is what a
 * prompt-injected agent does, and it needs no endpoint baseline: it acts on an agent hijacked
 * within its first requests (where new-endpoint, a baseline detector, is silent), and on a warm
 * agent repeating a privileged call it first made moments ago (no longer "new"). The habit is the
 * agent's own long-run share of such calls: an agent that routinely deletes expects some.
 */
import { z } from "zod";
import { clamp, num, pct, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { S_PR_N, S_PRIV_LONG, S_PRIV_RECENT, S_ST_N, T_HITS, T_STRIDE } from "../src/profile/layout.js";

const options = detectorOptions({
  /** Score per privileged call beyond what the agent's habit explains, within the probe window. */
  perCall: z.number().min(0).max(1).default(0.25),
  /** Pseudo-requests without privileged calls added to the agent's history when estimating its habit. */
  habitPrior: z.number().min(0).default(20),
  /**
   * Share of the window a privileged endpoint may take without a finding once it is the agent's
   * routine: called at least `routineCalls` times before the current window (an admin agent whose
   * job is role changes; a support agent that issues refunds). The endpoint's call count never
   * decays, so the habit is remembered for as long as the profile keeps the endpoint (days).
   */
  routineShare: z.number().min(0).max(1).default(0.5),
  routineCalls: z.number().int().min(1).default(2),
  /** Added to every finding, so a single unexplained call is logged (low tier) but not throttled. */
  offset: z.number().min(0).max(1).default(0.05),
});

export const destructiveBurst: DetectorDescriptor<typeof options> = {
  name: "destructive-burst",
  description:
    "Several DELETE / admin-write calls within minutes beyond the agent's own habit of them; acts on new agents too",
  kind: "baseline-free",
  options,
  create(o) {
    return {
      name: "destructive-burst",
      inspect(event, profile, out) {
        const c = profile.cursor;
        if (!c.privileged) return;
        const s = profile.s;
        const recent = (s[S_PRIV_RECENT] as number) * c.decayProbe;
        const calls = recent + 1;
        const window = (s[S_PR_N] as number) * c.decayProbe + 1;
        // The habit from the long horizon without the current window, so a burst does not excuse itself.
        const longCalls = Math.max(0, (s[S_PRIV_LONG] as number) - recent);
        const longRequests = Math.max(0, (s[S_ST_N] as number) - window + 1);
        // Smoothed toward none: a habit takes some history to show, a few requests are not one.
        let share = longCalls / (longRequests + o.habitPrior);
        const slot = c.slot;
        const before = slot >= 0 ? (profile.f[slot * T_STRIDE + T_HITS] as number) - recent : 0;
        const routine = before >= o.routineCalls;
        if (routine) share = Math.max(share, o.routineShare);
        const excess = calls - share * window;
        if (excess < 1) return;
        out.push({
          detector: "destructive-burst",
          score: clamp(o.offset + o.perCall * excess, 0, 0.95),
          detail:
            `${event.method} ${event.template}: ~${num(calls)} destructive/privileged calls among the last ~${num(window)} ` +
            `requests (~${span(profile.params.probeWindowMs)}); agent's usual share: ${pct(share)} of ${num(longRequests)} earlier requests` +
            (routine ? ` (this endpoint is routine for it: ${num(before)} earlier calls)` : ""),
        });
      },
    };
  },
};
