/**
 * RPM versions: `[epoch:]version[-release]`, each part ordered by rpm's `rpmvercmp`
 * (rpmio/rpmvercmp.c): alternating alphabetic and numeric segments, separators ignored,
 * `~` sorts before everything (even the end), `^` after the end but before any other segment,
 * numeric segments beat alphabetic ones.
 *
 * E:V-R splitting follows rpm's `rpmverParseEVR`: the epoch is the run of leading digits before a
 * `:` (otherwise the colon is part of the version); the release follows the last `-`.
 * A missing epoch is "0". A missing release sorts *before* any present release (so `1.0 < 1.0-1`),
 * which is what vulnerability matching needs (osv-scalibr, go-rpm-version and Red Hat's OVAL
 * tooling agree); rpm's dependency solver instead ignores a missing release.
 */
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

export interface RpmVersion {
  readonly epoch: string;
  readonly version: string;
  /** undefined when the string has no `-`. */
  readonly release: string | undefined;
}

const cache = new ParseCache<RpmVersion>();

export function parseRpm(evr: string): RpmVersion {
  const cached = cache.get(evr);
  if (cached) return cached;
  const problem = basicProblem(evr);
  if (problem) throw new InvalidVersionError("rpm", evr, problem);
  if (/\s/.test(evr)) throw new InvalidVersionError("rpm", evr, "contains whitespace");
  let epoch = "0";
  let rest = evr;
  let k = 0;
  while (k < evr.length && evr.charCodeAt(k) >= 48 && evr.charCodeAt(k) <= 57) k++;
  if (evr[k] === ":") {
    if (k > 0) epoch = evr.slice(0, k);
    rest = evr.slice(k + 1);
  }
  const dash = rest.lastIndexOf("-");
  const parsed: RpmVersion =
    dash >= 0
      ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) }
      : { epoch, version: rest, release: undefined };
  cache.set(evr, parsed);
  return parsed;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** rpm's rpmvercmp: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la) {
      const c = a.charCodeAt(i);
      if (isDigit(c) || isAlpha(c) || c === 126 || c === 94) break;
      i++;
    }
    while (j < lb) {
      const c = b.charCodeAt(j);
      if (isDigit(c) || isAlpha(c) || c === 126 || c === 94) break;
      j++;
    }
    const ca = i < la ? a.charCodeAt(i) : 0;
    const cb = j < lb ? b.charCodeAt(j) : 0;
    if (ca === 126 || cb === 126) {
      if (ca !== 126) return 1;
      if (cb !== 126) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === 94 || cb === 94) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== 94) return 1;
      if (cb !== 94) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;
    let ei = i;
    let ej = j;
    const isNum = isDigit(ca);
    if (isNum) {
      while (ei < la && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < lb && isDigit(b.charCodeAt(ej))) ej++;
    } else {
      while (ei < la && isAlpha(a.charCodeAt(ei))) ei++;
      while (ej < lb && isAlpha(b.charCodeAt(ej))) ej++;
    }
    if (ej === j) return isNum ? 1 : -1;
    let sa = i;
    let sb = j;
    if (isNum) {
      while (sa < ei && a.charCodeAt(sa) === 48) sa++;
      while (sb < ej && b.charCodeAt(sb) === 48) sb++;
      if (ei - sa !== ej - sb) return ei - sa > ej - sb ? 1 : -1;
    }
    const x = a.slice(sa, ei);
    const y = b.slice(sb, ej);
    if (x !== y) return x < y ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= la && j >= lb) return 0;
  return i < la ? 1 : -1;
}

export function compareRpmParsed(a: RpmVersion, b: RpmVersion): number {
  const e = rpmvercmp(a.epoch, b.epoch);
  if (e) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v) return v;
  if (a.release === undefined || b.release === undefined) {
    if (a.release === b.release) return 0;
    return a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

export const rpm: VersionScheme = {
  name: "rpm",
  parse: parseRpm,
  isValid(version: string): boolean {
    try {
      parseRpm(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareRpmParsed(parseRpm(a), parseRpm(b));
  },
};
