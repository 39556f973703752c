/** Helpers shared by the catalogers of text package databases (dpkg status, apk installed). */

/**
 * Binary bytes in a text database: a NUL, or a long run of bytes that are not UTF-8 (decoded as U+FFFD).
 * Short runs are legacy text (a Latin-1 letter, a few characters of EUC-JP in a maintainer's name) and
 * stay; 32 in a row are not text.
 */
const BINARY = /\u0000|\uFFFD{32}/;

/**
 * Blanks out every paragraph (a run of lines between blank lines) that holds binary bytes:
 * a block of zeros that a crash or a damaged disk left inside a text database (or of 0xff, an erased
 * flash block), or a binary file at its path. Blanked lines stay as empty lines, so later line numbers
 * still hold. Returns the text and the first line (1-based) of each paragraph blanked, in order.
 */
export function blankBinaryParagraphs(text: string): { text: string; lines: number[] } {
  if (!BINARY.test(text)) return { text, lines: [] };
  const src = text.split("\n");
  // Blank as the parsers read it: empty, or only spaces, tabs and a carriage return.
  const blank = (line: string) => /^[ \t\r]*$/.test(line);
  const out: string[] = new Array(src.length);
  const lines: number[] = [];
  let i = 0;
  while (i < src.length) {
    if (blank(src[i]!)) {
      out[i] = src[i]!;
      i++;
      continue;
    }
    let j = i;
    let binary = false;
    while (j < src.length && !blank(src[j]!)) {
      if (BINARY.test(src[j]!)) binary = true;
      j++;
    }
    for (let k = i; k < j; k++) out[k] = binary ? "" : src[k]!;
    if (binary) lines.push(i + 1);
    i = j;
  }
  return { text: out.join("\n"), lines };
}
