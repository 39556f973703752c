import cvssLib from "ae-cvss-calculator";
import type { Cvss, SeverityRating } from "./types.js";

/** Metrics every base vector must carry, per version (the library silently scores partial vectors as 0). */
const REQUIRED: Record<string, string[]> = {
  "2.0": ["AV", "AC", "Au", "C", "I", "A"],
  "3.0": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "3.1": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "4.0": ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
};

/** The CVSS version a vector declares ("CVSS:3.1/…"), or "2.0" for a prefix-less v2 vector. */
export function cvssVersionOf(vector: string): string | undefined {
  const m = /^CVSS:(\d\.\d)\//.exec(vector);
  if (m) return REQUIRED[m[1]!] ? m[1] : undefined;
  return /(^|\/)Au:[MSN](\/|$)/.test(vector) ? "2.0" : undefined;
}

function hasRequired(vector: string, version: string): boolean {
  const keys = new Set<string>();
  for (const part of vector.split("/")) {
    const i = part.indexOf(":");
    if (i > 0) keys.add(part.slice(0, i));
  }
  return REQUIRED[version]!.every((k) => keys.has(k));
}

/** Base score of a vector, computed by ae-cvss-calculator; undefined if the vector is not a valid base vector. */
export function computeCvssScore(vector: string): { version: string; score: number } | undefined {
  const version = cvssVersionOf(vector);
  if (!version || !hasRequired(vector, version) || vector.length > 512) return undefined;
  try {
    const v =
      version === "2.0"
        ? new cvssLib.Cvss2(vector.replace(/^\(|\)$/g, ""))
        : version === "3.0"
          ? new cvssLib.Cvss3P0(vector)
          : version === "3.1"
            ? new cvssLib.Cvss3P1(vector)
            : new cvssLib.Cvss4P0(vector);
    const r = v.calculateScores() as { base?: number };
    if (typeof r.base !== "number" || Number.isNaN(r.base)) return undefined;
    return { version, score: Math.round(r.base * 10) / 10 };
  } catch {
    return undefined;
  }
}

/**
 * A Cvss entry for a vector. `stated` is the score the source printed (if any); when it disagrees with
 * the computed one by more than 0.05 the computed score is kept in `computedScore` (the flag).
 * Returns undefined for vectors that cannot be scored.
 */
export function cvssFromVector(vector: string, stated?: number): Cvss | undefined {
  const computed = computeCvssScore(vector.trim());
  if (!computed) return undefined;
  const out: Cvss = { version: computed.version, vector: vector.trim(), score: computed.score };
  if (typeof stated === "number" && Number.isFinite(stated)) {
    out.score = stated;
    if (Math.abs(stated - computed.score) > 0.05) out.computedScore = computed.score;
  }
  return out;
}

/** Qualitative rating of a base score (CVSS v3/v4 bands; v2 has no "critical" but the band is kept uniform). */
export function ratingForScore(score: number): SeverityRating {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "negligible";
}

/** Normalises a source's severity word ("HIGH", "moderate", "low**", "unimportant", "not yet assigned"). */
export function normaliseRating(text: string | undefined): SeverityRating | undefined {
  if (!text) return undefined;
  const t = text.toLowerCase().replace(/\*+$/, "").trim();
  switch (t) {
    case "critical":
      return "critical";
    case "high":
    case "important":
      return "high";
    case "medium":
    case "moderate":
      return "medium";
    case "low":
      return "low";
    case "negligible":
    case "unimportant":
    case "none":
      return "negligible";
    case "unknown":
    case "not yet assigned":
    case "untriaged":
      return "unknown";
    default:
      return undefined;
  }
}
