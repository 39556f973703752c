/**
 * The SBOM model: what indexing produces and what matching, reporting and caching consume.
 * Vigil's own JSON SBOM format (`vigil sbom --format json`) is this model serialised, with
 * `schemaVersion` bumped on any incompatible change (docs/sbom-json.md documents it).
 */

export const SBOM_SCHEMA_VERSION = "1.0";

/** Package types, named as the purl type where one exists. */
export type PackageType =
  | "deb"
  | "apk"
  | "rpm"
  | "npm"
  | "pypi"
  | "maven"
  | "golang"
  | "cargo"
  | "gem"
  | "composer"
  | "nuget"
  | "generic";

export interface Distro {
  /** os-release ID, lower case: debian, ubuntu, alpine, rhel, centos, rocky, almalinux, fedora, amzn, sles, wolfi, chainguard … */
  id: string;
  /** VERSION_ID (e.g. "12", "3.18.4", "22.04"); may be empty for rolling distros. */
  versionId: string;
  /** VERSION_CODENAME (bookworm, jammy …) when known. */
  codename?: string;
  /** ID_LIKE entries. */
  idLike?: string[];
  prettyName?: string;
  /** The file the facts came from, e.g. /etc/os-release. */
  source?: string;
}

/** Where a package was found. */
export interface Location {
  /** Absolute path inside the image, e.g. /var/lib/dpkg/status. */
  path: string;
  /** Index of the layer that last wrote `path` (0 = first layer). Absent for fs:// or SBOM inputs. */
  layerIndex?: number;
  /** diffID of that layer. */
  layerDiffId?: string;
}

export interface Package {
  /** Stable id inside one SBOM: `${type}:${namespace/}${name}@${version}` plus arch/qualifiers when needed for uniqueness. */
  id: string;
  type: PackageType;
  name: string;
  /** Maven groupId, Go module prefix is part of name; npm scope (without @) for scoped packages; distro vendor for OS packages. */
  namespace?: string;
  version: string;
  purl: string;
  /** For OS packages: the source package (Debian Source:, apk origin, rpm source RPM name). */
  sourceName?: string;
  /** Source package version when it differs from `version` (Debian `Source: foo (1.2-3)`). */
  sourceVersion?: string;
  /** rpm epoch (also folded into `version` as "E:V-R" when non-zero? no: `version` is V-R, epoch kept here). */
  epoch?: number;
  arch?: string;
  licenses?: string[];
  /** Evidence: where the package was found (the db file, the package.json, the jar …). */
  locations: Location[];
  /** The layer whose change introduced this package at its current version. */
  layerIndex?: number;
  layerDiffId?: string;
  /** Files owned by an OS package (from dpkg info/*.list, apk db, rpm headers). Not serialised in list outputs. */
  files?: string[];
  /** For a language package whose files are owned by an OS package: the owning OS package's id. */
  ownedBy?: string;
  /** Which cataloger (or attestation) found it: "dpkg", "npm", "attestation:spdx" … */
  foundBy: string;
  /** Other facts (modularity label, vendor, maintainer, Go main module flag …). Values are plain strings. */
  metadata?: Record<string, string>;
}

export interface LayerInfo {
  index: number;
  /** Digest of the uncompressed layer (config rootfs.diff_ids). */
  diffId: string;
  /** Digest of the blob as stored (compressed), when known. */
  digest?: string;
  mediaType?: string;
  /** Compressed size (bytes) when known. */
  size?: number;
  /** Dockerfile instruction from the config history (`created_by`), if any. */
  createdBy?: string;
  created?: string;
  /** True when history says the layer came from a base image (used later by base detection). */
  emptyLayer?: false;
}

export interface HistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer?: boolean;
}

export interface ImageInfo {
  /** The reference as the user gave it. */
  reference: string;
  /** Normalised name (docker.io/library/alpine) when the source has one. */
  name?: string;
  tags?: string[];
  /** Manifest digest (sha256:…) when known; for local archives the manifest's digest too. */
  digest?: string;
  /** Digest of the config blob (the "image id"). */
  configDigest?: string;
  /** Index digest when the image was chosen from a multi-platform index. */
  indexDigest?: string;
  platform?: { os: string; architecture: string; variant?: string };
  created?: string;
  /** Sum of compressed layer sizes. */
  size?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  user?: string;
  layers: LayerInfo[];
  history?: HistoryEntry[];
}

/** Facts from a build provenance attestation (issue: registry/attestations). */
export interface Provenance {
  predicateType: string;
  /** Base images: FROM materials / resolvedDependencies, with digest when known. */
  baseImages: { uri: string; digest?: string }[];
  buildArgs?: Record<string, string>;
  sourceRepository?: string;
  sourceCommit?: string;
  builderId?: string;
}

export interface Sbom {
  schemaVersion: typeof SBOM_SCHEMA_VERSION;
  /** Vigil version and indexer version that produced it. */
  generator: { name: "vigil"; version: string; indexerVersion: string };
  createdAt: string;
  image: ImageInfo;
  distro?: Distro;
  packages: Package[];
  provenance?: Provenance;
  /** Where packages came from besides the filesystem (attestation SBOM, imported SBOM). */
  sources?: { kind: "filesystem" | "attestation" | "sbom-file"; detail?: string }[];
  /** OpenVEX documents found in the image's VEX attestations (applied by the matcher). Untrusted. */
  attestedVex?: unknown[];
  /** OpenVEX documents shipped inside the image (`*.vex.json`); ignored when `attestedVex` exists. Untrusted. */
  imageVex?: { path: string; document: unknown }[];
  /** Problems met while indexing that did not stop it (malformed records, unreadable jars …). */
  warnings?: string[];
}
