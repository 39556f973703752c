/**
 * Packagist/Composer versions, ordered as OSV evaluates the `Packagist` ecosystem: PHP's
 * `version_compare` on the version with a leading `v`/`V` dropped.
 * - canonical form: `-`, `_`, `+` become `.`; a `.` is inserted between digit and non-digit runs
 *   (`1.0rc1` → `1.0.rc.1`);
 * - numeric parts compare by value (arbitrary precision; PHP's strtol would saturate);
 * - other parts rank by prefix: `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < `#` (a number)
 *   < `pl`/`p`, case-sensitively as PHP does (`ALPHA` is not `alpha`); an unrecognised word ranks
 *   below `dev` (PHP's -1; osv-scalibr ranks it equal to `dev`);
 * - when one side runs out, a further number makes it greater, a further word is compared with `#`
 *   (so `1.0-beta < 1.0 < 1.0-p1`).
 * Composer's `normalize()` would additionally treat `1.0` and `1.0.0` as equal; OSV (and therefore
 * advisory matching) does not, and neither do we.
 */
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const cache = new ParseCache<readonly string[]>();

/** Canonical parts of a Packagist version. */
export function parseComposer(version: string): readonly string[] {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("composer", version, problem);
  let v = version.trim();
  if (/\s/.test(v)) throw new InvalidVersionError("composer", version, "contains whitespace");
  if (v.startsWith("v") || v.startsWith("V")) v = v.slice(1);
  if (v === "") throw new InvalidVersionError("composer", version, "empty version");
  const canonical = v
    .replace(/[-_+]/g, ".")
    .replace(/([^\d.])(\d)/g, "$1.$2")
    .replace(/(\d)([^\d.])/g, "$1.$2");
  const parts = canonical.split(".");
  cache.set(version, parts);
  return parts;
}

function weight(part: string): number {
  if (part.startsWith("RC")) return 3;
  if (part.startsWith("dev")) return 0;
  if (part.startsWith("a")) return 1;
  if (part.startsWith("b")) return 2;
  if (part.startsWith("rc")) return 3;
  if (part.startsWith("#")) return 4;
  if (part.startsWith("p")) return 5;
  return -1;
}

const NUMERIC = /^\d+$/;

function cmpNumber(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareParts(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xn = NUMERIC.test(x);
    const yn = NUMERIC.test(y);
    let c: number;
    if (xn && yn) c = cmpNumber(x, y);
    else if (!xn && !yn) c = Math.sign(weight(x) - weight(y));
    else c = xn ? Math.sign(weight("#") - weight(y)) : Math.sign(weight(x) - weight("#"));
    if (c !== 0) return c;
  }
  if (a.length > b.length) return NUMERIC.test(a[n]!) ? 1 : compareParts(a.slice(n), ["#"]);
  if (b.length > a.length) return NUMERIC.test(b[n]!) ? -1 : compareParts(["#"], b.slice(n));
  return 0;
}

export const composer: VersionScheme = {
  name: "composer",
  parse: parseComposer,
  isValid(version: string): boolean {
    try {
      parseComposer(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareParts(parseComposer(a), parseComposer(b));
  },
};
