/**
 * Licences from a Debian copyright file: DEP-5 `License:` fields (the short name on the field's first
 * line), else references to /usr/share/common-licenses/NAME in free-form files. Cheap by design: a
 * native byte search over the file, decoding only the matched lines; no licence-text classification.
 */

const MAX_LICENSES = 32;
const LICENSE = Buffer.from("License:");
const COMMON = Buffer.from("/usr/share/common-licenses/");
const NL = 10;

export function licensesFromCopyright(content: Buffer | string): string[] {
  const buf = typeof content === "string" ? Buffer.from(content) : content;
  const found = new Set<string>();
  let pos = 0;
  while (found.size < MAX_LICENSES) {
    const at = buf.indexOf(LICENSE, pos);
    if (at < 0) break;
    pos = at + LICENSE.length;
    if (at > 0 && buf[at - 1] !== NL) continue; // only at the start of a line
    let end = buf.indexOf(NL, pos);
    if (end < 0) end = buf.length;
    // "GPL-2+ or Artistic" and "(MIT or Apache-2.0) and BSD" stay whole: they are expressions.
    const value = buf
      .toString("utf8", pos, Math.min(end, pos + 200))
      .replace(/\s+/g, " ")
      .trim();
    if (value && value.toLowerCase() !== "other") found.add(value);
  }
  if (found.size === 0) {
    pos = 0;
    while (found.size < MAX_LICENSES) {
      const at = buf.indexOf(COMMON, pos);
      if (at < 0) break;
      pos = at + COMMON.length;
      let end = pos;
      while (end < buf.length && end < pos + 64 && /[A-Za-z0-9.+_-]/.test(String.fromCharCode(buf[end]!)))
        end++;
      const name = buf.toString("latin1", pos, end).replace(/\.+$/, "");
      if (/^[A-Za-z0-9]/.test(name)) found.add(name);
    }
  }
  return [...found];
}
