import type { Logger } from "../core/logger.js";
import type { Distro, Package } from "../sbom/model.js";

/** A file captured by the layer walk for a cataloger, as it stands in one filesystem state. */
export interface FileRef {
  /** Absolute, normalised path inside the image ("/var/lib/dpkg/status"). */
  path: string;
  size: number;
  /** Index of the layer that wrote this version of the file (-1 for fs:// inputs). */
  layerIndex: number;
  mode?: number;
  /**
   * Identifies the bytes: FileRefs with the same `contentId` have the same content (a file and the
   * symlinks and hard links to it). A cataloger may parse such a content once.
   */
  contentId?: object;
  /** Whole content (bounded by the max-file-size limit). */
  read(): Promise<Buffer>;
  /** Bytes [start, end) of the content; cheap even for large files. */
  readRange(start: number, end: number): Promise<Buffer>;
}

export interface CatalogInput {
  /** The files this cataloger wanted, present in the filesystem state being catalogued. */
  files: readonly FileRef[];
  /** Distro detected in the same filesystem state, if any (for purl qualifiers). */
  distro?: Distro;
  /** Whether a path exists in that filesystem state (any file type). */
  exists(path: string): boolean;
  logger: Logger;
  /**
   * Only the packages' identities and versions are needed (the indexer diffing an earlier layer state's
   * package database for layer attribution): extras such as owned files and licenses may be left out.
   */
  identityOnly?: boolean;
}

export interface CatalogResult {
  /**
   * Packages found. Catalogers fill `locations[].path` (and `layerIndex` from the FileRef when the
   * attribution is "file"); the indexer fills layer attribution for "database" catalogers.
   */
  packages: Package[];
  /** Non-fatal problems (a malformed record skipped …), each naming the file. */
  warnings: string[];
}

export interface Cataloger {
  /** Short unique name ("dpkg", "npm", "java" …); recorded as Package.foundBy. */
  readonly name: string;
  /** Bump when output changes: part of the per-layer and SBOM cache keys. */
  readonly version: string;
  readonly kind: "os" | "language";
  /**
   * "database": the package set is read from a database rewritten by each install (dpkg status, apk
   * installed, rpmdb); the indexer catalogues every layer state where those files changed and
   * attributes each package to the layer that introduced its current version.
   * "file": each package is evidenced by its own file(s); the package's layer is its file's layer.
   */
  readonly attribution: "database" | "file";
  /**
   * Does this cataloger want the file at `path` (absolute, normalised)? Called for every file: keep it
   * cheap. `mode` is the file's permission bits (`0o755`) where the source records them (tar headers, a
   * root filesystem), undefined where it does not; the walk and the indexer pass the same value for the
   * same file, so the answer is the same at both.
   */
  wants(path: string, size: number, mode?: number): boolean;
  /**
   * For a wanted file, the parts this cataloger reads, when not the whole file (a program's headers,
   * not its code). A layer walk that streams the file then keeps only those parts; a read outside them
   * re-reads the file from its layer, so a spec that misses a part costs time, never a finding.
   */
  partial?(path: string, size: number, mode?: number): PartialSpec | undefined;
  catalog(input: CatalogInput): Promise<CatalogResult>;
}

/** The parts of a file a cataloger reads (see `Cataloger.partial`). */
export interface PartialSpec {
  /** Bytes at the start of the file that `select` looks at. */
  readonly head: number;
  /**
   * Given the first `head` bytes (fewer when the file is shorter) and the file's size: the byte ranges
   * [start, end) to keep, or "all" for the whole file.
   */
  select(head: Buffer, size: number): readonly (readonly [number, number])[] | "all";
}
