/**
 * payload-size: a request or response far larger than this agent's own usual size for the same
 * endpoint. Robust z on log scale (so "large" means a multiple, whatever the endpoint's scale),
 * plus a minimum ratio and byte difference so small bodies wobbling never count. Only upward:
 * an oversized upload or download is the risk; a smaller body is not.
 */
import { z } from "zod";
import { bytes, clamp, num } from "../src/engine/detail.js";
import { detectorOptions } from "../src/engine/detector-options.js";
import type { DetectorDescriptor } from "../src/engine/types.js";
import { OVERFLOW_KEY, SZ_N, T_KEY, T_REQ_N, T_RESP_N, T_STRIDE } from "../src/profile/layout.js";
import { robustZ, typicalBytes } from "../src/profile/robust.js";

const options = detectorOptions({
  /** Samples of an endpoint's sizes needed before its baseline is trusted. */
  minSamples: z.number().int().min(1).default(20),
  /** Robust z-score (log scale) above which a size is far outside the baseline. */
  zThreshold: z.number().positive().default(4),
  /** The size must also be at least this multiple of the typical size... */
  minRatio: z.number().min(1).default(6),
  /** ...and at least this many bytes above it. */
  minExtraBytes: z.number().int().nonnegative().default(4096),
});

export const payloadSize: DetectorDescriptor<typeof options> = {
  name: "payload-size",
  description:
    "Request or response size far above the agent's own baseline for that endpoint (robust z, log scale)",
  kind: "baseline",
  options,
  create(o) {
    /** Ratio of size to typical when the size is an outlier by every criterion, else 0. */
    function outlier(t: Float32Array, i: number, size: number): number {
      if (size < o.minExtraBytes || (t[i + SZ_N] as number) < o.minSamples) return 0;
      const typical = typicalBytes(t, i);
      if (size - typical < o.minExtraBytes) return 0;
      const ratio = (size + 1) / (typical + 1);
      return ratio >= o.minRatio && robustZ(t, i, size) >= o.zThreshold ? ratio : 0;
    }
    return {
      name: "payload-size",
      inspect(event, profile, out) {
        const slot = profile.cursor.slot;
        // The overflow slot pools unrelated endpoints: it has no size baseline of its own.
        if (slot < 0 || profile.f[slot * T_STRIDE + T_KEY] === OVERFLOW_KEY) return;
        const t = profile.f;
        const b = slot * T_STRIDE;
        const req = outlier(t, b + T_REQ_N, event.requestBytes);
        const ok = event.status >= 200 && event.status < 400;
        const resp = ok ? outlier(t, b + T_RESP_N, event.responseBytes) : 0;
        if (req === 0 && resp === 0) return;
        const isResp = resp >= req;
        const i = b + (isResp ? T_RESP_N : T_REQ_N);
        const size = isResp ? event.responseBytes : event.requestBytes;
        const ratio = isResp ? resp : req;
        out.push({
          detector: "payload-size",
          score: clamp(0.25 + 0.15 * Math.log2(ratio / o.minRatio), 0.25, 0.9),
          detail:
            `${event.method} ${event.template}: ${isResp ? "response" : "request"} of ${bytes(size)} ` +
            `vs this agent's usual ${bytes(typicalBytes(t, i))} here (x${num(ratio)}, robust z ${num(robustZ(t, i, size))}, ` +
            `${t[i + SZ_N]} samples)`,
        });
      },
    };
  },
};
