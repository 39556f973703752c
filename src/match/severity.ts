/**
 * Severity assessment, Docker Scout's rule (reference/scout-features.md §5):
 * 1. Prefer the source that owns the package type — the distro for OS packages (Debian urgency, Ubuntu
 *    priority, Alpine, Red Hat severity), GHSA (then the ecosystem's own database) for language packages.
 * 2. If that source gives a rating but no CVSS score, show a CVSS score from a fallback source (NVD) next
 *    to it — so a finding can be LOW with CVSS 9.8.
 * 3. If the preferred source says nothing, fall back to NVD, then to any other source.
 * 4. With no CVSS anywhere and no rating: unspecified.
 * CVSS → rating by the CVSS v3 table: 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.
 * Pure; chosen when a report is made, never stored, so the rule can change without re-indexing.
 */
import type { Cvss, SeverityEntry, SeverityRating } from "../advisory/types.js";
import type { AssessedSeverity, DisplaySeverity } from "./types.js";

export const SEVERITY_ORDER: readonly DisplaySeverity[] = [
  "critical",
  "high",
  "medium",
  "low",
  "unspecified",
];

/** CVSS v3 qualitative table. A score of 0.0 ("None") gives no rating. */
export function ratingFromScore(score: number): DisplaySeverity {
  if (!(score > 0)) return "unspecified";
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  return "low";
}

/** A source rating as displayed: negligible counts as low; unknown gives nothing. */
export function displayRating(r: SeverityRating | undefined): DisplaySeverity | undefined {
  switch (r) {
    case "critical":
    case "high":
    case "medium":
    case "low":
      return r;
    case "negligible":
      return "low";
    default:
      return undefined;
  }
}

const VERSION_RANK: Record<string, number> = { "4.0": 4, "3.1": 3, "3.0": 2, "2.0": 1 };

/** The CVSS to show from one source: v4 over v3.1 over v3.0 over v2 (Scout prefers v4 when both exist). */
export function bestCvss(list: readonly Cvss[] | undefined): Cvss | undefined {
  let best: Cvss | undefined;
  for (const c of list ?? []) {
    if (!Number.isFinite(c.score)) continue;
    if (!best || (VERSION_RANK[c.version] ?? 0) > (VERSION_RANK[best.version] ?? 0)) best = c;
  }
  return best;
}

function sourceMatches(source: string, wanted: string): boolean {
  return source === wanted || source.startsWith(`${wanted}:`);
}

/** Preferred sources for a package type / namespace (the distro for OS packages, GHSA for language ones). */
export function preferredSources(packageType: string, namespace: string, matchedSources: string[]): string[] {
  const distro = namespace.includes(":") ? namespace.slice(0, namespace.indexOf(":")) : namespace;
  if (packageType === "deb" || packageType === "apk" || packageType === "rpm") {
    const aliases: Record<string, string[]> = {
      rhel: ["redhat", "rhel"],
      centos: ["redhat", "rhel", "centos"],
      ubuntu: ["ubuntu"],
      debian: ["debian"],
      alpine: ["alpine"],
    };
    return [...(aliases[distro] ?? [distro]), ...matchedSources.filter((s) => s !== "nvd")];
  }
  return ["ghsa", "github", ...matchedSources.filter((s) => s !== "nvd")];
}

function hasSomething(e: SeverityEntry): boolean {
  return displayRating(e.rating) !== undefined || bestCvss(e.cvss) !== undefined;
}

/**
 * Choose the displayed severity and CVSS. `ratings` holds every source's entry; `preferred` lists the
 * owning sources in order of preference (see preferredSources); `fallback` the sources to use next.
 */
export function assessSeverity(
  ratings: readonly SeverityEntry[],
  preferred: readonly string[],
  fallback: readonly string[] = ["nvd"],
): AssessedSeverity {
  const pick = (
    wanted: readonly string[],
    pred: (e: SeverityEntry) => boolean,
  ): SeverityEntry | undefined => {
    for (const w of wanted) {
      const hit = ratings.find((e) => sourceMatches(e.source, w) && pred(e));
      if (hit) return hit;
    }
    return undefined;
  };
  const fallbackCvss = (): { cvss: Cvss; source: string } | undefined => {
    const fb = pick(fallback, (e) => bestCvss(e.cvss) !== undefined);
    if (fb) return { cvss: bestCvss(fb.cvss)!, source: fb.source };
    // any other source, highest CVSS version then highest score
    let best: { cvss: Cvss; source: string } | undefined;
    for (const e of ratings) {
      const c = bestCvss(e.cvss);
      if (!c) continue;
      if (
        !best ||
        (VERSION_RANK[c.version] ?? 0) > (VERSION_RANK[best.cvss.version] ?? 0) ||
        ((VERSION_RANK[c.version] ?? 0) === (VERSION_RANK[best.cvss.version] ?? 0) &&
          c.score > best.cvss.score)
      )
        best = { cvss: c, source: e.source };
    }
    return best;
  };

  const fromEntry = (e: SeverityEntry): AssessedSeverity => {
    const rating = displayRating(e.rating);
    const own = bestCvss(e.cvss);
    if (rating) {
      const shown = own ? { cvss: own, source: e.source } : fallbackCvss();
      return {
        rating,
        ratingSource: e.source,
        ...(e.ratingText ? { ratingText: e.ratingText } : {}),
        ...(shown ? { cvss: shown.cvss, cvssSource: shown.source } : {}),
      };
    }
    // a score without a word: rate it by the v3 table
    return {
      rating: ratingFromScore(own!.score),
      ratingSource: `cvss:${e.source}`,
      cvss: own,
      cvssSource: e.source,
    };
  };

  const pref = pick(preferred, hasSomething);
  if (pref) return fromEntry(pref);
  const fb = pick(fallback, hasSomething);
  if (fb) return fromEntry(fb);
  const any = fallbackCvss();
  if (any)
    return {
      rating: ratingFromScore(any.cvss.score),
      ratingSource: `cvss:${any.source}`,
      ...{ cvss: any.cvss, cvssSource: any.source },
    };
  const worded = ratings.find((e) => displayRating(e.rating) !== undefined);
  if (worded) return fromEntry(worded);
  return { rating: "unspecified" };
}

/** Sort key: critical first. */
export function severityRank(s: DisplaySeverity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** Parse `--only-severity critical,high,…` (accepts "unspecified"/"u"/"?"). */
export function parseSeverityList(text: string): DisplaySeverity[] {
  const out: DisplaySeverity[] = [];
  for (const raw of text.split(",")) {
    const t = raw.trim().toLowerCase();
    if (!t) continue;
    const map: Record<string, DisplaySeverity> = {
      critical: "critical",
      c: "critical",
      high: "high",
      h: "high",
      medium: "medium",
      m: "medium",
      moderate: "medium",
      low: "low",
      l: "low",
      unspecified: "unspecified",
      u: "unspecified",
      "?": "unspecified",
      unknown: "unspecified",
    };
    const s = map[t];
    if (!s) throw new Error(`unknown severity "${raw.trim()}" (critical, high, medium, low, unspecified)`);
    out.push(s);
  }
  return out;
}
