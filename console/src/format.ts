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
export function enforcement(decision: { type: string; ratePerMinute?: number; shadow: boolean }): string {
  if (decision.shadow) return "shadow: decided, not enforced";
  if (decision.type === "throttle") return `gateways throttle to ${decision.ratePerMinute ?? 60}/min`;
  if (decision.type === "revoke") return "gateways block; tokens revoked";
  return "gateways block";
}
