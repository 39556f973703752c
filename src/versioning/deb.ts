/**
 * Debian package versions, ordered exactly as dpkg does (lib/dpkg/version.c `verrevcmp`,
 * lib/dpkg/parsehelp.c `parseversion`): `[epoch:]upstream[-revision]`.
 *
 * Validation follows dpkg: an empty string, a bad epoch, an empty upstream part or an empty
 * revision (a trailing `-`) are errors. dpkg only *warns* about an upstream part that does not
 * start with a digit or characters outside `[A-Za-z0-9.+~:-]`; `dpkg --compare-versions` still
 * compares such versions, and so do we — they are kept in `warnings`.
 */
import { basicProblem, ParseCache, sign } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

export interface DebVersion {
  readonly epoch: number;
  readonly upstream: string;
  /** "" when absent (dpkg treats an absent revision like "" which compares equal to "0"). */
  readonly revision: string;
  /** dpkg's non-fatal complaints ("version number does not start with digit", ...). */
  readonly warnings: readonly string[];
}

const cache = new ParseCache<DebVersion>();

function fail(version: string, reason: string): never {
  throw new InvalidVersionError("deb", version, reason);
}

export function parseDeb(version: string): DebVersion {
  const cached = cache.get(version);
  if (cached) return cached;
  const problem = basicProblem(version);
  if (problem) fail(version, problem);
  const s = version.trim();
  if (s === "") fail(version, "version string is empty");
  if (/\s/.test(s)) fail(version, "version string has embedded spaces");
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(":");
  if (colon >= 0) {
    const e = s.slice(0, colon);
    if (e === "") fail(version, "epoch in version is empty");
    if (!/^[0-9]+$/.test(e)) fail(version, "epoch in version is not number");
    epoch = Number(e);
    if (epoch > 2147483647) fail(version, "epoch in version is too big");
    rest = s.slice(colon + 1);
    if (rest === "") fail(version, "nothing after colon in version number");
  }
  let upstream = rest;
  let revision = "";
  const hyphen = rest.lastIndexOf("-");
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === "") fail(version, "revision number is empty");
  }
  if (upstream === "") fail(version, "version number is empty");
  const warnings: string[] = [];
  if (!/^[0-9]/.test(upstream)) warnings.push("version number does not start with digit");
  if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream)) warnings.push("invalid character in version number");
  if (!/^[A-Za-z0-9.+~]*$/.test(revision)) warnings.push("invalid character in revision number");
  const parsed: DebVersion = { epoch, upstream, revision, warnings };
  cache.set(version, parsed);
  return parsed;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** dpkg's character weight: end and digits 0, `~` first, letters next, everything else after. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** dpkg's verrevcmp on one part (upstream or revision). */
export function debPartCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    let firstDiff = 0;
    while ((i < la && !isDigit(a.charCodeAt(i))) || (j < lb && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < la ? a.charCodeAt(i) : Number.NaN);
      const bc = order(j < lb ? b.charCodeAt(j) : Number.NaN);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (i < la && a.charCodeAt(i) === 48) i++;
    while (j < lb && b.charCodeAt(j) === 48) j++;
    while (i < la && j < lb && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < la && isDigit(a.charCodeAt(i))) return 1;
    if (j < lb && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

export function compareDebParsed(a: DebVersion, b: DebVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const u = debPartCompare(a.upstream, b.upstream);
  if (u) return sign(u);
  return sign(debPartCompare(a.revision, b.revision));
}

export const deb: VersionScheme = {
  name: "deb",
  parse: parseDeb,
  isValid(version: string): boolean {
    try {
      parseDeb(version);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    if (a === b) {
      parseDeb(a);
      return 0;
    }
    return compareDebParsed(parseDeb(a), parseDeb(b));
  },
};
