/**
 * RubyGems versions, ordered exactly as Gem::Version#<=> (rubygems/version.rb):
 * validity by Gem::Version's ANCHORED_VERSION_PATTERN (blank means "0"); `-` becomes `.pre.`;
 * segments are digit runs (numbers) and letter runs (strings, which make a pre-release);
 * trailing zero segments are dropped from both the release and the pre-release parts; then
 * segment-wise: a string is lower than a number, numbers by value (arbitrary precision),
 * strings by byte order, a missing segment counts as 0.
 * Requirements (`~> 1.2`, `>= 1, < 2`) use `@renovatebot/ruby-semver`'s `satisfies`.
 */
import { lazyModule } from "../core/lazy.js";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const rubySemver = lazyModule<typeof import("@renovatebot/ruby-semver")>("@renovatebot/ruby-semver");

/** A segment: a number as a digit string without leading zeros (prefixed "#"), or letters. */
export type GemSegment = { readonly num: string } | { readonly str: string };

const PATTERN = /^\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;

const cache = new ParseCache<readonly GemSegment[]>();

/** Canonical segments of a gem version (throws InvalidVersionError when malformed). */
export function parseGem(version: string): readonly GemSegment[] {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("gem", version, problem);
  if (!PATTERN.test(version))
    throw new InvalidVersionError("gem", version, "malformed version number string");
  const text = version.trim() === "" ? "0" : version.trim().replace(/-/g, ".pre.");
  const all: GemSegment[] = [];
  for (const m of text.matchAll(/[0-9]+|[a-z]+/gi)) {
    const s = m[0];
    all.push(/^\d/.test(s) ? { num: s.replace(/^0+(?=\d)/, "") } : { str: s });
  }
  const firstString = all.findIndex((s) => "str" in s);
  const numeric = firstString < 0 ? all : all.slice(0, firstString);
  const rest = firstString < 0 ? [] : all.slice(firstString);
  const trim = (segs: GemSegment[]): GemSegment[] => {
    let end = segs.length;
    while (end > 0) {
      const s = segs[end - 1]!;
      if ("num" in s && s.num === "0") end--;
      else break;
    }
    return segs.slice(0, end);
  };
  const canonical = [...trim(numeric), ...trim(rest)];
  cache.set(version, canonical);
  return canonical;
}

const ZERO: GemSegment = { num: "0" };

export function compareGemSegments(a: readonly GemSegment[], b: readonly GemSegment[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? ZERO;
    const y = b[i] ?? ZERO;
    if ("num" in x && "num" in y) {
      if (x.num === y.num) continue;
      if (x.num.length !== y.num.length) return x.num.length < y.num.length ? -1 : 1;
      return x.num < y.num ? -1 : 1;
    }
    if ("str" in x && "str" in y) {
      if (x.str === y.str) continue;
      return x.str < y.str ? -1 : 1;
    }
    return "str" in x ? -1 : 1;
  }
  return 0;
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
    return compareGemSegments(parseGem(a), parseGem(b));
  },
  satisfies(version: string, range: string): boolean {
    parseGem(version);
    if (basicProblem(range)) throw new InvalidVersionError("gem", range, "not a valid requirement");
    return rubySemver().satisfies(version, range);
  },
};
