/**
 * SemVer schemes built on the `semver` library (the implementation npm itself uses):
 * - `semver` (npm): parses loosely like npm (`v1.2.3`, `=1.2.3`, `1.2.3beta`), npm range syntax;
 * - `cargo`: strict SemVer 2.0 (crates.io rejects anything else), npm-style ranges as an approximation
 *   of Cargo's requirement syntax (both treat `^`, `~`, comparators and `*` alike);
 * (OSV's `SEMVER` range type uses `semver2.ts`.)
 */
import type { SemVer } from "semver";
import { lazyModule } from "../core/lazy.js";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type SchemeName, type VersionScheme } from "./types.js";

/**
 * Loaded on first use: a run that matches no npm/cargo/… package never needs them. The class alone for
 * parsing and ordering; the range functions only when a range is evaluated (the package's index loads
 * all of its ~45 files, a third of the modules of a `vigil cves` run).
 */
const SemVerClass = lazyModule<typeof import("semver/classes/semver.js")>("semver/classes/semver.js");
const satisfiesFn = lazyModule<typeof import("semver/functions/satisfies.js")>(
  "semver/functions/satisfies.js",
);
const validRangeFn = lazyModule<typeof import("semver/ranges/valid.js")>("semver/ranges/valid.js");

export interface SemverOptions {
  loose?: boolean;
  includePrerelease?: boolean;
}

function makeParser(scheme: SchemeName, options: SemverOptions) {
  const cache = new ParseCache<SemVer>();
  return (version: string): SemVer => {
    const hit = cache.get(version);
    if (hit) return hit;
    const problem = basicProblem(version);
    if (problem) throw new InvalidVersionError(scheme, version, problem);
    let parsed: SemVer;
    try {
      parsed = new (SemVerClass())(version, options);
    } catch (e) {
      throw new InvalidVersionError(
        scheme,
        version,
        (e as Error).message.replace(/^Invalid Version: .*$/, "not a semantic version"),
      );
    }
    cache.set(version, parsed);
    return parsed;
  };
}

function makeScheme(name: SchemeName, options: SemverOptions): VersionScheme {
  const parse = makeParser(name, options);
  return {
    name,
    parse,
    isValid(version: string): boolean {
      try {
        parse(version);
        return true;
      } catch {
        return false;
      }
    },
    compare(a: string, b: string): number {
      return parse(a).compare(parse(b));
    },
    satisfies(version: string, range: string): boolean {
      return npmSatisfies(parse(version).version, range, options, name);
    },
  };
}

/** npm range membership exactly as node-semver's `satisfies` (options: loose, includePrerelease). */
export function npmSatisfies(
  version: string,
  range: string,
  options: SemverOptions = {},
  scheme: SchemeName = "semver",
): boolean {
  const problem = basicProblem(range);
  if (problem) throw new InvalidVersionError(scheme, range, `range ${problem}`);
  if (validRangeFn()(range, options) === null)
    throw new InvalidVersionError(scheme, range, "not a valid range");
  return satisfiesFn()(version, range, options);
}

/** Compare two versions as npm does, with node-semver options (used by the corpus tests). */
export function compareNpm(a: string, b: string, options: SemverOptions = {}): number {
  const pa = makeParserCached(options)(a);
  const pb = makeParserCached(options)(b);
  return pa.compare(pb);
}

const parsersByOptions = new Map<string, (v: string) => SemVer>();
function makeParserCached(options: SemverOptions): (v: string) => SemVer {
  const key = `${options.loose ? 1 : 0}${options.includePrerelease ? 1 : 0}`;
  let p = parsersByOptions.get(key);
  if (!p) parsersByOptions.set(key, (p = makeParser("semver", options)));
  return p;
}

export const semver: VersionScheme = makeScheme("semver", { loose: true });
export const cargo: VersionScheme = makeScheme("cargo", {});
