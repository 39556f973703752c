/**
 * SemVer 2.0 precedence (semver.org §11) for OSV `SEMVER` ranges, hand-written so that it is
 * exact and tolerant where real OSV data is not strict:
 * - a leading `v` is ignored, missing minor/patch count as 0 (`1.2` = `1.2.0`), and extra numeric
 *   components are compared too (`1.1.3.4.5`), missing ones as 0;
 * - numbers are compared as arbitrary-length digit strings (no 2^53 limit);
 * - pre-release identifiers: numeric < alphanumeric, numeric by value, others by ASCII; a shorter
 *   list of equal identifiers is lower; any pre-release is lower than the release;
 * - build metadata (`+...`) is ignored.
 */

import { basicProblem, ParseCache } from "./cache.js";
import { compareDigits, compareIdentifiers, stripZeros } from "./identifiers.js";
import { InvalidVersionError, type SchemeName, type VersionScheme } from "./types.js";

export interface Semver2 {
  /** Numeric components without leading zeros, at least three. */
  readonly release: readonly string[];
  /** Pre-release identifiers; empty for a release. */
  readonly pre: readonly string[];
  readonly build: string;
}

const RE =
  /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

const caches = new Map<SchemeName, ParseCache<Semver2>>();

/** Parse leniently as described above; errors name `scheme`. */
export function parseSemver2(version: string, scheme: SchemeName = "semver"): Semver2 {
  let cache = caches.get(scheme);
  if (!cache) caches.set(scheme, (cache = new ParseCache<Semver2>()));
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError(scheme, version, problem);
  const m = RE.exec(version.trim());
  if (!m) throw new InvalidVersionError(scheme, version, "not a semantic version");
  const release = m[1]!.split(".").map(stripZeros);
  while (release.length < 3) release.push("0");
  const parsed: Semver2 = { release, pre: m[2] ? m[2].split(".") : [], build: m[3] ?? "" };
  cache.set(version, parsed);
  return parsed;
}

export function compareSemver2Parsed(a: Semver2, b: Semver2): number {
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(a.release[i] ?? "0", b.release[i] ?? "0");
    if (c) return c;
  }
  if (a.pre.length === 0 || b.pre.length === 0) {
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  }
  return compareIdentifiers(a.pre, b.pre);
}

/**
 * Dart pub_semver order: SemVer 2.0 precedence, then build metadata — no build sorts before any
 * build, builds compare like pre-release identifiers (`1.2.3 < 1.2.3+1 < 1.2.3+a`).
 */
export function comparePubParsed(a: Semver2, b: Semver2): number {
  const c = compareSemver2Parsed(a, b);
  if (c !== 0) return c;
  if (a.build === b.build) return 0;
  if (a.build === "" || b.build === "") return a.build === "" ? -1 : 1;
  return compareIdentifiers(a.build.split("."), b.build.split("."));
}

/** SemVer 2.0 precedence for OSV `SEMVER` ranges (errors say "semver"). */
export const semver2: VersionScheme = {
  name: "semver",
  parse: (v: string) => parseSemver2(v),
  isValid(version: string): boolean {
    try {
      parseSemver2(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareSemver2Parsed(parseSemver2(a), parseSemver2(b));
  },
};

/** Dart/Flutter packages (pub.dev): SemVer with build metadata ordered (pub_semver). */
export const pub: VersionScheme = {
  name: "pub",
  parse: (v: string) => parseSemver2(v, "pub"),
  isValid(version: string): boolean {
    try {
      parseSemver2(version, "pub");
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return comparePubParsed(parseSemver2(a, "pub"), parseSemver2(b, "pub"));
  },
};
