import { type Readable, Transform } from "node:stream";
import { VigilError } from "../../core/errors.js";
import { type ImageRef, registryHost, repositoryName } from "../../reference/image-ref.js";
import { buildImageInfo, type Descriptor, parseConfig, parseDescriptor, parseJson } from "../image-config.js";
import { choosePlatform, type Platform } from "../platform.js";
import { statementFromBlob } from "../statement.js";
import type {
  AttestationStatement,
  LayerDescriptor,
  LayerDownload,
  OpenedImage,
  OpenOptions,
} from "../types.js";
import { MEDIA_TYPES, RegistryClient } from "./client.js";
import { type CredentialOptions, resolveCredentials } from "./credentials.js";
import type { HttpOptions } from "./http.js";
import { PullProgress } from "./progress.js";

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const MAX_CONFIG_BYTES = 32 * 1024 * 1024;
const MAX_ATTESTATION_BYTES = 64 * 1024 * 1024;

export interface RegistryOpenOptions extends OpenOptions {
  credentials?: CredentialOptions;
  /** Registries (host[:port]) where plain HTTP is allowed besides loopback (`--insecure-registry`). */
  insecureRegistries?: string[];
  http?: HttpOptions;
  /** Reuse a client (tests, recommendations resolving many tags). */
  client?: RegistryClient;
}

export async function registryClientFor(
  ref: ImageRef,
  opts: Omit<RegistryOpenOptions, "limits" | "logger"> & {
    logger?: OpenOptions["logger"];
  },
): Promise<RegistryClient> {
  if (opts.client) return opts.client;
  const credentials = await resolveCredentials(ref.domain, opts.credentials);
  const insecure = (opts.insecureRegistries ?? envInsecure()).includes(ref.domain);
  return new RegistryClient(registryHost(ref), {
    credentials,
    insecure,
    http: opts.http,
    logger: opts.logger,
  });
}

function envInsecure(): string[] {
  return (process.env.VIGIL_INSECURE_REGISTRIES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
}

/**
 * Opens an image in a registry: resolves the tag or digest, chooses the platform from an index
 * (attestation manifests are not candidates), reads and verifies the manifest and config, and streams
 * layer blobs on demand (the walk verifies their digests). Attestations attached to the chosen
 * manifest in the same index are readable through `attestations()`.
 */
export async function openRegistryImage(
  ref: ImageRef,
  original: string,
  opts: RegistryOpenOptions,
): Promise<OpenedImage> {
  const client = await registryClientFor(ref, opts);
  const repo = ref.path;
  const name = repositoryName(ref);
  const top = await client.getManifest(repo, ref.digest ?? ref.tag ?? "latest");
  const where = `${name}${ref.tag ? `:${ref.tag}` : ""}`;

  let manifestDigest = top.digest;
  let manifest = top.json as Record<string, unknown>;
  let indexDigest: string | undefined;
  let attestationDescs: Descriptor[] = [];
  let chosenPlatform: Platform | undefined;

  if (INDEX_TYPES.has(top.mediaType) || Array.isArray((top.json as { manifests?: unknown }).manifests)) {
    indexDigest = top.digest;
    const list = (top.json as { manifests?: unknown }).manifests;
    if (!Array.isArray(list))
      throw new VigilError("IMAGE_FORMAT", `${where}: index without a manifests list`);
    const descs = list.map((m, i) => parseDescriptor(m, `${where}: manifests[${i}]`));
    const candidates: Candidate[] = [];
    for (const d of descs) {
      if (d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") {
        attestationDescs.push(d);
        continue;
      }
      if (d.mediaType && !MANIFEST_TYPES.has(d.mediaType)) continue;
      if (d.platform?.os === "unknown" && d.platform.architecture === "unknown") continue;
      candidates.push({ descriptor: d, platform: d.platform });
    }
    const chosen = choosePlatform(candidates, opts.platform, where);
    chosenPlatform = chosen.platform;
    const m = await client.getManifest(repo, chosen.descriptor.digest);
    manifestDigest = m.digest;
    manifest = m.json as Record<string, unknown>;
    attestationDescs = attestationDescs.filter(
      (d) => d.annotations?.["vnd.docker.reference.digest"] === manifestDigest,
    );
  } else if (!MANIFEST_TYPES.has(top.mediaType) && !manifest.config) {
    throw new VigilError("IMAGE_FORMAT", `${where}: unsupported manifest type "${top.mediaType}"`);
  }

  const cfgD = parseDescriptor(manifest.config, `${where}: manifest config`);
  if (!Array.isArray(manifest.layers))
    throw new VigilError("IMAGE_FORMAT", `${where}: manifest has no layers list`);
  const layerDs = manifest.layers.map((l, i) => parseDescriptor(l, `${where}: layers[${i}]`));
  const cfgBuf = await client.getBlob(repo, cfgD.digest, MAX_CONFIG_BYTES);
  const config = parseConfig(parseJson(cfgBuf, `${where}: config ${cfgD.digest}`), `${where}: config`);
  if (layerDs.length !== config.diffIds.length)
    throw new VigilError(
      "IMAGE_FORMAT",
      `${where}: manifest lists ${layerDs.length} layers but the config has ${config.diffIds.length} diff_ids`,
    );
  const total = layerDs.reduce((s, d) => s + (d.size ?? 0), 0);
  if (total > opts.limits.maxImageSize)
    throw new VigilError(
      "LIMIT",
      `${where}: image layers total ${total} bytes, over the ${opts.limits.maxImageSize}-byte limit (--max-image-size)`,
    );
  const layers: LayerDescriptor[] = layerDs.map((d, i) => ({
    index: i,
    digest: d.digest,
    diffId: config.diffIds[i]!,
    mediaType: d.mediaType,
    size: d.size,
  }));
  const annotations = stringRecord(manifest.annotations);
  const info = buildImageInfo(original, config, layers, {
    name,
    digest: manifestDigest,
    configDigest: cfgD.digest,
    ...(indexDigest ? { indexDigest } : {}),
    ...(ref.tag ? { tags: [`${name}:${ref.tag}`] } : {}),
    ...(annotations ? { annotations } : {}),
  });
  if (!info.platform && chosenPlatform) info.platform = chosenPlatform;

  const progress = new PullProgress(total, opts.logger);
  let finished = 0;
  return {
    info,
    layers,
    async openLayerBlob(layer: LayerDescriptor): Promise<Readable> {
      const l = layers[layer.index];
      if (!l || l.digest !== layer.digest) throw new VigilError("INTERNAL", `unknown layer ${layer.digest}`);
      const { stream, size } = await client.openBlob(repo, l.digest);
      if (size !== undefined && l.size !== undefined && size !== l.size) {
        stream.destroy();
        throw new VigilError(
          "DIGEST_MISMATCH",
          `${where}: blob ${l.digest} is ${size} bytes but the manifest says ${l.size}`,
        );
      }
      if (size !== undefined && size > opts.limits.maxImageSize) {
        stream.destroy();
        throw new VigilError("LIMIT", `${where}: blob ${l.digest} is larger than the image size limit`);
      }
      // Socket reads arrive in ~64 KiB pieces; the walk's per-chunk work (inflate, hash, tar) is cheaper
      // on ~1 MiB pieces, as from a file.
      const batched = stream.pipe(coalesce(1024 * 1024));
      stream.on("error", (err) => batched.destroy(err));
      if (!opts.logger.interactive) return batched; // no bar to draw: no extra stream stage
      const tracked = batched.pipe(progress.track());
      batched.on("error", (err) => tracked.destroy(err));
      tracked.on("end", () => {
        if (++finished === layers.length) progress.finish();
      });
      return tracked;
    },
    async layerDownload(layer: LayerDescriptor): Promise<LayerDownload | undefined> {
      const l = layers[layer.index];
      if (!l || l.digest !== layer.digest) throw new VigilError("INTERNAL", `unknown layer ${layer.digest}`);
      if (l.size !== undefined && l.size > opts.limits.maxImageSize) {
        throw new VigilError("LIMIT", `${where}: blob ${l.digest} is larger than the image size limit`);
      }
      const d = await client.blobDownload(repo, l.digest, l.size ?? opts.limits.maxImageSize);
      if (!opts.logger.interactive) return d;
      let seen = 0;
      return {
        ...d,
        progress(bytes, done) {
          progress.add(bytes - seen);
          seen = bytes;
          if (done) {
            progress.render(true);
            if (++finished === layers.length) progress.finish();
          }
        },
      };
    },
    async attestations(): Promise<AttestationStatement[]> {
      const out: AttestationStatement[] = [];
      for (const d of attestationDescs) {
        const am = await client.getManifest(repo, d.digest);
        const ls = (am.json as { layers?: unknown }).layers;
        if (!Array.isArray(ls)) continue;
        for (const [i, l] of ls.entries()) {
          const ld = parseDescriptor(l, `${where}: attestation layers[${i}]`);
          const body = await client.getBlob(repo, ld.digest, MAX_ATTESTATION_BYTES);
          const st = statementFromBlob(
            body,
            ld.annotations,
            `${where}: attestation ${ld.digest}`,
            opts.logger,
          );
          if (st) out.push(st);
        }
      }
      return out;
    },
    async close() {},
  };
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Re-chunks a stream into pieces of about `size` bytes (the last one smaller). */
function coalesce(size: number): Transform {
  let parts: Buffer[] = [];
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= size) {
        const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
        parts = [];
        n = 0;
        cb(null, out);
      } else cb();
    },
    flush(cb) {
      if (n > 0) cb(null, parts.length === 1 ? parts[0]! : Buffer.concat(parts, n));
      else cb();
    },
  });
}
