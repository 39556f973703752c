/**
 * Reading image tags as people write them: `3.19.1`, `20-bookworm-slim`, `v1.2`, `3.12-slim-bookworm`,
 * `18.18.1-alpine3.18`, `bookworm-20240110`, `latest`. A tag splits into a version (numeric parts
 * plus an optional pre-release word) and a flavour (the other words: slim, alpine3.18, bookworm …).
 */
export interface ParsedTag {
  tag: string;
  /** Numeric version parts (`[20, 8, 1]`), empty when the tag has no version. */
  version: number[];
  /** Pre-release marker (rc1, beta, alpha2), which makes a tag unstable. */
  prerelease?: string;
  /** Flavour words, lower-case, in order (`["alpine3.18"]`, `["slim", "bookworm"]`). */
  flavour: string[];
  /** Flavour words with distro versions stripped (`alpine3.18` → `alpine`), for family comparisons. */
  family: string[];
  /** A date-stamped build (`bookworm-20240110`, `3.19-20240101`). */
  dated?: string;
}

/** Distro codenames used as tags, with the release they stand for (so `buster` < `bookworm`). */
export const CODENAMES: Record<string, number[]> = {
  jessie: [8],
  stretch: [9],
  buster: [10],
  bullseye: [11],
  bookworm: [12],
  trixie: [13],
  forky: [14],
  xenial: [16, 4],
  bionic: [18, 4],
  focal: [20, 4],
  jammy: [22, 4],
  noble: [24, 4],
};

const PRERELEASE =
  /^(?:alpha|beta|rc|pre|preview|dev|nightly|snapshot|canary|edge|next|unstable|experimental)\d*$/i;
const DATE = /^(?:19|20)\d{6}(?:\.\d+)?$/;

export function parseTag(tag: string): ParsedTag {
  const t = tag.toLowerCase();
  const words = t.split(/[-_]/).filter(Boolean);
  let version: number[] = [];
  let prerelease: string | undefined;
  let dated: string | undefined;
  const flavour: string[] = [];
  for (const [i, w] of words.entries()) {
    if (i === 0 && CODENAMES[w]) {
      version = [...CODENAMES[w]!];
      continue;
    }
    const vm = /^v?(\d+(?:\.\d+)*)([a-z]+\d*)?$/.exec(w);
    if (i === 0 && vm && version.length === 0) {
      version = vm[1]!.split(".").map(Number);
      if (vm[2]) {
        if (PRERELEASE.test(vm[2])) prerelease = vm[2];
        else flavour.push(vm[2]);
      }
      continue;
    }
    if (DATE.test(w)) {
      dated = w;
      continue;
    }
    if (PRERELEASE.test(w)) {
      prerelease = w;
      continue;
    }
    flavour.push(w);
  }
  const family = flavour.map((f) => f.replace(/\d+(?:\.\d+)*$/, "")).filter(Boolean);
  return {
    tag,
    version,
    ...(prerelease ? { prerelease } : {}),
    flavour,
    family,
    ...(dated ? { dated } : {}),
  };
}

export function compareVersionParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Same flavour family (slim vs slim, alpine3.18 vs alpine3.19, bookworm vs bookworm). */
export function sameFamily(a: ParsedTag, b: ParsedTag): boolean {
  return a.family.join("-") === b.family.join("-");
}

/** Distro version inside a flavour word, e.g. alpine3.18 → 3.18. */
export function flavourOsVersion(p: ParsedTag): string | undefined {
  for (const f of p.flavour) {
    const m = /^[a-z]+(\d+(?:\.\d+)*)$/.exec(f);
    if (m) return m[1];
  }
  return undefined;
}

export type TagRelation = "same" | "patch" | "minor" | "major" | "older" | "unversioned" | "incompatible";

/** How `candidate` relates to `current` (same family assumed checked by the caller). */
export function relation(current: ParsedTag, candidate: ParsedTag): TagRelation {
  if (candidate.prerelease) return "incompatible";
  if (current.version.length === 0 || candidate.version.length === 0)
    return current.version.length === candidate.version.length ? "unversioned" : "incompatible";
  const c = compareVersionParts(candidate.version, current.version);
  if (c < 0) return "older";
  if (c === 0) return "same";
  if (candidate.version[0] !== current.version[0]) return "major";
  if ((candidate.version[1] ?? 0) !== (current.version[1] ?? 0)) return "minor";
  return "patch";
}

/**
 * Tags worth considering as an update of `current`: same family, stable, not older, ordered with the
 * most specific newest first within the same major, then newer majors. Floating tags (fewer version
 * parts, like `20-slim` vs `20.8.1-slim`) are kept: they are what users pin in Dockerfiles.
 */
export function updateCandidates(current: string, tags: readonly string[], max = 12): string[] {
  const cur = parseTag(current);
  const scored: { tag: string; p: ParsedTag; rel: TagRelation }[] = [];
  const curIsCodename = CODENAMES[current.toLowerCase().split(/[-_]/)[0] ?? ""] !== undefined;
  for (const t of tags) {
    if (t === current) continue;
    const p = parseTag(t);
    if (!sameFamily(cur, p)) continue;
    if (p.dated && !cur.dated) continue;
    const rel = relation(cur, p);
    if (rel === "incompatible" || rel === "older") continue;
    // Same precision as the current tag (20.8 ↔ 21.1, not 21.1.3); codename tags only match codenames.
    const isCodename = CODENAMES[t.toLowerCase().split(/[-_]/)[0] ?? ""] !== undefined;
    if (curIsCodename !== isCodename) continue;
    if (!curIsCodename && cur.version.length > 0 && p.version.length !== cur.version.length) continue;
    if (rel === "same") continue;
    scored.push({ tag: t, p, rel });
  }
  // Compatible (same major) first, newest first; then newer majors, newest first.
  const rank = (r: TagRelation) => (r === "patch" || r === "minor" ? 0 : r === "major" ? 1 : 2);
  scored.sort((a, b) => rank(a.rel) - rank(b.rel) || compareVersionParts(b.p.version, a.p.version));
  return scored.slice(0, max).map((s) => s.tag);
}
