/**
 * RubyGems versions via `@renovatebot/ruby-semver` (a port of Gem::Version): segments split on
 * `.` and letter/digit boundaries, a letter segment marks a pre-release (`1.0.a < 1.0`), trailing
 * zero segments ignored (`1.0 = 1`). Requirements (`~> 1.2`, `>= 1, < 2`) via its `satisfies`.
 */
import { satisfies as gemSatisfies } from "@renovatebot/ruby-semver";
import { Version } from "@renovatebot/ruby-semver/dist/ruby/version.js";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const cache = new ParseCache<Version>();

export function parseGem(version: string): Version {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("gem", version, problem);
  if (!Version.isCorrect(version))
    throw new InvalidVersionError("gem", version, "malformed version number string");
  const parsed = new Version(version);
  cache.set(version, parsed);
  return parsed;
}

export const gem: VersionScheme = {
  name: "gem",
  parse: parseGem,
  isValid(version: string): boolean {
    try {
      parseGem(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    const r = parseGem(a).compare(parseGem(b));
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  },
  satisfies(version: string, range: string): boolean {
    parseGem(version);
    if (basicProblem(range)) throw new InvalidVersionError("gem", range, "not a valid requirement");
    return gemSatisfies(version, range);
  },
};
