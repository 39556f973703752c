/**
 * The matcher's view of version schemes: "is this version affected by these ranges in this namespace?"
 * and "compare two versions in this namespace". Backed by src/versioning (one scheme per ecosystem).
 */
import { schemeFor } from "../versioning/index.js";
import { inRange, isAffected, type RangeInterval, rangeInterval } from "../versioning/range.js";
import type { AffectedRange, VersionScheme } from "../versioning/types.js";

export interface VersionOracle {
  /** True when `version` falls in any of `ranges` or equals one of `versions`. Throws on an invalid version. */
  affected(namespace: string, version: string, ranges: AffectedRange[], versions: string[]): boolean;
  /** True when `version` falls in `range` (false for a GIT range). Throws on an invalid version. */
  inRange(namespace: string, version: string, range: AffectedRange): boolean;
  /**
   * The interval of `range` that holds `version` (undefined outside it), for reports: a range can hold
   * several. Optional: without it, a report names the whole range. Throws on an invalid version.
   */
  interval?(namespace: string, version: string, range: AffectedRange): RangeInterval | undefined;
  /** <0, 0, >0 in the namespace's scheme. Throws on an invalid version. */
  compare(namespace: string, a: string, b: string): number;
}

/** A namespace's scheme, looked up once (the matcher asks per range). */
const schemes = new Map<string, VersionScheme>();
function scheme(namespace: string): VersionScheme {
  let s = schemes.get(namespace);
  if (!s) {
    s = schemeFor(namespace);
    if (schemes.size < 10_000) schemes.set(namespace, s);
  }
  return s;
}

export const defaultVersionOracle: VersionOracle = {
  affected(namespace, version, ranges, versions) {
    return isAffected(scheme(namespace), version, ranges, versions);
  },
  inRange(namespace, version, range) {
    return inRange(scheme(namespace), version, range);
  },
  interval(namespace, version, range) {
    return rangeInterval(scheme(namespace), version, range);
  },
  compare(namespace, a, b) {
    return scheme(namespace).compare(a, b);
  },
};
