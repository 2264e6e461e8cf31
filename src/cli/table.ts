/**
 * Output of the API commands: aligned columns for people, colours only on a terminal (and never
 * with NO_COLOR), or the API's JSON as is with `-o json` for scripts.
 */

export type OutputFormat = "table" | "json";

const COLOURS = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof COLOURS;

export interface Cell {
  text: string;
  colour?: Colour;
}

export class Terminal {
  readonly colour: boolean;
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.colour = out.isTTY === true && !process.env.NO_COLOR;
  }

  paint(text: string, colour: Colour | undefined): string {
    return this.colour && colour ? `\u001b[${COLOURS[colour]}m${text}\u001b[0m` : text;
  }

  write(text: string): void {
    this.out.write(text);
  }

  /** Columns padded to their widest cell (colour codes do not count); an empty list says so. */
  table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<Cell | string>>, empty: string): void {
    if (rows.length === 0) {
      this.write(`${empty}\n`);
      return;
    }
    const cells = rows.map((row) => row.map((cell) => (typeof cell === "string" ? { text: cell } : cell)));
    const widths = headers.map((header, i) =>
      Math.max(header.length, ...cells.map((row) => row[i]?.text.length ?? 0)),
    );
    const line = (row: Cell[]) =>
      row
        .map((cell, i) =>
          i === row.length - 1
            ? this.paint(cell.text, cell.colour)
            : this.paint(cell.text.padEnd(widths[i] ?? 0), cell.colour),
        )
        .join("  ")
        .trimEnd();
    this.write(`${line(headers.map((text) => ({ text, colour: "bold" as const })))}\n`);
    for (const row of cells) this.write(`${line(row)}\n`);
  }
}

const TIER_COLOURS: Record<string, Colour> = { critical: "red", high: "red", medium: "yellow", low: "cyan" };

export const tierCell = (tier: string): Cell => ({ text: tier, colour: TIER_COLOURS[tier] ?? "dim" });

/**
 * `in 14m`, `3h ago`: how far an ISO time is from now, for people; the time itself when it is
 * more than a week away (event times of a replayed or delayed log can be).
 */
export function relativeTime(iso: string, now = Date.now()): string {
  const delta = Date.parse(iso) - now;
  const seconds = Math.abs(delta) / 1000;
  if (seconds > 7 * 86_400) return `${iso.slice(0, 16).replace("T", " ")}Z`;
  const text =
    seconds < 90
      ? `${Math.round(seconds)}s`
      : seconds < 5400
        ? `${Math.round(seconds / 60)}m`
        : seconds < 172_800
          ? `${Math.round(seconds / 3600)}h`
          : `${Math.round(seconds / 86_400)}d`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}
