/**
 * Text a human will read, made safe to show: characters that are invisible or change how the
 * rest displays (C0/C1 controls, newlines, bidi overrides and isolates, zero-width characters,
 * line/paragraph separators, soft hyphen, fillers) are shown escaped (`\n`, `\u202e`) instead.
 * Attackers choose paths, headers and ids; without this, a U+202E reverses an alert's text in a
 * chat client, and a newline starts a fake "resolved" paragraph. Used where alerts are built
 * (so every sink and the API get safe human fields) and by the chat sinks' own escaping.
 */

/** Code point ranges of the invisible or display-changing characters (see the header). */
const INVISIBLE_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x001f], // C0 controls, newline, tab
  [0x007f, 0x009f], // DEL, C1 controls
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x061c, 0x061c], // Arabic letter mark
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5], // Khmer invisible vowels
  [0x180b, 0x180f], // Mongolian variation selectors, vowel separator
  [0x200b, 0x200f], // zero-width space/joiners, LRM, RLM
  [0x2028, 0x202e], // line/paragraph separators, bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // zero-width no-break space (BOM)
  [0xffa0, 0xffa0], // half-width Hangul filler
  [0xfff9, 0xfffb], // interlinear annotation
];

const hex4 = (c: number) => c.toString(16).padStart(4, "0");
const CLASS = `[${INVISIBLE_RANGES.map(([from, to]) => `\\u${hex4(from)}-\\u${hex4(to)}`).join("")}]`;
const INVISIBLE = new RegExp(CLASS, "g");
const INVISIBLE_ONE = new RegExp(CLASS);

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(c: string): string {
  return NAMED[c] ?? `\\u${hex4(c.charCodeAt(0))}`;
}

/** Whether `text` holds any character `visibleText` would escape. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE_ONE.test(text);
}

/** `text` with every invisible or display-changing character shown escaped; the same string when there is none. */
export function visibleText(text: string): string {
  return hasInvisible(text) ? text.replace(INVISIBLE, escapeOne) : text;
}
