/** Helpers shared by the catalogers of text package databases (dpkg status, apk installed). */

/**
 * Blanks out every paragraph (a run of non-empty lines between blank lines) that holds a NUL byte: a
 * block of zeros that a crash or a damaged disk left inside a text database, or a binary file at its
 * path. Blanked lines stay as empty lines, so later line numbers still hold. Returns the text and the
 * first line (1-based) of each paragraph blanked, in order.
 */
export function blankBinaryParagraphs(text: string): { text: string; lines: number[] } {
  if (!text.includes("\u0000")) return { text, lines: [] };
  const src = text.split("\n");
  const out: string[] = new Array(src.length);
  const lines: number[] = [];
  let i = 0;
  while (i < src.length) {
    if (src[i] === "" || src[i] === "\r") {
      out[i] = src[i]!;
      i++;
      continue;
    }
    let j = i;
    let binary = false;
    while (j < src.length && src[j] !== "" && src[j] !== "\r") {
      if (src[j]!.includes("\u0000")) binary = true;
      j++;
    }
    for (let k = i; k < j; k++) out[k] = binary ? "" : src[k]!;
    if (binary) lines.push(i + 1);
    i = j;
  }
  return { text: out.join("\n"), lines };
}
