/**
 * NuGet versions, ordered as NuGet.Versioning's VersionComparer (default mode):
 * `Major[.Minor[.Patch[.Revision]]][-label(.label)*][+metadata]`, missing parts are 0 (`1.0` =
 * `1.0.0.0`), leading zeros allowed (`1.0.01` = `1.0.1`); a release sorts after its pre-releases;
 * labels compare one by one — numeric labels by value and before alphanumeric ones, alphanumeric
 * labels case-insensitively (ordinal) — and fewer labels sort first; metadata is ignored.
 * Numbers are compared with arbitrary precision (NuGet itself stops at 2^31).
 */

import { basicProblem, ParseCache } from "./cache.js";
import { compareDigits, compareIdentifiers, stripZeros } from "./identifiers.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

export interface NugetVersion {
  readonly parts: readonly string[];
  readonly labels: readonly string[];
  readonly metadata: string;
}

const RE =
  /^(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

const cache = new ParseCache<NugetVersion>();

export function parseNuget(version: string): NugetVersion {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("nuget", version, problem);
  const m = RE.exec(version.trim());
  if (!m)
    throw new InvalidVersionError(
      "nuget",
      version,
      "not a NuGet version (1-4 numbers, optional -prerelease and +metadata)",
    );
  const parts = m[1]!.split(".").map(stripZeros);
  while (parts.length < 4) parts.push("0");
  const parsed: NugetVersion = { parts, labels: m[2] ? m[2].split(".") : [], metadata: m[3] ?? "" };
  cache.set(version, parsed);
  return parsed;
}

export function compareNugetParsed(a: NugetVersion, b: NugetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(a.parts[i]!, b.parts[i]!);
    if (c) return c;
  }
  if (a.labels.length === 0 || b.labels.length === 0) {
    return a.labels.length === b.labels.length ? 0 : a.labels.length === 0 ? 1 : -1;
  }
  return compareIdentifiers(a.labels, b.labels, true);
}

export const nuget: VersionScheme = {
  name: "nuget",
  parse: parseNuget,
  isValid(version: string): boolean {
    try {
      parseNuget(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareNugetParsed(parseNuget(a), parseNuget(b));
  },
};
