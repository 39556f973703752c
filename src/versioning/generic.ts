/**
 * Fallback ordering for ecosystems without a dedicated scheme. Versions are split into numeric and
 * alphabetic runs (separators ignored, a leading `v` dropped); numeric runs compare as numbers,
 * alphabetic runs case-insensitively; a number beats letters; when one version is a prefix of the
 * other, an extra alphabetic run means a pre-release (`1.0rc1 < 1.0`) and an extra number a later
 * release (`1.0 < 1.0.1`). This is a heuristic; matches made with it are less certain.
 */
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

type Segment = { num: true; digits: string } | { num: false; text: string };

const cache = new ParseCache<readonly Segment[]>();

export function parseGeneric(version: string): readonly Segment[] {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("generic", version, problem);
  const s = version.trim().replace(/^[vV](?=\d)/, "");
  const segments: Segment[] = [];
  for (const m of s.matchAll(/(\d+)|([A-Za-z]+)/g)) {
    if (m[1] !== undefined) segments.push({ num: true, digits: m[1].replace(/^0+(?=\d)/, "") });
    else segments.push({ num: false, text: m[2]!.toLowerCase() });
  }
  if (segments.length === 0) throw new InvalidVersionError("generic", version, "no digits or letters");
  cache.set(version, segments);
  return segments;
}

function compareSegments(a: readonly Segment[], b: readonly Segment[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.num && y.num) {
      if (x.digits.length !== y.digits.length) return x.digits.length < y.digits.length ? -1 : 1;
      if (x.digits !== y.digits) return x.digits < y.digits ? -1 : 1;
    } else if (!x.num && !y.num) {
      if (x.text !== y.text) return x.text < y.text ? -1 : 1;
    } else {
      return x.num ? 1 : -1;
    }
  }
  if (a.length === b.length) return 0;
  const extra = a.length > b.length ? a[n]! : b[n]!;
  const longerIsGreater = extra.num;
  return a.length > b.length === longerIsGreater ? 1 : -1;
}

export const generic: VersionScheme = {
  name: "generic",
  parse: parseGeneric,
  isValid(version: string): boolean {
    try {
      parseGeneric(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareSegments(parseGeneric(a), parseGeneric(b));
  },
};
