/**
 * Formatting for finding details: sizes, shares, rates and spans in the words an analyst reads.
 * Only called once a detector has decided to report, never on the no-finding path.
 */
export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function pct(share: number): string {
  const p = share * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

export function num(x: number): string {
  return x >= 100
    ? String(Math.round(x))
    : x >= 10
      ? x.toFixed(1).replace(/\.0$/, "")
      : x.toFixed(2).replace(/\.?0+$/, "");
}

export function span(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

/** Attacker-controlled text quoted in a detail: control characters removed, length bounded. */
export function quote(text: string, max = 80): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, "?");
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}

export const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
