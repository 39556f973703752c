/**
 * Go module versions, ordered as golang.org/x/mod/semver: `vMAJOR[.MINOR[.PATCH[-pre][+build]]]`
 * (the shorthands `v1` and `v1.2` mean v1.0.0 and v1.2.0), SemVer 2.0 precedence, build metadata
 * such as `+incompatible` ignored. Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
 * `v1.2.4-0.2019…-hash`) are pre-releases and order by their timestamp as Go intends.
 *
 * Also accepted, because real inputs carry them:
 * - no leading `v` (OSV's Go ranges are written without it: `"fixed": "1.2.3"`), also for the
 *   shorthands (`1.19` from a go.mod `go 1.19` directive is 1.19.0, as osv.dev reads it);
 * - Go toolchain versions for the `stdlib`/`toolchain` modules: `go1.21.3`, `go1.20`, `go1.21rc2`
 *   (= v1.21.0-rc.2), `go1.9beta1`, as Go's vulnerability database maps them.
 */
import { basicProblem, ParseCache } from "./cache.js";
import { compareSemver2Parsed, type Semver2 } from "./semver2.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const NUM = "(0|[1-9]\\d*)";
const IDENT = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const PRE = `(?:-(${IDENT}(?:\\.${IDENT})*))`;
const BUILD = "(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))";
const FULL = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}${PRE}?${BUILD}?$`);
const SHORT = new RegExp(`^v?${NUM}(?:\\.${NUM})?$`);
const TOOLCHAIN = /^go(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:(beta|rc)([1-9]\d*))?$/;

const cache = new ParseCache<Semver2>();

export function parseGolang(version: string): Semver2 {
  const hit = cache.get(version);
  if (hit) return hit;
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("golang", version, problem);
  let parsed: Semver2;
  let m: RegExpExecArray | null;
  if ((m = FULL.exec(version))) {
    parsed = { release: [m[1]!, m[2]!, m[3]!], pre: m[4] ? m[4].split(".") : [], build: m[5] ?? "" };
  } else if ((m = SHORT.exec(version))) {
    parsed = { release: [m[1]!, m[2] ?? "0", "0"], pre: [], build: "" };
  } else if ((m = TOOLCHAIN.exec(version))) {
    parsed = { release: [m[1]!, m[2] ?? "0", m[3] ?? "0"], pre: m[4] ? [m[4], m[5]!] : [], build: "" };
  } else {
    throw new InvalidVersionError(
      "golang",
      version,
      "not a Go module version (vMAJOR.MINOR.PATCH[-pre][+build])",
    );
  }
  cache.set(version, parsed);
  return parsed;
}

/** Is this a pseudo-version (a commit, not a tag)? */
export function isPseudoVersion(version: string): boolean {
  return /^v?\d+\.\d+\.\d+-(?:(?:[0-9A-Za-z-]+\.)?0\.)?\d{14}-[0-9a-f]{12}(?:\+[0-9A-Za-z-.]+)?$/.test(
    version,
  );
}

export const golang: VersionScheme = {
  name: "golang",
  parse: parseGolang,
  isValid(version: string): boolean {
    try {
      parseGolang(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareSemver2Parsed(parseGolang(a), parseGolang(b));
  },
};
