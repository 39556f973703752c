/**
 * Vigil's text order for reports and listings: the Unicode root collation, which is what `localeCompare`
 * gives in an English locale, and the same on every machine whatever its locale (a report diffed in CI
 * does not change order with `LANG`).
 *
 * Strings of printable ASCII (nearly every package name, version, id and path) are compared through a
 * table of that order, without ICU: ICU's first use costs ~5 ms of every process that sorts a report.
 * Anything else goes to `Intl.Collator("en")`. A test checks the table against ICU on every pair of
 * printable ASCII characters and on random strings.
 */

/** Printable ASCII in root collation order; a letter's two cases share a place (case is compared last). */
const ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";

/** Primary weight per code unit 0x20–0x7e (the character's place in ORDER, both cases alike); 0 elsewhere. */
const PRIMARY = new Uint8Array(128);
for (let i = 0; i < ORDER.length; i++) {
  const c = ORDER.charCodeAt(i);
  PRIMARY[c] = i + 1;
  if (c >= 0x61 && c <= 0x7a) PRIMARY[c - 0x20] = i + 1;
}

let collator: Intl.Collator | undefined;

function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** -1, 0 or 1: `a` before, equal to, or after `b` in the root collation (see above). */
export function collate(a: string, b: string): number {
  if (a === b) return 0;
  if (!isPrintableAscii(a) || !isPrintableAscii(b)) {
    collator ??= new Intl.Collator("en");
    return Math.sign(collator.compare(a, b));
  }
  const n = Math.min(a.length, b.length);
  // Primary level: characters, case ignored; a proper prefix comes first.
  for (let i = 0; i < n; i++) {
    const pa = PRIMARY[a.charCodeAt(i)]!;
    const pb = PRIMARY[b.charCodeAt(i)]!;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  // Tertiary level: the first difference of case decides, lower case first.
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca > cb ? -1 : 1; // same letter, so the higher code unit is the lower case
  }
  return 0;
}
