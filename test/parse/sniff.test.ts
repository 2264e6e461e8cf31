/** hasQuoted, the fast key check behind format sniffing, agrees with String.includes. */
import { describe, expect, it } from "vitest";
import { hasQuoted } from "../../src/parse/sniff.js";

describe("hasQuoted", () => {
  it('answers as includes(`"name"`) does', () => {
    const lines = [
      '{"path":"/a","method":"GET"}',
      '{"x-envoy-origin-path":"/a"}', // a longer key ending in the name
      '{"note":"the \\"path\\" key","pathway":1}', // escaped quotes, a longer key starting with it
      '{"a":"path","b":"xpath"}',
      'path"',
      '"path',
      '"path"',
      "",
      '{"pa":"th"}',
    ];
    for (const line of lines) {
      for (const name of ["path", "method", "x-envoy-origin-path", "pathway", "th"]) {
        expect(hasQuoted(line, name), `${name} in ${line}`).toBe(line.includes(`"${name}"`));
      }
    }
  });

  it("agrees with includes on random text", () => {
    let state = 5;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const alphabet = 'ab"\\:';
    for (let i = 0; i < 5000; i++) {
      let line = "";
      for (let k = next(24); k > 0; k--) line += alphabet[next(alphabet.length)];
      for (const name of ["a", "ab", "ba", "aab"]) {
        expect(hasQuoted(line, name), `${name} in ${line}`).toBe(line.includes(`"${name}"`));
      }
    }
  });
});
