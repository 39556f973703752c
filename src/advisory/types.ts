import type { AffectedRange } from "../versioning/types.js";

/**
 * The normalised advisory model every feed parser produces and the snapshot store keeps.
 *
 * Namespaces (the partition key of the snapshot and of lookups):
 * - distro releases: `${distroId}:${release}` with the os-release ID and the release as matching uses it:
 *   `debian:12` (major version, not the codename), `ubuntu:22.04`, `alpine:3.18` (major.minor),
 *   `rhel:8`, `almalinux:9`, `rocky:9`, `amzn:2023`, `sles:15.5`; rolling distros without a release:
 *   `wolfi`, `chainguard`, `alpine:edge`, `debian:sid`.
 * - language ecosystems, named as the purl type: `npm`, `pypi`, `maven`, `golang`, `cargo`, `gem`,
 *   `composer`, `nuget`.
 * - `nvd`: CVE-level records with no package ranges (CVSS fallback, descriptions, CPE configurations).
 *
 * Package names are stored normalised for lookups: the distro's source package name; PEP 503 for pypi;
 * `group:artifact` for maven; module path for golang; lower-case for nuget and composer.
 */

export type AdvisoryStatus =
  | "affected" // vulnerable, fix known or not (see fixedVersions / ranges)
  | "fixed" // fixed in the stated version; vulnerable below it
  | "not_affected" // the distro says this release is not affected (or "unimportant" where the distro's rules say so)
  | "will_not_fix" // vulnerable, the distro will not fix (Debian "ignored", Ubuntu "ignored", RH "Will not fix")
  | "fix_deferred" // vulnerable, fix postponed (Debian "postponed", RH "Fix deferred")
  | "under_investigation"
  | "end_of_life"
  | "unknown";

export type SeverityRating = "critical" | "high" | "medium" | "low" | "negligible" | "unknown";

export interface Cvss {
  /** "2.0" | "3.0" | "3.1" | "4.0" */
  version: string;
  vector: string;
  /** Score as stated by the source, or computed when the source gives only the vector. */
  score: number;
  /** Score computed from the vector by the CVSS library; set when it disagrees with the stated one. */
  computedScore?: number;
}

export interface SeverityEntry {
  /** Who says so: "debian", "ubuntu", "alpine", "redhat", "ghsa", "nvd", "osv:<ecosystem>", … */
  source: string;
  /** The source's own word (Debian urgency "low**", Ubuntu priority "medium", GHSA "HIGH") normalised. */
  rating?: SeverityRating;
  /** The source's raw rating text, kept for display/audit. */
  ratingText?: string;
  cvss?: Cvss[];
}

export interface AffectedPackage {
  namespace: string;
  /** Normalised package name (see above). For distros: the source package. */
  name: string;
  status: AdvisoryStatus;
  /** Version ranges in the namespace's scheme (distro feeds use one ECOSYSTEM range: introduced 0, fixed X). */
  ranges: AffectedRange[];
  /** Explicitly listed affected versions (OSV `versions`). */
  versions?: string[];
  fixedVersions?: string[];
  /** Per-package severity from the distro (Debian urgency is per release and package). */
  severity?: SeverityEntry;
  /** Free text from the feed (Debian nodsa reason, etc.). */
  note?: string;
}

export interface AdvisoryRecord {
  /** Primary id as the feed gives it: CVE-…, GHSA-…, GO-…, PYSEC-…, RUSTSEC-…, DSA-…, ALPINE-CVE-… */
  id: string;
  aliases: string[];
  /** Feed name: "osv", "debian", "alpine", "nvd", … */
  source: string;
  summary?: string;
  description?: string;
  published?: string;
  modified?: string;
  withdrawn?: string;
  affected: AffectedPackage[];
  severities: SeverityEntry[];
  cwes: string[];
  references: string[];
}

export interface KevEntry {
  cveId: string;
  dateAdded: string;
  dueDate?: string;
  vendor?: string;
  product?: string;
  knownRansomwareCampaignUse?: string;
  shortDescription?: string;
}

export interface EpssEntry {
  cveId: string;
  score: number;
  percentile: number;
  date?: string;
}

/** One candidate returned by a lookup: an advisory and the affected-package entry that matched the key. */
export interface AdvisoryCandidate {
  advisoryId: string;
  aliases: string[];
  source: string;
  affected: AffectedPackage;
}

/** Facts about one CVE gathered from every feed (for severity fallback and enrichment). */
export interface CveFacts {
  id: string;
  /** Severity entries from every source that scores it (NVD, GHSA, distro …). */
  severities: SeverityEntry[];
  description?: string;
  published?: string;
  references?: string[];
  cwes?: string[];
  kev?: KevEntry;
  epss?: EpssEntry;
}

/** An advisory record without its affected packages. */
export type AdvisoryHead = Omit<AdvisoryRecord, "affected">;

export interface FeedStats {
  feed: string;
  records: number;
  skipped: number;
  /** First few skipped records, named. */
  skippedExamples: string[];
  /** Newest modified/published date seen, ISO. */
  newest?: string;
  source: string;
}

export interface SnapshotManifest {
  schemaVersion: number;
  builtAt: string;
  /** sha256 of the snapshot's content (records), independent of build time. */
  contentHash: string;
  feeds: FeedStats[];
  namespaces: { namespace: string; records: number }[];
}

/** The read API of an advisory snapshot, used by the matcher. Implementations must be fast (µs lookups). */
export interface AdvisoryStore {
  readonly manifest: SnapshotManifest;
  /** Namespaces present in the snapshot. */
  namespaces(): string[];
  /** Candidates for a package key. `name` must already be normalised for the namespace. */
  lookup(namespace: string, name: string): AdvisoryCandidate[];
  /** The full record of one advisory. */
  getAdvisory(id: string): AdvisoryRecord | undefined;
  /**
   * One advisory without its affected packages (what a finding shows: aliases, severities, texts,
   * references); cheaper than getAdvisory. The object may be shared by later calls: do not modify it.
   */
  advisoryHead(id: string): Readonly<AdvisoryHead> | undefined;
  /** Everything known about a CVE across feeds (NVD CVSS, KEV, EPSS, descriptions). */
  cveFacts(cveId: string): CveFacts | undefined;
  close(): void;
}
