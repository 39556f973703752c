import type { Readable } from "node:stream";
import type { ImageInfo, Provenance, Sbom } from "../sbom/model.js";

/** Limits applied while reading an image; each has a CLI flag (see README). */
export interface ImageLimits {
  /** Total uncompressed bytes across all layers (default 3 GB, like Scout Desktop). `--max-image-size` */
  maxImageSize: number;
  /** Largest single file a cataloger may buffer (default 64 MiB). `--max-file-size` */
  maxFileSize: number;
  /** Max uncompressed/compressed ratio of a layer before it is treated as a bomb (default 200). `--max-ratio` */
  maxCompressionRatio: number;
  /** Max tar entries per image (default 2,000,000). `--max-entries` */
  maxEntries: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxImageSize: 3 * 1024 ** 3,
  maxFileSize: 64 * 1024 ** 2,
  maxCompressionRatio: 200,
  maxEntries: 2_000_000,
};

export interface LayerDescriptor {
  index: number;
  /** Digest of the blob as stored (compressed or not). Verified while streaming. */
  digest: string;
  /** Uncompressed digest (config rootfs.diff_ids[index]). Verified while streaming. */
  diffId: string;
  mediaType: string;
  /** Stored size in bytes when the manifest gives it. */
  size?: number;
}

/** An uncompressed layer tar stored in a local file, readable at random (docker-archive `layer.tar`). */
export interface LayerFileRange {
  path: string;
  offset: number;
  length: number;
}

/** One in-toto statement found in an attestation manifest. */
export interface AttestationStatement {
  predicateType: string;
  /** Parsed in-toto statement (subject, predicate …). Untrusted data. */
  statement: unknown;
}

export interface Attestations {
  statements: AttestationStatement[];
  /** Filled by the attestation reader from SLSA provenance statements. */
  provenance?: Provenance;
  /** Packages from an SBOM attestation, already converted. */
  sbom?: Sbom;
}

/** An image opened for reading. Sources do not decompress; the layer walk does. */
export interface OpenedImage {
  info: ImageInfo;
  layers: LayerDescriptor[];
  /** The stored blob stream of a layer (compressed as `mediaType` says). */
  openLayerBlob(layer: LayerDescriptor): Promise<Readable>;
  /**
   * A layer blob that a worker thread may download itself (a registry blob), with the credentials
   * already known for it; undefined to stream it with `openLayerBlob`. The walk falls back to
   * `openLayerBlob` when the download answers anything but 200 or is not gzip.
   */
  layerDownload?(layer: LayerDescriptor): Promise<LayerDownload | undefined>;
  /**
   * When the layer's blob is a local file (or a range of one): where it is. The walk sniffs it: an
   * uncompressed tar is walked by seeking header to header, a gzip one is inflated in a worker thread.
   */
  layerFile?(layer: LayerDescriptor): Promise<LayerFileRange | undefined>;
  /** BuildKit attestations attached to the image, if the source can see them. */
  attestations?(): Promise<AttestationStatement[]>;
  /** For fs:// sources: the root directory (no layers). */
  rootDir?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** os/arch[/variant]; default linux/amd64 (or the only platform present). */
  platform?: string;
  limits: ImageLimits;
  logger: import("../core/logger.js").Logger;
  /** Registry access for registry:// and image:// references (flags; env and docker config are read too). */
  registry?: RegistryAccess;
}

export interface RegistryAccess {
  /** `--username`; with `password` (from `--password-stdin`) overrides stored credentials. */
  username?: string;
  password?: string;
  /** Registries (host[:port]) allowed over plain HTTP besides loopback (`--insecure-registry`). */
  insecureRegistries?: string[];
}

/** What the layer walk knows about one path of the final filesystem. */
export interface FileIndexEntry {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  size: number;
  mode?: number;
  /** Index of the layer that last wrote the path. */
  layerIndex: number;
  /** Symlink / hardlink target as stored (already checked to stay inside the root). */
  linkTarget?: string;
}

/** The final filesystem of an image: every surviving path and the layer that last wrote it. */
export interface FileIndex {
  get(path: string): FileIndexEntry | undefined;
  has(path: string): boolean;
  /** Resolve symlinks inside the image root (loops and escapes give undefined). */
  resolve(path: string): FileIndexEntry | undefined;
  entries(): Iterable<FileIndexEntry>;
  readonly size: number;
}

/** Captured files (the ones some cataloger wanted) as they stand after a given layer. */
export interface WalkResult {
  fileIndex: FileIndex;
  layerCount: number;
  /** Captured files visible in the final filesystem. */
  finalFiles(): import("../catalog/types.js").FileRef[];
  /** Captured files visible after applying layers 0..layerIndex (for "database" attribution). */
  filesAfterLayer(layerIndex: number): import("../catalog/types.js").FileRef[];
  /** Captured paths that layer `layerIndex` wrote or deleted (whiteouts included). */
  changedByLayer(layerIndex: number): readonly string[];
  /** Bytes read (uncompressed) and timing, for progress and benchmarks. */
  stats: { bytesRead: number; entries: number; layersFromCache: number; millis: number };
  /**
   * Settles when every layer's digest check has passed; rejects with DIGEST_MISMATCH otherwise. Already
   * settled unless the walk ran with `deferDigestChecks`: then the caller must await it before it trusts,
   * prints or stores anything made from the walk.
   */
  verified: Promise<void>;
  /**
   * The caller has nothing else to do until `verified` settles: digest checks still waiting for a worker
   * are then done on the calling thread (no worker has to start for them).
   */
  idle(): void;
  /** Waits for the per-layer cache writes still running, then releases temp files and open descriptors. */
  dispose(): Promise<void>;
}

export interface WalkOptions {
  /** Union of the catalogers' `wants` (`mode`: the entry's permission bits, where recorded). */
  wants(path: string, size: number, mode?: number): boolean;
  /**
   * The parts of a wanted file that every cataloger wanting it reads (`Cataloger.partial`), when not
   * the whole file: a streamed layer then keeps only those (a local uncompressed tar keeps file ranges,
   * which cost nothing).
   */
  partial?(path: string, size: number, mode?: number): import("../catalog/types.js").PartialSpec | undefined;
  limits: ImageLimits;
  logger: import("../core/logger.js").Logger;
  /** Layers decompressed at once (default: 2). */
  concurrency?: number;
  /**
   * Key of the per-layer cache (catalogers' names and versions); when set, layer summaries are read from
   * and written to `${cacheDir()}/layers/` keyed by diffID + this key, and a cached layer is not read.
   */
  layerCacheKey?: string;
  /**
   * Return once the headers are read, before the digest checks of layers read by seeking a local
   * uncompressed tar have finished (they run in worker threads): the catalogers can run meanwhile.
   * `WalkResult.verified` then settles with the checks.
   */
  deferDigestChecks?: boolean;
}

/** How a worker thread downloads a layer blob (see `OpenedImage.layerDownload`). */
export interface LayerDownload {
  url: string;
  headers: Record<string, string>;
  /** The largest body accepted (the manifest's size, else the image size limit). */
  maxBytes: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  /** Extra CA certificates (PEM) for https, Node's roots included. */
  ca?: string[];
  /** Bytes received so far, for a progress bar; `done` once the blob is complete. */
  progress?(bytes: number, done: boolean): void;
}
