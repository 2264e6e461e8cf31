/**
 * Splits the text access-log formats (nginx, Envoy) into space-separated fields, where a field
 * is either a bare word or a double-quoted string. Quotes are removed; backslash escapes inside
 * quotes are kept verbatim (nginx writes `\x22` for a quote, Apache `\"`; both stay as logged,
 * because the detectors want to see what the client sent, and unescaping would let `\x20`
 * smuggle a field separator).
 */
export class Tokenizer {
  private text = "";
  private pos = 0;
  private end = 0;
  /** True when the last token was quoted (so `"-"` can be told from a missing field). */
  quoted = false;

  reset(text: string, from = 0, to = text.length): this {
    this.text = text;
    this.pos = from;
    this.end = to;
    return this;
  }

  get position(): number {
    return this.pos;
  }

  /** The next field, or undefined at the end of the text or on an unterminated quote. */
  next(): string | undefined {
    const s = this.text;
    let i = this.pos;
    while (i < this.end && s.charCodeAt(i) === 32) i++;
    if (i >= this.end) {
      this.pos = i;
      return undefined;
    }
    if (s.charCodeAt(i) === 34) {
      let j = i + 1;
      while (j < this.end) {
        const c = s.charCodeAt(j);
        if (c === 92) j += 2;
        else if (c === 34) break;
        else j++;
      }
      if (j >= this.end) {
        this.pos = this.end;
        return undefined;
      }
      this.pos = j + 1;
      this.quoted = true;
      return s.slice(i + 1, j);
    }
    let j = i;
    while (j < this.end && s.charCodeAt(j) !== 32) j++;
    this.pos = j;
    this.quoted = false;
    return s.slice(i, j);
  }
}

/** `METHOD target PROTOCOL` (or HTTP/0.9 `METHOD target`) split into method and target. */
export interface RequestLine {
  method: string;
  target: string;
}

function isMethodToken(s: string, end: number): boolean {
  if (end === 0 || end > 16) return false;
  const first = s.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return false; // A-Z - _
  }
  return true;
}

/**
 * Splits a logged request line. Returns false when it is not one (empty, TLS bytes sent to a
 * plain-HTTP port, a scanner's garbage): the caller decides what such a request becomes.
 */
export function splitRequestLine(line: string, out: RequestLine): boolean {
  const firstSpace = line.indexOf(" ");
  if (firstSpace <= 0 || !isMethodToken(line, firstSpace)) return false;
  let end = line.length;
  const lastSpace = line.lastIndexOf(" ");
  if (lastSpace > firstSpace && line.startsWith("HTTP/", lastSpace + 1)) end = lastSpace;
  const target = line.slice(firstSpace + 1, end).trim();
  if (target === "") return false;
  out.method = line.slice(0, firstSpace);
  out.target = target;
  return true;
}
