/**
 * new-endpoint: a warm agent calls a method + route it has never used. A new read is a small
 * signal (agents drift); a new write, and above all a DELETE or an admin/internal-looking route,
 * is what a hijacked agent does. Agents that habitually explore new endpoints get a discount.
 */
import { z } from "zod";
import { clamp, pct, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { isWriteMethodCode } from "../src/profile/keys.js";
import { S_EVENTS, S_FIRST, S_NEW_RATE } from "../src/profile/layout.js";

const score = () => z.number().min(0).max(1);

const options = detectorOptions({
  /** Score of a first call to a new read endpoint (GET, HEAD, OPTIONS): drift, not an attack. */
  readScore: score().default(0.2),
  /** Score of a first call to a new POST, PUT or PATCH endpoint. */
  writeScore: score().default(0.45),
  /** Score of a first call to a new DELETE endpoint. */
  deleteScore: score().default(0.6),
  /** Added when the route looks administrative, internal, debug or credential-related. */
  sensitiveBoost: score().default(0.25),
  /**
   * Discount for agents that often use new endpoints: the score is multiplied by
   * 1 - min(0.8, explorerFactor * share of the agent's requests that hit new endpoints).
   */
  explorerFactor: z.number().min(0).default(5),
});

/** Route segments that mean administration, internals or credentials, whatever the API. */
const SENSITIVE =
  /(?:^|[/_.-])(?:admin\w*|internal|debug|manage(?:ment)?|actuator|config\w*|settings|system|sudo|root|superuser|impersonat\w*|privilege\w*|permissions?|roles?|grants?|secrets?|credentials?|keys|tokens?|export|dump|backup|purge|wipe|reset|shutdown|exec|shell|console)(?=$|[/_.-])/i;

export const newEndpoint: DetectorDescriptor<typeof options> = {
  name: "new-endpoint",
  description:
    "A warm agent calls an endpoint it never used; weighted up for writes, DELETE and admin-looking routes",
  kind: "baseline",
  options,
  create(o) {
    return {
      name: "new-endpoint",
      inspect(event, profile, out) {
        if (!profile.cNew) return;
        const code = profile.cKey % 16;
        const sensitive = SENSITIVE.test(event.template);
        const base = code === 5 ? o.deleteScore : isWriteMethodCode(code) ? o.writeScore : o.readScore;
        const newRate = profile.s[S_NEW_RATE] as number;
        const s =
          clamp(base + (sensitive ? o.sensitiveBoost : 0), 0, 1) *
          (1 - Math.min(0.8, o.explorerFactor * newRate));
        if (s <= 0) return;
        const events = profile.s[S_EVENTS] as number;
        const age = event.timestamp - (profile.s[S_FIRST] as number);
        out.push({
          detector: "new-endpoint",
          score: s,
          detail:
            `${event.method} ${event.template}: first call to this endpoint after ${events} requests over ${span(age)} ` +
            `to ${profile.slots} known endpoints${sensitive ? "; the route looks administrative/internal" : ""} ` +
            `(agent's usual: ${pct(newRate)} of requests hit a new endpoint)`,
        });
      },
    };
  },
};
