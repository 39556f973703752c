/** The image layer: opening local images and walking their layers. */
export { parseLocalReference } from "../reference/local.js";
export { type BlobStore, blobPath, DirBlobStore, TarBlobStore } from "./blob-store.js";
export { openLocalImage } from "./local-image.js";
export { listManifests, type ManifestEntry, readBlob } from "./oci-image.js";
export { choosePlatform, formatPlatform, type Platform, parsePlatform } from "./platform.js";
export * from "./types.js";
export { layerCacheDir, layerCacheUsage, pruneLayerCache } from "./walk/layer-cache.js";
export { walkImage } from "./walk/walk.js";
