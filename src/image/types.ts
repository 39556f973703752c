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
  /** When the layer is an uncompressed tar in a local file: where it is, for header-seeking walks. */
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
}
