/**
 * `vigil compare`: what changed between two images (or SBOMs) — packages added, removed, upgraded
 * and downgraded, vulnerabilities added and removed, and the per-severity delta. Pure: takes two
 * analyses (SBOM + findings) and returns the difference; rendering lives in report/compare.ts.
 */

import { collate } from "../core/collate.js";
import { severityRank } from "../match/severity.js";
import type { Finding } from "../match/types.js";
import { countFindings, type SeverityCounts } from "../report/model.js";
import type { Package, Sbom } from "../sbom/model.js";
import { schemeFor } from "../versioning/index.js";

export interface Analysis {
  sbom: Sbom;
  findings: Finding[];
}

export type PackageChange = "added" | "removed" | "upgraded" | "downgraded" | "changed" | "unchanged";

export interface PackageDiff {
  key: string;
  type: string;
  name: string;
  change: PackageChange;
  /** Versions in the analyzed image (empty when removed). */
  versions: string[];
  /** Versions in the comparison image (empty when added). */
  previousVersions: string[];
  /** Vulnerabilities of this package present only in the analyzed image. */
  addedVulns: Finding[];
  /** Vulnerabilities of this package present only in the comparison image. */
  removedVulns: Finding[];
  /** Vulnerabilities present in both. */
  unchangedVulns: Finding[];
}

export interface ComparisonResult {
  analyzed: { sbom: Sbom; counts: SeverityCounts };
  comparison: { sbom: Sbom; counts: SeverityCounts };
  /** analyzed − comparison */
  delta: SeverityCounts;
  packages: PackageDiff[];
  summary: {
    added: number;
    removed: number;
    upgraded: number;
    downgraded: number;
    changed: number;
    unchanged: number;
  };
  vulnerabilities: { added: Finding[]; removed: Finding[] };
  env: { added: string[]; removed: string[] };
  labels: { added: string[]; removed: string[] };
}

/** Most severe first, then by id. */
function bySeverity(a: Finding, b: Finding): number {
  return severityRank(a.severity.rating) - severityRank(b.severity.rating) || collate(a.id, b.id);
}

export function packageKey(p: Pick<Package, "type" | "namespace" | "name" | "arch">): string {
  return `${p.type}:${p.namespace ? `${p.namespace}/` : ""}${p.name}`;
}

function byKey(sbom: Sbom): Map<string, Package[]> {
  const m = new Map<string, Package[]>();
  for (const p of sbom.packages) {
    const k = packageKey(p);
    const list = m.get(k);
    if (list) list.push(p);
    else m.set(k, [p]);
  }
  return m;
}

function findingsByKey(findings: readonly Finding[]): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.suppressed) continue;
    const k = packageKey(f.package);
    const list = m.get(k);
    if (list) list.push(f);
    else m.set(k, [f]);
  }
  return m;
}

function compareVersions(type: string, a: string, b: string): number {
  try {
    return schemeFor(type).compare(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

function maxVersion(type: string, versions: string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareVersions(type, v, best) > 0) best = v;
  return best;
}

function kv(list: readonly string[] | undefined): Set<string> {
  return new Set(list ?? []);
}

export function comparePair(analyzed: Analysis, comparison: Analysis): ComparisonResult {
  const a = byKey(analyzed.sbom);
  const b = byKey(comparison.sbom);
  const fa = findingsByKey(analyzed.findings);
  const fb = findingsByKey(comparison.findings);
  const packages: PackageDiff[] = [];
  const summary = { added: 0, removed: 0, upgraded: 0, downgraded: 0, changed: 0, unchanged: 0 };
  const vulnsAdded: Finding[] = [];
  const vulnsRemoved: Finding[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const pa = a.get(key) ?? [];
    const pb = b.get(key) ?? [];
    const sample = (pa[0] ?? pb[0])!;
    const versions = [...new Set(pa.map((p) => p.version))].sort();
    const previousVersions = [...new Set(pb.map((p) => p.version))].sort();
    let change: PackageChange;
    if (pb.length === 0) change = "added";
    else if (pa.length === 0) change = "removed";
    else if (versions.join("\n") === previousVersions.join("\n")) change = "unchanged";
    else {
      const c = compareVersions(
        sample.type,
        maxVersion(sample.type, versions)!,
        maxVersion(sample.type, previousVersions)!,
      );
      change = c > 0 ? "upgraded" : c < 0 ? "downgraded" : "changed";
    }
    summary[change]++;
    const idsB = new Set((fb.get(key) ?? []).map((f) => `${f.id}@${f.package.version}`));
    const idsA = new Set((fa.get(key) ?? []).map((f) => `${f.id}@${f.package.version}`));
    const sameId = (f: Finding, set: Set<string>) => [...set].some((s) => s.startsWith(`${f.id}@`));
    const addedVulns = (fa.get(key) ?? []).filter((f) => !sameId(f, idsB)).sort(bySeverity);
    const removedVulns = (fb.get(key) ?? []).filter((f) => !sameId(f, idsA)).sort(bySeverity);
    const unchangedVulns = (fa.get(key) ?? []).filter((f) => sameId(f, idsB));
    vulnsAdded.push(...addedVulns);
    vulnsRemoved.push(...removedVulns);
    packages.push({
      key,
      type: sample.type,
      name: sample.namespace ? `${sample.namespace}/${sample.name}` : sample.name,
      change,
      versions,
      previousVersions,
      addedVulns,
      removedVulns,
      unchangedVulns,
    });
  }
  const ca = countFindings(analyzed.findings);
  const cb = countFindings(comparison.findings);
  const envA = kv(analyzed.sbom.image.env);
  const envB = kv(comparison.sbom.image.env);
  const labA = kv(Object.entries(analyzed.sbom.image.labels ?? {}).map(([k, v]) => `${k}=${v}`));
  const labB = kv(Object.entries(comparison.sbom.image.labels ?? {}).map(([k, v]) => `${k}=${v}`));
  return {
    analyzed: { sbom: analyzed.sbom, counts: ca },
    comparison: { sbom: comparison.sbom, counts: cb },
    delta: {
      critical: ca.critical - cb.critical,
      high: ca.high - cb.high,
      medium: ca.medium - cb.medium,
      low: ca.low - cb.low,
      unspecified: ca.unspecified - cb.unspecified,
    },
    packages,
    summary,
    vulnerabilities: { added: vulnsAdded, removed: vulnsRemoved },
    env: { added: [...envA].filter((e) => !envB.has(e)), removed: [...envB].filter((e) => !envA.has(e)) },
    labels: { added: [...labA].filter((e) => !labB.has(e)), removed: [...labB].filter((e) => !labA.has(e)) },
  };
}

export type ExitCondition = "vulnerability" | "package" | "policy";

/** Whether the analyzed image is worse or changed for any of the conditions (`--exit-on`). */
export function exitOnTriggered(r: ComparisonResult, conditions: readonly ExitCondition[]): ExitCondition[] {
  const hit: ExitCondition[] = [];
  if (conditions.includes("vulnerability") && r.vulnerabilities.added.length > 0) hit.push("vulnerability");
  if (
    conditions.includes("package") &&
    r.summary.added + r.summary.removed + r.summary.upgraded + r.summary.downgraded + r.summary.changed > 0
  )
    hit.push("package");
  return hit;
}
