/** `vigil cves` filters (Scout's `--only-*` flags), applied after VEX. Pure. */
import type { DisplaySeverity, Finding } from "./types.js";

export interface FindingFilters {
  severities?: DisplaySeverity[];
  packageTypes?: string[];
  /** Regular expressions matched against the package name (Scout's --only-package). */
  packages?: RegExp[];
  cveIds?: string[];
  onlyFixed?: boolean;
  onlyUnfixed?: boolean;
  onlyKev?: boolean;
  /** CVSS vector metrics such as `AV:N`, all must be present. */
  metrics?: string[];
  epssScore?: number;
  epssPercentile?: number;
  /** Keep VEX-suppressed findings (marked) instead of dropping them. */
  showSuppressed?: boolean;
}

export function isFixable(f: Finding): boolean {
  return f.fixedVersions.length > 0;
}

export function passesFilters(f: Finding, flt: FindingFilters): boolean {
  if (f.suppressed && !flt.showSuppressed) return false;
  if (flt.severities?.length && !flt.severities.includes(f.severity.rating)) return false;
  if (flt.packageTypes?.length && !flt.packageTypes.includes(f.package.type)) return false;
  if (flt.packages?.length && !flt.packages.some((re) => re.test(f.package.name))) return false;
  if (flt.cveIds?.length) {
    const ids = [f.id, ...f.aliases].map((x) => x.toUpperCase());
    if (!flt.cveIds.some((c) => ids.includes(c.toUpperCase()))) return false;
  }
  if (flt.onlyFixed && !isFixable(f)) return false;
  if (flt.onlyUnfixed && isFixable(f)) return false;
  if (flt.onlyKev && !f.kev) return false;
  if (flt.metrics?.length) {
    const parts = new Set((f.severity.cvss?.vector ?? "").split("/"));
    if (!flt.metrics.every((m) => parts.has(m))) return false;
  }
  if (flt.epssScore !== undefined && flt.epssScore > 0 && !((f.epss?.score ?? -1) >= flt.epssScore))
    return false;
  if (
    flt.epssPercentile !== undefined &&
    flt.epssPercentile > 0 &&
    !((f.epss?.percentile ?? -1) >= flt.epssPercentile)
  )
    return false;
  return true;
}

export function filterFindings(findings: readonly Finding[], flt: FindingFilters): Finding[] {
  return findings.filter((f) => passesFilters(f, flt));
}
