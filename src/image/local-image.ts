/**
 * Opening local images: `oci-dir://`, `archive://` (docker save legacy and OCI-in-docker, OCI archive,
 * optionally gzip/zstd-compressed), `fs://` and bare paths (detected from what is on disk).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { VigilError } from "../core/errors.js";
import { parseLocalReference } from "../reference/local.js";
import { type BlobStore, DirBlobStore, TarBlobStore } from "./blob-store.js";
import { createDecompressor, sniffCompression } from "./decompress.js";
import { buildImageInfo, checkDigest, parseConfig, parseJson, sha256, verifyDigest } from "./image-config.js";
import { openOciImage } from "./oci-image.js";
import type { LayerDescriptor, OpenedImage, OpenOptions } from "./types.js";

async function statOrNull(p: string) {
  try {
    return await stat(p);
  } catch {
    return null;
  }
}

/** Open any local image reference. Throws REFERENCE for a non-local reference. */
export async function openLocalImage(ref: string, opts: OpenOptions): Promise<OpenedImage> {
  const parsed = parseLocalReference(ref);
  if (!parsed) throw new VigilError("REFERENCE", `${ref}: not a local image reference`);
  const path = resolve(parsed.path);
  const st = await statOrNull(path);
  if (!st) throw new VigilError("NOT_FOUND", `${parsed.path}: no such file or directory`);
  switch (parsed.scheme) {
    case "oci-dir":
      if (!st.isDirectory()) throw new VigilError("IMAGE_FORMAT", `${parsed.path}: not a directory`);
      return openOciDir(ref, path, opts);
    case "archive":
      if (!st.isFile()) throw new VigilError("IMAGE_FORMAT", `${parsed.path}: not a file`);
      return openArchive(ref, path, opts);
    case "fs":
      if (!st.isDirectory()) throw new VigilError("IMAGE_FORMAT", `${parsed.path}: not a directory`);
      return openRootfs(ref, path);
    case "path": {
      if (st.isFile()) return openArchive(ref, path, opts);
      if (!st.isDirectory()) throw new VigilError("IMAGE_FORMAT", `${parsed.path}: not a file or directory`);
      const isLayout =
        (await statOrNull(join(path, "index.json"))) || (await statOrNull(join(path, "oci-layout")));
      return isLayout ? openOciDir(ref, path, opts) : openRootfs(ref, path);
    }
  }
}

async function openOciDir(ref: string, dir: string, opts: OpenOptions): Promise<OpenedImage> {
  const store = new DirBlobStore(dir);
  await checkOciLayoutFile(store);
  return openOciImage(store, ref, opts, { kind: "OCI layout" });
}

async function checkOciLayoutFile(store: BlobStore): Promise<void> {
  const buf = await store.read("oci-layout", 64 * 1024);
  if (!buf) return; // tolerated: some tools omit it
  const o = parseJson(buf, `${store.describe}: oci-layout`);
  const v = o.imageLayoutVersion;
  if (typeof v !== "string" || !v.startsWith("1.")) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${store.describe}: unsupported imageLayoutVersion ${JSON.stringify(v)}`,
    );
  }
}

async function openRootfs(ref: string, dir: string): Promise<OpenedImage> {
  return {
    info: { reference: ref, layers: [] },
    layers: [],
    rootDir: dir,
    async openLayerBlob(): Promise<never> {
      throw new VigilError("INTERNAL", `${dir}: a root filesystem has no layers`);
    },
    async close() {},
  };
}

/** Decompress a gzip/zstd tarball to a temp file (bounded by the image size limit). */
async function decompressToTemp(path: string, kind: "gzip" | "zstd", opts: OpenOptions) {
  const dir = await mkdtemp(join(tmpdir(), "vigil-archive-"));
  const out = join(dir, "image.tar");
  let total = 0;
  const max = opts.limits.maxImageSize;
  const limiter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      total += chunk.length;
      if (total > max)
        cb(new VigilError("LIMIT", `${path}: uncompressed archive exceeds --max-image-size (${max} bytes)`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(path), createDecompressor(kind), limiter, createWriteStream(out));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    if (e instanceof VigilError) throw e;
    throw new VigilError("CORRUPT", `${path}: corrupt ${kind} data (${(e as Error).message})`);
  }
  return { file: out, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function openArchive(ref: string, path: string, opts: OpenOptions): Promise<OpenedImage> {
  const fh = await open(path, "r");
  const head = Buffer.alloc(512);
  let n: number;
  try {
    ({ bytesRead: n } = await fh.read(head, 0, 512, 0));
  } finally {
    await fh.close();
  }
  const kind = sniffCompression(head.subarray(0, n));
  let file = path;
  let cleanup: (() => Promise<void>) | undefined;
  if (kind !== "none") {
    opts.logger.debug(`${path}: ${kind}-compressed archive, decompressing to a temp file`);
    ({ file, cleanup } = await decompressToTemp(path, kind, opts));
  }
  try {
    const store = await TarBlobStore.index(file, opts.limits.maxEntries);
    const names = new Set(await store.list());
    const tags = names.has("manifest.json") ? dockerTags(await store.read("manifest.json")) : undefined;
    if (names.has("index.json")) {
      await checkOciLayoutFile(store);
      return await openOciImage(store, ref, opts, { kind: "OCI archive", tags, onClose: cleanup });
    }
    if (names.has("manifest.json")) return await openDockerLegacy(store, ref, opts, cleanup);
    throw new VigilError(
      "IMAGE_FORMAT",
      `${path}: not an image archive (no index.json or manifest.json; expected an OCI archive or a docker save tarball)`,
    );
  } catch (e) {
    await cleanup?.();
    throw e;
  }
}

function dockerTags(buf: Buffer | undefined): string[] | undefined {
  if (!buf) return undefined;
  try {
    const m = JSON.parse(buf.toString("utf8")) as unknown;
    if (!Array.isArray(m)) return undefined;
    const tags = m.flatMap((e) =>
      e && Array.isArray(e.RepoTags) ? e.RepoTags.filter((t: unknown) => typeof t === "string") : [],
    );
    return tags.length > 0 ? tags : undefined;
  } catch {
    return undefined;
  }
}

const DOCKER_LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar";

/** The legacy `docker save` layout: manifest.json + `<id>.json` config + `<id>/layer.tar`. */
async function openDockerLegacy(
  store: TarBlobStore,
  ref: string,
  opts: OpenOptions,
  cleanup: (() => Promise<void>) | undefined,
): Promise<OpenedImage> {
  const where = store.describe;
  let m: unknown;
  try {
    m = JSON.parse((await store.read("manifest.json"))!.toString("utf8"));
  } catch (e) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${where}: manifest.json is not valid JSON (${(e as Error).message})`,
    );
  }
  if (!Array.isArray(m) || m.length === 0 || typeof m[0] !== "object" || m[0] === null) {
    throw new VigilError("IMAGE_FORMAT", `${where}: manifest.json lists no image`);
  }
  const entry = m[0] as Record<string, unknown>;
  if (m.length > 1) {
    opts.logger.warn(
      `${where}: the archive holds ${m.length} images; reading the first (${String(entry.Config)})`,
    );
  }
  if (typeof entry.Config !== "string" || !Array.isArray(entry.Layers)) {
    throw new VigilError("IMAGE_FORMAT", `${where}: manifest.json entry has no Config or Layers`);
  }
  const cfgBuf = await store.read(entry.Config);
  if (!cfgBuf) throw new VigilError("NOT_FOUND", `${where}: config ${entry.Config} is missing`);
  // The config's name is its digest: `<hex>.json` (legacy) or `blobs/sha256/<hex>`.
  const hex = /([a-f0-9]{64})(\.json)?$/.exec(entry.Config)?.[1];
  let configDigest: string;
  if (hex) {
    configDigest = `sha256:${hex}`;
    verifyDigest(cfgBuf, configDigest, `${where}: config ${entry.Config}`);
  } else configDigest = sha256(cfgBuf);
  const config = parseConfig(parseJson(cfgBuf, `${where}: config`), `${where}: config`);
  const layerPaths = entry.Layers as unknown[];
  if (layerPaths.length !== config.diffIds.length) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${where}: manifest.json lists ${layerPaths.length} layers but the config has ${config.diffIds.length} diff_ids`,
    );
  }
  const paths: string[] = [];
  const layers: LayerDescriptor[] = [];
  for (const [i, p] of layerPaths.entries()) {
    if (typeof p !== "string")
      throw new VigilError("IMAGE_FORMAT", `${where}: manifest.json Layers[${i}] is not a path`);
    const r = await store.locate(p);
    if (!r) throw new VigilError("NOT_FOUND", `${where}: layer ${p} is missing from the archive`);
    const diffId = checkDigest(config.diffIds[i], `${where}: diff_ids[${i}]`);
    // The stored layer is the uncompressed tar, so its digest is the diffID.
    layers.push({ index: i, digest: diffId, diffId, mediaType: DOCKER_LAYER_TYPE, size: r.length });
    paths.push(p);
  }
  const tags = dockerTags(Buffer.from(JSON.stringify([entry])));
  const info = buildImageInfo(ref, config, layers, { configDigest, ...(tags ? { tags } : {}) });
  const pathOf = (layer: LayerDescriptor): string => {
    const p = paths[layer.index];
    if (p === undefined) throw new VigilError("INTERNAL", `unknown layer ${layer.digest}`);
    return p;
  };
  return {
    info,
    layers,
    openLayerBlob: (layer) => store.open(pathOf(layer)),
    layerFile: (layer) => store.locate(pathOf(layer)),
    async attestations() {
      return [];
    },
    async close() {
      await cleanup?.();
    },
  };
}
