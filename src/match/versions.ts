/**
 * The matcher's view of version schemes: "is this version affected by these ranges in this namespace?"
 * and "compare two versions in this namespace". Backed by src/versioning (one scheme per ecosystem).
 */
import { schemeFor } from "../versioning/index.js";
import { isAffected } from "../versioning/range.js";
import type { AffectedRange } from "../versioning/types.js";

export interface VersionOracle {
  /** True when `version` falls in any of `ranges` or equals one of `versions`. Throws on an invalid version. */
  affected(namespace: string, version: string, ranges: AffectedRange[], versions: string[]): boolean;
  /** <0, 0, >0 in the namespace's scheme. Throws on an invalid version. */
  compare(namespace: string, a: string, b: string): number;
}

export const defaultVersionOracle: VersionOracle = {
  affected(namespace, version, ranges, versions) {
    return isAffected(schemeFor(namespace), version, ranges, versions);
  },
  compare(namespace, a, b) {
    return schemeFor(namespace).compare(a, b);
  },
};
