/**
 * Python versions (PEP 440) via `@renovatebot/pep440`, a port of pypa/packaging's Version:
 * epochs, pre/post/dev releases, local versions, normalisation (`1.0-RC1` = `1.0rc1`).
 * Range specifiers (`>=1.0,<2`) via the same library's `satisfies`.
 */
import {
  explain,
  type Pep440Version,
  compare as pepCompare,
  satisfies as pepSatisfies,
  validRange,
} from "@renovatebot/pep440";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const cache = new ParseCache<Pep440Version>();

export function parsePep440(version: string): Pep440Version {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("pep440", version, problem);
  const parsed = explain(version);
  if (!parsed) throw new InvalidVersionError("pep440", version, "not a PEP 440 version");
  cache.set(version, parsed);
  return parsed;
}

export const pep440: VersionScheme = {
  name: "pep440",
  parse: parsePep440,
  isValid(version: string): boolean {
    try {
      parsePep440(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    parsePep440(a);
    parsePep440(b);
    const r = pepCompare(a, b);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  },
  satisfies(version: string, range: string): boolean {
    parsePep440(version);
    if (basicProblem(range) || !validRange(range))
      throw new InvalidVersionError("pep440", range, "not a valid specifier");
    return pepSatisfies(version, range);
  },
};
