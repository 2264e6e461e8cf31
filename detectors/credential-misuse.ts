/**
 * credential-misuse: one credential (token id), or one agent, used from a different network AND
 * a different user agent than the use just before it, within minutes, where that other
 * network/user agent pair is recent while the agent's established one is still active. Two
 * parties using one identity at the same time: a stolen token being replayed. Agents identified
 * only by their address are skipped: there the address is the identity, and many clients share it.
 */
import { z } from "zod";
import { duration } from "../src/config/duration.js";
import { quote, span } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import {
  I_AUX1,
  I_AUX2,
  I_COUNT,
  I_FIRST,
  I_LAST,
  ID_NET,
  ID_TOKEN,
  S_LAST,
  S_PREV_NET,
  S_PREV_UA,
} from "../src/profile/layout.js";
import type { AgentProfile } from "../src/profile/profile.js";

const options = detectorOptions({
  /** Uses of one identity from two places within this many minutes count as concurrent. */
  concurrentMinutes: duration("m", { positive: true }).default(5),
  /** A network first seen this recently (relative to the established one) counts as new. */
  newNetworkMinutes: duration("m", { positive: true }).default(60),
  /** Requests the established network must have made before it counts as the agent's usual one. */
  minEstablishedRequests: z.number().int().min(1).default(10),
  /** Score when the same token id is used concurrently from two places. */
  tokenScore: z.number().min(0).max(1).default(0.8),
  /** Score when the agent (with different or no token ids) is. */
  agentScore: z.number().min(0).max(1).default(0.6),
});

export const credentialMisuse: DetectorDescriptor<typeof options> = {
  name: "credential-misuse",
  description:
    "A token or agent used from a new network and user agent while its usual one is still active (replay)",
  kind: "baseline",
  options,
  create(o) {
    const concurrentMs = o.concurrentMinutes * 60_000;
    const newNetworkMs = o.newNetworkMinutes * 60_000;

    /** Whether the pair (net, ua) just used is a newcomer next to an established, still active `otherNet`. */
    function newcomer(profile: AgentProfile, otherNet: number, time: number): boolean {
      const established = profile.findIdentity(ID_NET, otherNet);
      if (established < 0) return false;
      const e = profile.identityOffset(ID_NET, established);
      if ((profile.s[e + I_COUNT] as number) < o.minEstablishedRequests) return false;
      if (time - (profile.s[e + I_LAST] as number) > concurrentMs) return false;
      const firstSeen =
        profile.cursor.net < 0
          ? time
          : (profile.s[profile.identityOffset(ID_NET, profile.cursor.net) + I_FIRST] as number);
      return (
        firstSeen - (profile.s[e + I_FIRST] as number) > newNetworkMs && time - firstSeen <= newNetworkMs * 24
      );
    }

    return {
      name: "credential-misuse",
      inspect(event, profile, out) {
        if (event.identitySource === "ip") return;
        const net = profile.cursor.netKey;
        const ua = profile.cursor.uaKey;
        if (net === 0 || ua === 0) return;
        const s = profile.s;
        const time = profile.cursor.time;
        let score = 0;
        let via = "";
        let otherNet = 0;
        let since = 0;
        if (profile.cursor.token >= 0) {
          const t = profile.identityOffset(ID_TOKEN, profile.cursor.token);
          const tokNet = profile.s[t + I_AUX1] as number;
          if (tokNet !== net && profile.s[t + I_AUX2] !== ua && newcomer(profile, tokNet, time)) {
            score = o.tokenScore;
            via = "token";
            otherNet = tokNet;
            since = time - (profile.s[t + I_LAST] as number);
          }
        }
        const prevNet = s[S_PREV_NET] as number;
        if (score === 0 && prevNet !== net && s[S_PREV_UA] !== ua && newcomer(profile, prevNet, time)) {
          score = o.agentScore;
          via = "agent";
          otherNet = prevNet;
          since = time - (s[S_LAST] as number);
        }
        if (score === 0) return;
        const other = profile.findIdentity(ID_NET, otherNet);
        const otherLabel =
          profile.labels[ID_NET * profile.params.identityListSize + other] ?? "another network";
        const subject =
          via === "token"
            ? `token ${profile.labels[ID_TOKEN * profile.params.identityListSize + profile.cursor.token]}`
            : "this agent";
        out.push({
          detector: "credential-misuse",
          score,
          detail:
            `${subject} used from a ${profile.cursor.net < 0 ? "new" : "recently added"} network with user agent ${quote(event.userAgent, 60)} ` +
            `(client ${quote(event.clientIp, 45)}) while its established use from ${otherLabel} was active ${span(since)} earlier`,
        });
      },
    };
  },
};
