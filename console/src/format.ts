/** Small formatting helpers shared by the pages. */

export const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** ISO time as `YYYY-MM-DD HH:MM:SS` UTC (event times are UTC; the browser's zone would mislead). */
export const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** What enforces a decision, in the words of the people who run the gateways. */
export function enforcement(decision: {
  type: string;
  ratePerMinute?: number;
  shadow: boolean;
  tokenHashes?: string[];
  notRevoked?: string;
}): string {
  if (decision.shadow) return "shadow: decided, not enforced";
  if (decision.type === "throttle") return `gateways throttle to ${decision.ratePerMinute ?? 60}/min`;
  const tokens = decision.tokenHashes?.length ?? 0;
  if (decision.type === "revoke")
    return `gateways block; ${tokens === 1 ? "1 token" : `${tokens} tokens`} revoked`;
  return decision.notRevoked ? `gateways block (not revoked: ${decision.notRevoked})` : "gateways block";
}

/** Who a decision applies to: `jwt sub-42`, `ip 10.1.0.0/16`. */
export const scopeOf = (decision: { identity?: { kind: string; value: string } }): string =>
  decision.identity ? `${decision.identity.kind} ${decision.identity.value}` : "–";
