/**
 * Builds small real images in memory for registry tests: layers are real tar archives (tar-stream)
 * of real file contents, gzip-compressed, with a config and an OCI/Docker manifest. Test-only.
 */
import { gzipSync } from "node:zlib";
import { sha256, type TarEntrySpec, tarOf as tarEntries } from "../../test-helpers/build-image.js";
import type { RegistryClient } from "../client.js";

export interface LayerFile {
  path: string;
  content: string | Buffer;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffId: string; mediaType: string }[];
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
}

const sha = sha256;

/** A tar of the files, with their parent directories, through the layer walk's own test helper. */
export async function tarOf(files: LayerFile[]): Promise<Buffer> {
  const dirs = new Set<string>();
  const entries: TarEntrySpec[] = [];
  for (const f of files) {
    const parts = f.path.replace(/^\//, "").split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: `${d}/`, type: "directory" });
      }
    }
    entries.push({ name: parts.join("/"), content: f.content });
  }
  return tarEntries(entries);
}

export async function buildImage(
  layers: LayerFile[][],
  opts: {
    architecture?: string;
    os?: string;
    variant?: string;
    docker?: boolean;
    labels?: Record<string, string>;
  } = {},
): Promise<BuiltImage> {
  const built = [];
  for (const files of layers) {
    const t = await tarOf(files);
    const blob = gzipSync(t);
    built.push({
      blob,
      digest: sha(blob),
      diffId: sha(t),
      mediaType: opts.docker
        ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
        : "application/vnd.oci.image.layer.v1.tar+gzip",
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.architecture ?? "amd64",
      os: opts.os ?? "linux",
      ...(opts.variant ? { variant: opts.variant } : {}),
      created: "2024-01-01T00:00:00Z",
      config: { Env: ["PATH=/usr/bin:/bin"], Labels: opts.labels ?? {} },
      rootfs: { type: "layers", diff_ids: built.map((l) => l.diffId) },
      history: built.map((_, i) => ({ created: "2024-01-01T00:00:00Z", created_by: `layer ${i}` })),
    }),
  );
  const mediaType = opts.docker
    ? "application/vnd.docker.distribution.manifest.v2+json"
    : "application/vnd.oci.image.manifest.v1+json";
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: opts.docker
          ? "application/vnd.docker.container.image.v1+json"
          : "application/vnd.oci.image.config.v1+json",
        digest: sha(config),
        size: config.length,
      },
      layers: built.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return {
    config,
    configDigest: sha(config),
    layers: built,
    manifest,
    manifestDigest: sha(manifest),
    mediaType,
  };
}

/** Pushes an image's blobs and manifest with the distribution push API; returns the manifest digest. */
export async function pushImage(
  client: RegistryClient,
  repo: string,
  tag: string | undefined,
  img: BuiltImage,
): Promise<string> {
  for (const l of img.layers) await client.pushBlob(repo, l.blob);
  await client.pushBlob(repo, img.config);
  return client.pushManifest(repo, tag ?? img.manifestDigest, img.mediaType, img.manifest);
}

/** Pushes an OCI index over already-pushed manifests (plus optional extra descriptors such as attestations). */
export async function pushIndex(
  client: RegistryClient,
  repo: string,
  tag: string,
  entries: {
    digest: string;
    size: number;
    mediaType: string;
    platform?: object;
    annotations?: Record<string, string>;
  }[],
): Promise<{ digest: string; bytes: Buffer }> {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: entries,
    }),
  );
  const digest = await client.pushManifest(repo, tag, "application/vnd.oci.image.index.v1+json", bytes);
  return { digest, bytes };
}
