/**
 * Licences from a Debian copyright file: DEP-5 `License:` fields (the short name on the field's first
 * line), else references to /usr/share/common-licenses/NAME in free-form files. Cheap by design: a
 * line scan, no licence-text classification.
 */

const MAX_LICENSES = 32;

export function licensesFromCopyright(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/^License:[ \t]*([^\r\n]*)$/gm)) {
    const value = m[1]!.trim();
    if (!value) continue;
    // "GPL-2+ or Artistic" and "(MIT or Apache-2.0) and BSD" stay whole: they are expressions.
    const name = value.replace(/\s+/g, " ").slice(0, 200);
    if (name.toLowerCase() === "other") continue;
    found.add(name);
    if (found.size >= MAX_LICENSES) break;
  }
  if (found.size === 0) {
    for (const m of text.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9][A-Za-z0-9.+_-]*)/g)) {
      found.add(m[1]!.replace(/\.$/, ""));
      if (found.size >= MAX_LICENSES) break;
    }
  }
  return [...found];
}
