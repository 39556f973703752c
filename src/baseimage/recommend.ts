/**
 * Base-image recommendations, as `docker scout recommendations` gives them:
 * - refresh: the base's tag now points at a newer build (digest) — rebuild to pick it up;
 * - update: other tags of the base repository that fit (same flavour, same major first, then newer
 *   majors), each indexed and matched, ranked by fewer critical/high, then fewer in total, then size.
 * Everything that touches a registry or the matcher comes in through `RecommendDeps`, so the command,
 * the service and tests share this logic.
 */

import { collate } from "../core/collate.js";
import type { SeverityCounts } from "../report/model.js";
import type { BaseImageDetection } from "./detect.js";
import { parseTag, relation, updateCandidates } from "./tags.js";

export interface ImageSummary {
  /** Reference analysed (`debian:12-slim`, `debian@sha256:…`). */
  reference: string;
  digest?: string;
  counts: SeverityCounts;
  size?: number;
  packages: number;
  created?: string;
  /** Distro as `debian 12` when known. */
  os?: string;
}

export interface RecommendDeps {
  /** Tags of a repository (`docker.io/library/debian`). */
  listTags(repository: string): Promise<string[]>;
  /** Index and match an image reference (cached by digest). */
  analyze(reference: string): Promise<ImageSummary>;
}

export interface Recommendation {
  kind: "refresh" | "update";
  tag: string;
  summary: ImageSummary;
  /** Candidate − current base, per severity. */
  delta: SeverityCounts;
  /** The headline benefit, then the others (Scout's vocabulary). */
  reasons: string[];
  score: number;
}

export interface RecommendationResult {
  base: BaseImageDetection;
  baseSummary: ImageSummary;
  refresh?: Recommendation;
  /** True when the base tag still points at the digest in use. */
  upToDate?: boolean;
  updates: Recommendation[];
  /** Candidates that could not be analysed (network, missing platform …), with the reason. */
  skipped: { tag: string; reason: string }[];
}

export interface RecommendOptions {
  onlyRefresh?: boolean;
  onlyUpdate?: boolean;
  /** Candidate tags analysed at most (default 8). */
  maxCandidates?: number;
  /** Analyses at once (default 3). */
  concurrency?: number;
}

const SEVS = ["critical", "high", "medium", "low", "unspecified"] as const;

export function deltaCounts(a: SeverityCounts, b: SeverityCounts): SeverityCounts {
  return {
    critical: a.critical - b.critical,
    high: a.high - b.high,
    medium: a.medium - b.medium,
    low: a.low - b.low,
    unspecified: a.unspecified - b.unspecified,
  };
}

const total = (c: SeverityCounts) => SEVS.reduce((s, k) => s + c[k], 0);

/** Splits `registry/repo:tag@digest` into repository and tag. */
export function splitReference(ref: string): { repository: string; tag?: string; digest?: string } {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash)
    return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repository: rest, ...(digest ? { digest } : {}) };
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
}

export function reasonsFor(
  kind: "refresh" | "update",
  currentTag: string | undefined,
  candidateTag: string,
  cand: ImageSummary,
  base: ImageSummary,
): string[] {
  const reasons: string[] = [];
  if (kind === "refresh") reasons.push("Newer image for same tag");
  else if (currentTag) {
    const rel = relation(parseTag(currentTag), parseTag(candidateTag));
    if (rel === "major") reasons.push("Major runtime version update");
    else if (rel === "minor") reasons.push("Minor runtime version update");
    else if (rel === "patch") reasons.push("Patch runtime version update");
  }
  if (candidateTag === "latest") reasons.push("Tag is latest");
  const d = total(cand.counts) - total(base.counts);
  const ch = cand.counts.critical + cand.counts.high - (base.counts.critical + base.counts.high);
  if (d < 0 && ch <= 0) reasons.push(`Image contains ${-d} fewer vulnerabilit${d === -1 ? "y" : "ies"}`);
  else if (d === 0 && ch === 0) reasons.push("Image has same number of vulnerabilities");
  else if (ch < 0)
    reasons.push(`Image contains ${-ch} fewer critical or high vulnerabilit${ch === -1 ? "y" : "ies"}`);
  if (cand.size !== undefined && base.size !== undefined) {
    const s = cand.size - base.size;
    if (Math.abs(s) <= base.size * 0.05) reasons.push("Image has similar size");
    else if (s < 0) reasons.push(`Image is smaller by ${mb(-s)}`);
  }
  const p = cand.packages - base.packages;
  if (p < 0) reasons.push(`Image contains ${-p} fewer packages`);
  else if (p === 0 || Math.abs(p) <= base.packages * 0.05)
    reasons.push("Image contains similar number of packages");
  if (cand.created && base.created && cand.created > base.created)
    reasons.push("Tag was pushed more recently");
  if (/(^|-)slim(-|$)/.test(candidateTag)) reasons.push("Tag is using slim variant");
  return reasons;
}

/** Lower is better: critical+high first, then total, then size (MB, weighted lightly). */
export function scoreOf(s: ImageSummary): number {
  return (
    (s.counts.critical * 1000 + s.counts.high * 100) * 1000 + total(s.counts) * 100 + (s.size ?? 0) / 1e8
  );
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function recommend(
  base: BaseImageDetection,
  deps: RecommendDeps,
  opts: RecommendOptions = {},
): Promise<RecommendationResult> {
  const { repository, tag } = splitReference(base.reference);
  const baseRef = base.digest ? `${repository}@${base.digest}` : base.reference;
  const baseSummary = await deps.analyze(baseRef);
  const result: RecommendationResult = { base, baseSummary, updates: [], skipped: [] };

  if (!opts.onlyUpdate && tag) {
    try {
      const now = await deps.analyze(`${repository}:${tag}`);
      if (now.digest && baseSummary.digest && now.digest !== baseSummary.digest) {
        result.refresh = {
          kind: "refresh",
          tag,
          summary: now,
          delta: deltaCounts(now.counts, baseSummary.counts),
          reasons: reasonsFor("refresh", tag, tag, now, baseSummary),
          score: scoreOf(now),
        };
      } else result.upToDate = true;
    } catch (err) {
      result.skipped.push({ tag, reason: (err as Error).message });
    }
  }

  if (!opts.onlyRefresh) {
    const tags = await deps.listTags(repository);
    const candidates = updateCandidates(tag ?? "latest", tags, opts.maxCandidates ?? 8);
    const analysed = await mapLimit(candidates, opts.concurrency ?? 3, async (t) => {
      try {
        return { t, s: await deps.analyze(`${repository}:${t}`) };
      } catch (err) {
        result.skipped.push({ tag: t, reason: (err as Error).message });
        return undefined;
      }
    });
    for (const a of analysed) {
      if (!a) continue;
      // A candidate that is the very image in use is a refresh at most, not an update.
      if (a.s.digest && a.s.digest === baseSummary.digest) continue;
      result.updates.push({
        kind: "update",
        tag: a.t,
        summary: a.s,
        delta: deltaCounts(a.s.counts, baseSummary.counts),
        reasons: reasonsFor("update", tag, a.t, a.s, baseSummary),
        score: scoreOf(a.s),
      });
    }
    result.updates.sort((x, y) => x.score - y.score || collate(y.tag, x.tag));
  }
  return result;
}
