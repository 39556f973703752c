import type {
  AdvisoryStatus,
  Cvss,
  EpssEntry,
  KevEntry,
  SeverityEntry,
  SeverityRating,
} from "../advisory/types.js";
import type { Location, PackageType } from "../sbom/model.js";
import type { AffectedRange } from "../versioning/types.js";

/** The package a finding is about (a projection of the SBOM's Package, enough to render and filter). */
export interface FindingPackage {
  id: string;
  purl: string;
  type: PackageType;
  name: string;
  namespace?: string;
  version: string;
  sourceName?: string;
  sourceVersion?: string;
  layerIndex?: number;
  layerDiffId?: string;
  locations: Location[];
}

/** The severity shown for a finding, chosen by Scout's rule (see severity.ts). */
export type DisplaySeverity = "critical" | "high" | "medium" | "low" | "unspecified";

export interface AssessedSeverity {
  rating: DisplaySeverity;
  /** The source whose rating was chosen (or "cvss:<source>" when the rating was derived from a score). */
  ratingSource?: string;
  /** The source's own word for the rating, e.g. Debian "low**", GHSA "MODERATE". */
  ratingText?: string;
  /** The CVSS shown next to the rating (preferred source's, else a fallback source's). */
  cvss?: Cvss;
  cvssSource?: string;
}

/** What VEX said about a finding (the newest statement that matched). */
export interface VexAnnotation {
  status: "not_affected" | "affected" | "fixed" | "under_investigation";
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  /** The document the statement came from (file path or attestation name). */
  document: string;
  author?: string;
  timestamp?: string;
}

export interface Finding {
  /** The CVE when there is one, otherwise the feed's primary id (GHSA-…, GO-…, DSA-…). */
  id: string;
  /** Every other id of the same vulnerability (GHSA, DSA, USN, PYSEC …), sorted. */
  aliases: string[];
  package: FindingPackage;
  /** The version compared (the source version for Debian packages built from a differently-versioned source). */
  installedVersion: string;
  /** Versions that fix it; empty when no fix is known ("not fixed"). */
  fixedVersions: string[];
  status: AdvisoryStatus;
  /** Human form of the affected ranges (`<4.17.19`, `>=0.4.17`, `<=1.5.9`); one entry per line. */
  affectedRanges: string[];
  /** Namespace matched (debian:12, npm …). */
  namespace: string;
  /** Feeds whose records matched (debian, osv, alpine …). */
  sources: string[];
  /** The advisory records that matched (ids), for audit. */
  advisoryIds: string[];
  /** Every source's rating and score (distro, GHSA, NVD …). */
  ratings: SeverityEntry[];
  severity: AssessedSeverity;
  epss?: EpssEntry;
  kev?: KevEntry;
  summary?: string;
  description?: string;
  references: string[];
  cwes: string[];
  published?: string;
  /** Distro note (Debian nodsa reason, "postponed" …). */
  note?: string;
  vex?: VexAnnotation;
  /** True when a VEX `not_affected`/`fixed` statement suppresses it. */
  suppressed?: boolean;
}

export interface MatchStats {
  packages: number;
  /** Packages compared against at least one namespace. */
  matchable: number;
  /** Language packages skipped because an OS package owns them (matched through the distro). */
  ownedByOs: number;
  /** Distro findings dropped because the distro says not affected / unimportant. */
  distroIgnored: number;
  /** Candidates skipped because a version could not be parsed. */
  invalidVersions: number;
}

export interface MatchResult {
  findings: Finding[];
  warnings: string[];
  stats: MatchStats;
  /** Namespaces the SBOM needed (distro release, ecosystems) and whether the snapshot had them. */
  namespaces: { namespace: string; present: boolean }[];
}

export interface MatchOptions {
  /** Report distro "not affected"/"unimportant" entries too (status not_affected). */
  includeDistroIgnored?: boolean;
}

export type { AdvisoryStatus, AffectedRange, SeverityRating };
