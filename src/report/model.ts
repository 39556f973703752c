/**
 * The vulnerability report every renderer takes: the analysed target, the findings left after VEX and
 * filters, per-package groups with severity counts, and the options that change the text outputs.
 */

import { collate } from "../core/collate.js";
import type { FindingFilters } from "../match/filter.js";
import { filterFindings } from "../match/filter.js";
import { findingPackage } from "../match/matcher.js";
import { SEVERITY_ORDER, severityRank } from "../match/severity.js";
import type { DisplaySeverity, Finding, FindingPackage } from "../match/types.js";
import type { Sbom } from "../sbom/model.js";

export type SeverityCounts = Record<DisplaySeverity, number>;

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, unspecified: 0 };
}

export function countFindings(findings: readonly Finding[]): SeverityCounts {
  const c = emptyCounts();
  for (const f of findings) if (!f.suppressed) c[f.severity.rating]++;
  return c;
}

export interface PackageGroup {
  package: FindingPackage;
  findings: Finding[];
  counts: SeverityCounts;
}

export interface ReportTarget {
  /** The reference as given. */
  reference: string;
  name?: string;
  digest?: string;
  platform?: string;
  size?: number;
  provenance?: { repository?: string; commit?: string };
  packages: number;
  distro?: string;
}

export interface VulnReport {
  tool: { name: "vigil"; version: string };
  generatedAt: string;
  target: ReportTarget;
  /** Every package of the SBOM (for `only-packages`, which lists clean packages too). */
  allPackages: FindingPackage[];
  /** Findings after VEX and filters; VEX-suppressed ones are here only with --show-suppressed (marked). */
  findings: Finding[];
  /** Packages with at least one finding, ordered as Scout orders them (most severe first). */
  groups: PackageGroup[];
  counts: SeverityCounts;
  /** Number of packages with at least one unsuppressed finding. */
  vulnerablePackages: number;
  snapshot?: { builtAt: string; contentHash: string };
  warnings: string[];
}

export interface RenderOptions {
  details?: boolean;
  locations?: boolean;
  epss?: boolean;
  onlyVulnPackages?: boolean;
}

function compareCounts(a: SeverityCounts, b: SeverityCounts): number {
  for (const s of SEVERITY_ORDER) if (a[s] !== b[s]) return b[s] - a[s];
  return 0;
}

/** Order inside a package: severity, then CVSS score, then id; with --epss by EPSS score. */
export function sortFindings(list: Finding[], byEpss = false): Finding[] {
  return list.sort((a, b) => {
    if (byEpss) {
      const d = (b.epss?.score ?? -1) - (a.epss?.score ?? -1);
      if (d !== 0) return d;
    }
    return (
      severityRank(a.severity.rating) - severityRank(b.severity.rating) ||
      (b.severity.cvss?.score ?? 0) - (a.severity.cvss?.score ?? 0) ||
      collate(a.id, b.id)
    );
  });
}

export function groupByPackage(findings: readonly Finding[], byEpss = false): PackageGroup[] {
  const map = new Map<string, PackageGroup>();
  for (const f of findings) {
    let g = map.get(f.package.id);
    if (!g) {
      g = { package: f.package, findings: [], counts: emptyCounts() };
      map.set(f.package.id, g);
    }
    g.findings.push(f);
    if (!f.suppressed) g.counts[f.severity.rating]++;
  }
  const groups = [...map.values()];
  for (const g of groups) sortFindings(g.findings, byEpss);
  groups.sort(
    (a, b) =>
      compareCounts(a.counts, b.counts) ||
      collate(a.package.name, b.package.name) ||
      collate(a.package.version, b.package.version),
  );
  return groups;
}

export interface BuildReportInput {
  sbom: Sbom;
  findings: readonly Finding[];
  filters: FindingFilters;
  toolVersion: string;
  snapshot?: { builtAt: string; contentHash: string };
  warnings?: string[];
  byEpss?: boolean;
  now?: Date;
}

export function buildReport(input: BuildReportInput): VulnReport {
  const { sbom } = input;
  const findings = filterFindings(input.findings, input.filters);
  const groups = groupByPackage(findings, input.byEpss);
  const img = sbom.image;
  const target: ReportTarget = { reference: img.reference, packages: sbom.packages.length };
  if (img.name) target.name = img.name;
  if (img.digest) target.digest = img.digest;
  if (img.platform)
    target.platform = [img.platform.os, img.platform.architecture, img.platform.variant]
      .filter(Boolean)
      .join("/");
  if (img.size !== undefined) target.size = img.size;
  if (sbom.provenance?.sourceRepository || sbom.provenance?.sourceCommit) {
    target.provenance = {};
    if (sbom.provenance.sourceRepository) target.provenance.repository = sbom.provenance.sourceRepository;
    if (sbom.provenance.sourceCommit) target.provenance.commit = sbom.provenance.sourceCommit;
  }
  if (sbom.distro)
    target.distro = sbom.distro.prettyName ?? `${sbom.distro.id} ${sbom.distro.versionId}`.trim();
  const report: VulnReport = {
    tool: { name: "vigil", version: input.toolVersion },
    generatedAt: (input.now ?? new Date()).toISOString(),
    target,
    allPackages: sbom.packages
      .filter(
        (p) =>
          (!input.filters.packageTypes?.length || input.filters.packageTypes.includes(p.type)) &&
          (!input.filters.packages?.length || input.filters.packages.some((re) => re.test(p.name))),
      )
      .map(findingPackage),
    findings,
    groups,
    counts: countFindings(findings),
    vulnerablePackages: groups.filter((g) => g.findings.some((f) => !f.suppressed)).length,
    warnings: input.warnings ?? [],
  };
  if (input.snapshot) report.snapshot = input.snapshot;
  return report;
}

/** Total number of unsuppressed findings. */
export function totalFindings(r: VulnReport): number {
  return SEVERITY_ORDER.reduce((n, s) => n + r.counts[s], 0);
}
