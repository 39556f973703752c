/**
 * Images stored as an OCI image layout (index.json + blobs/), in a directory or inside a tarball
 * (OCI archive, Docker 25+ `docker save`): nested indexes, platform selection, attestation manifests.
 */
import type { Readable } from "node:stream";
import { VigilError } from "../core/errors.js";
import type { BlobStore } from "./blob-store.js";
import { blobPath } from "./blob-store.js";
import {
  buildImageInfo,
  type Descriptor,
  parseConfig,
  parseDescriptor,
  parseJson,
  verifyDigest,
} from "./image-config.js";
import { choosePlatform, type Platform } from "./platform.js";
import { statementFromBlob } from "./statement.js";
import type {
  AttestationStatement,
  LayerDescriptor,
  LayerFileRange,
  OpenedImage,
  OpenOptions,
} from "./types.js";

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);
const MANIFEST_TYPES = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
]);
const MAX_INDEX_DEPTH = 4;
const MAX_ATTESTATION_SIZE = 64 * 1024 * 1024;

/** A manifest found by walking index.json (for attestation readers and diagnostics). */
export interface ManifestEntry {
  descriptor: Descriptor;
  /** Digest of the index that listed it (undefined for index.json itself). */
  indexDigest?: string;
  /** True for BuildKit attestation manifests (`vnd.docker.reference.type: attestation-manifest`). */
  attestation: boolean;
  /** For attestation manifests: the image manifest digest they describe. */
  refersTo?: string;
}

export async function readBlob(
  store: BlobStore,
  d: Descriptor,
  what: string,
  maxSize: number,
): Promise<Buffer> {
  const data = await store.read(blobPath(d.digest), maxSize);
  if (!data) throw new VigilError("NOT_FOUND", `${store.describe}: ${what} blob ${d.digest} is missing`);
  verifyDigest(data, d.digest, `${store.describe}: ${what} ${d.digest}`);
  return data;
}

/** Walk index.json and nested indexes, listing every manifest descriptor. */
export async function listManifests(
  store: BlobStore,
): Promise<{ manifests: ManifestEntry[]; root: Record<string, unknown> }> {
  const rootBuf = await store.read("index.json");
  if (!rootBuf) {
    throw new VigilError("IMAGE_FORMAT", `${store.describe}: not an OCI image layout (missing index.json)`);
  }
  const root = parseJson(rootBuf, `${store.describe}: index.json`);
  const out: ManifestEntry[] = [];
  const visit = async (
    index: Record<string, unknown>,
    where: string,
    digest: string | undefined,
    depth: number,
  ) => {
    if (!Array.isArray(index.manifests)) throw new VigilError("IMAGE_FORMAT", `${where}: no manifests list`);
    for (const [i, m] of index.manifests.entries()) {
      const d = parseDescriptor(m, `${where}: manifests[${i}]`);
      let mt = d.mediaType;
      if (mt === "") {
        // Some writers omit the descriptor's media type: take it from the document itself.
        const doc = parseJson(await readBlob(store, d, "manifest", 8 * 1024 * 1024), `${where}: ${d.digest}`);
        mt =
          typeof doc.mediaType === "string"
            ? doc.mediaType
            : Array.isArray(doc.manifests)
              ? "application/vnd.oci.image.index.v1+json"
              : "application/vnd.oci.image.manifest.v1+json";
      }
      if (INDEX_TYPES.has(mt)) {
        if (depth >= MAX_INDEX_DEPTH)
          throw new VigilError("IMAGE_FORMAT", `${where}: indexes nested too deeply`);
        const buf = await readBlob(store, d, "index", 8 * 1024 * 1024);
        await visit(
          parseJson(buf, `${store.describe}: index ${d.digest}`),
          `${store.describe}: index ${d.digest}`,
          d.digest,
          depth + 1,
        );
        continue;
      }
      if (!MANIFEST_TYPES.has(mt)) continue; // unknown artifact types are skipped
      const attestation = d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
      out.push({
        descriptor: d,
        indexDigest: digest,
        attestation,
        refersTo: attestation ? d.annotations?.["vnd.docker.reference.digest"] : undefined,
      });
    }
  };
  await visit(root, `${store.describe}: index.json`, undefined, 0);
  return { manifests: out, root };
}

export interface OciOpenExtra {
  tags?: string[];
  /** Release resources (temp files) when the image is closed. */
  onClose?: () => Promise<void>;
  /** Kind shown in errors ("OCI layout", "docker archive"). */
  kind: string;
}

export async function openOciImage(
  store: BlobStore,
  reference: string,
  opts: OpenOptions,
  extra: OciOpenExtra,
): Promise<OpenedImage & { manifests: ManifestEntry[] }> {
  const { manifests } = await listManifests(store);
  const images = manifests.filter((m) => !m.attestation);
  // Candidates without a platform in the index get theirs from the config (needed only to choose).
  const candidates: { entry: ManifestEntry; platform?: Platform }[] = [];
  for (const entry of images) {
    let platform = entry.descriptor.platform;
    if (!platform && images.length > 1) {
      const mbuf = await readBlob(store, entry.descriptor, "manifest", 8 * 1024 * 1024);
      const man = parseJson(mbuf, `${store.describe}: manifest ${entry.descriptor.digest}`);
      const cfgD = parseDescriptor(
        man.config,
        `${store.describe}: manifest ${entry.descriptor.digest} config`,
      );
      const cfg = parseJson(await readBlob(store, cfgD, "config", 8 * 1024 * 1024), `config ${cfgD.digest}`);
      platform = parseConfig(cfg, `${store.describe}: config ${cfgD.digest}`).platform;
    }
    if (platform && platform.os === "unknown" && platform.architecture === "unknown") continue;
    candidates.push({ entry, platform });
  }
  const chosen = choosePlatform(candidates, opts.platform, `${store.describe}`);
  const md = chosen.entry.descriptor;
  const mbuf = await readBlob(store, md, "manifest", 8 * 1024 * 1024);
  const manifest = parseJson(mbuf, `${store.describe}: manifest ${md.digest}`);
  if (manifest.mediaType && !MANIFEST_TYPES.has(String(manifest.mediaType))) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${store.describe}: unsupported manifest type ${String(manifest.mediaType)}`,
    );
  }
  const cfgD = parseDescriptor(manifest.config, `${store.describe}: manifest ${md.digest} config`);
  const cfgBuf = await readBlob(store, cfgD, "config", 32 * 1024 * 1024);
  const config = parseConfig(
    parseJson(cfgBuf, `${store.describe}: config ${cfgD.digest}`),
    `config ${cfgD.digest}`,
  );
  if (!Array.isArray(manifest.layers)) {
    throw new VigilError("IMAGE_FORMAT", `${store.describe}: manifest ${md.digest} has no layers list`);
  }
  const layerDs = manifest.layers.map((l, i) =>
    parseDescriptor(l, `${store.describe}: manifest layers[${i}]`),
  );
  if (layerDs.length !== config.diffIds.length) {
    throw new VigilError(
      "IMAGE_FORMAT",
      `${store.describe}: manifest lists ${layerDs.length} layers but the config has ${config.diffIds.length} diff_ids`,
    );
  }
  const layers: LayerDescriptor[] = layerDs.map((d, i) => ({
    index: i,
    digest: d.digest,
    diffId: config.diffIds[i]!,
    mediaType: d.mediaType,
    size: d.size,
  }));
  const tags = new Set<string>(extra.tags ?? []);
  const refName =
    md.annotations?.["io.containerd.image.name"] ?? md.annotations?.["org.opencontainers.image.ref.name"];
  if (refName && /[:@]/.test(refName)) tags.add(refName);
  const annotations =
    manifest.annotations && typeof manifest.annotations === "object"
      ? (Object.fromEntries(
          Object.entries(manifest.annotations as Record<string, unknown>).filter(
            ([, v]) => typeof v === "string",
          ),
        ) as Record<string, string>)
      : undefined;
  const info = buildImageInfo(reference, config, layers, {
    digest: md.digest,
    configDigest: cfgD.digest,
    ...(chosen.entry.indexDigest ? { indexDigest: chosen.entry.indexDigest } : {}),
    ...(tags.size > 0 ? { tags: [...tags] } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  });
  if (!info.platform && chosen.platform) info.platform = chosen.platform;

  const layerFor = (layer: LayerDescriptor): LayerDescriptor => {
    const l = layers[layer.index];
    if (!l || l.digest !== layer.digest) throw new VigilError("INTERNAL", `unknown layer ${layer.digest}`);
    return l;
  };
  return {
    info,
    layers,
    manifests,
    async openLayerBlob(layer: LayerDescriptor): Promise<Readable> {
      const l = layerFor(layer);
      const r = await store.locate(blobPath(l.digest));
      if (!r) throw new VigilError("NOT_FOUND", `${store.describe}: layer blob ${l.digest} is missing`);
      return store.open(blobPath(l.digest));
    },
    async layerFile(layer: LayerDescriptor): Promise<LayerFileRange | undefined> {
      const l = layerFor(layer);
      const r = await store.locate(blobPath(l.digest));
      if (!r) throw new VigilError("NOT_FOUND", `${store.describe}: layer blob ${l.digest} is missing`);
      return r;
    },
    async attestations(): Promise<AttestationStatement[]> {
      const out: AttestationStatement[] = [];
      for (const m of manifests) {
        if (!m.attestation || m.refersTo !== md.digest) continue;
        const abuf = await readBlob(store, m.descriptor, "attestation manifest", 8 * 1024 * 1024);
        const am = parseJson(abuf, `${store.describe}: attestation manifest ${m.descriptor.digest}`);
        if (!Array.isArray(am.layers)) continue;
        for (const [i, l] of am.layers.entries()) {
          const d = parseDescriptor(l, `${store.describe}: attestation layers[${i}]`);
          const body = await readBlob(store, d, "attestation", MAX_ATTESTATION_SIZE);
          const st = statementFromBlob(
            body,
            d.annotations,
            `${store.describe}: attestation ${d.digest}`,
            opts.logger,
          );
          if (st) out.push(st);
        }
      }
      return out;
    },
    async close() {
      await extra.onClose?.();
    },
  };
}
