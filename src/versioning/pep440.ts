/**
 * Python versions (PEP 440) via `@renovatebot/pep440`, a port of pypa/packaging's Version:
 * epochs, pre/post/dev releases, local versions, normalisation (`1.0-RC1` = `1.0rc1`).
 * Range specifiers (`>=1.0,<2`) via the same library's `satisfies`.
 * Ordering is packaging's `_cmpkey`, computed here on the library's parsed form so that a compare
 * costs no regex work once both sides are cached (the library's own `compare` re-parses each time).
 */
import type { Pep440Version } from "@renovatebot/pep440";
import { lazyModule } from "../core/lazy.js";
import { basicProblem, ParseCache } from "./cache.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

const pep440Lib = lazyModule<typeof import("@renovatebot/pep440")>("@renovatebot/pep440");

const cache = new ParseCache<Pep440Version>();

/** Plain releases ("2.31.0"), most versions in practice: no need for the library's full grammar. */
const PLAIN_RELEASE = /^\d{1,15}(?:\.\d{1,15})*$/;

/** What the library's explain() gives for a plain release, built directly (a test checks they agree). */
export function plainRelease(version: string): Pep440Version | undefined {
  if (!PLAIN_RELEASE.test(version)) return undefined;
  const release = version.split(".").map(Number);
  const text = release.join(".");
  return {
    epoch: 0,
    release,
    pre: null,
    post: null,
    dev: null,
    local: null,
    public: text,
    base_version: text,
    is_prerelease: false,
    is_devrelease: false,
    is_postrelease: false,
  } as unknown as Pep440Version;
}

export function parsePep440(version: string): Pep440Version {
  const hit = cache.get(version);
  if (hit) return hit;
  const plain = plainRelease(version);
  if (plain) {
    cache.set(version, plain);
    return plain;
  }
  const problem = basicProblem(version);
  if (problem) throw new InvalidVersionError("pep440", version, problem);
  const parsed = pep440Lib().explain(version);
  if (!parsed) throw new InvalidVersionError("pep440", version, "not a PEP 440 version");
  cache.set(version, parsed);
  return parsed;
}

function cmp(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** packaging's ordering: epoch, release (trailing zeros ignored), pre, post, dev, local. */
export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): number {
  let c = cmp(a.epoch, b.epoch);
  if (c) return c;
  let la = a.release.length;
  let lb = b.release.length;
  while (la > 0 && a.release[la - 1] === 0) la--;
  while (lb > 0 && b.release[lb - 1] === 0) lb--;
  for (let i = 0; i < Math.min(la, lb); i++) if ((c = cmp(a.release[i]!, b.release[i]!))) return c;
  if (la !== lb) return la < lb ? -1 : 1;
  // pre: a dev-only release sorts before every pre-release; no pre-release sorts after them
  const preKey = (v: Pep440Version): [number, string, number] => {
    // the library's .d.ts types pre/post/dev as arrays; at run time pre is [letter, n] | null and
    // post/dev are number | null
    const pre = v.pre as unknown as readonly [string, number] | null;
    if (!pre) return v.post === null && v.dev !== null ? [-1, "", 0] : [1, "", 0];
    return [0, pre[0], pre[1]];
  };
  const pa = preKey(a);
  const pb = preKey(b);
  if ((c = cmp(pa[0], pb[0]) || cmp(pa[1], pb[1]) || cmp(pa[2], pb[2]))) return c;
  const post = (v: Pep440Version): number => (v.post === null ? Number.NEGATIVE_INFINITY : Number(v.post));
  if ((c = cmp(post(a), post(b)))) return c;
  const dev = (v: Pep440Version): number => (v.dev === null ? Number.POSITIVE_INFINITY : Number(v.dev));
  if ((c = cmp(dev(a), dev(b)))) return c;
  if (a.local === b.local) return 0;
  if (a.local === null || b.local === null) return a.local === null ? -1 : 1;
  const xa = a.local.split(".");
  const xb = b.local.split(".");
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const x = xa[i]!;
    const y = xb[i]!;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) c = cmp(Number(x), Number(y));
    else if (xn !== yn)
      c = xn ? 1 : -1; // strings sort before numbers
    else c = cmp(x, y);
    if (c) return c;
  }
  return cmp(xa.length, xb.length);
}

const keyCache = new ParseCache<string>();

/**
 * A key equal for two versions exactly when comparePep440Parsed says they are equal: the fields it
 * compares, each as it compares them (release without trailing zeros, the pre-release rank, post and
 * dev as numbers, local segments numeric where they are digits).
 */
export function pep440EqualityKey(version: string): string {
  const hit = keyCache.get(version);
  if (hit !== undefined) return hit;
  const v = parsePep440(version);
  const release = [...v.release];
  while (release.length > 0 && release[release.length - 1] === 0) release.pop();
  const pre = v.pre as unknown as readonly [string, number] | null;
  const preKey = pre ? `${pre[0]}${pre[1]}` : v.post === null && v.dev !== null ? "<" : ">";
  const post = v.post === null ? "-" : String(Number(v.post));
  const dev = v.dev === null ? "-" : String(Number(v.dev));
  const local =
    v.local === null
      ? "-"
      : `+${v.local
          .split(".")
          .map((x) => (/^\d+$/.test(x) ? `#${Number(x)}` : x))
          .join(".")}`;
  const key = `${v.epoch}!${release.join(".")}|${preKey}|${post}|${dev}|${local}`;
  keyCache.set(version, key);
  return key;
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
    return comparePep440Parsed(parsePep440(a), parsePep440(b));
  },
  equalityKey: pep440EqualityKey,
  satisfies(version: string, range: string): boolean {
    parsePep440(version);
    if (basicProblem(range) || !pep440Lib().validRange(range))
      throw new InvalidVersionError("pep440", range, "not a valid specifier");
    return pep440Lib().satisfies(version, range);
  },
};
