/**
 * Test helper: builds real image layouts on disk (OCI layout, OCI archive, docker save legacy and
 * OCI-in-docker) from layer entry lists, with tar-stream and JSON written here.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export interface TarEntrySpec {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: Buffer | string;
  linkname?: string;
  mode?: number;
}

export type LayerCompression = "gzip" | "zstd" | "none";

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  digest: string;
  mediaType: string;
  createdBy?: string;
}

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

export async function tarOf(entries: TarEntrySpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === "file") {
        p.entry(
          { name: e.name, type, mode: e.mode ?? 0o644, size: content?.length ?? 0 },
          content ?? Buffer.alloc(0),
          cb,
        );
      } else {
        p.entry(
          {
            name: e.name,
            type,
            mode: e.mode ?? (type === "directory" ? 0o755 : 0o777),
            linkname: e.linkname,
          },
          cb,
        );
      }
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function compress(tar: Buffer, c: LayerCompression): Buffer {
  if (c === "gzip") return gzipSync(tar);
  if (c === "zstd") return execFileSync("zstd", ["-q", "-c", "-3"], { input: tar, maxBuffer: 1024 ** 3 });
  return tar;
}

export async function buildLayer(
  entries: TarEntrySpec[],
  c: LayerCompression = "gzip",
  createdBy?: string,
): Promise<BuiltLayer> {
  const tar = await tarOf(entries);
  return layerFromTar(tar, c, createdBy);
}

export function layerFromTar(tar: Buffer, c: LayerCompression = "gzip", createdBy?: string): BuiltLayer {
  const blob = compress(tar, c);
  const mediaType =
    c === "gzip"
      ? "application/vnd.oci.image.layer.v1.tar+gzip"
      : c === "zstd"
        ? "application/vnd.oci.image.layer.v1.tar+zstd"
        : "application/vnd.oci.image.layer.v1.tar";
  return { tar, blob, diffId: sha256(tar), digest: sha256(blob), mediaType, createdBy };
}

export interface ImageSpec {
  layers: BuiltLayer[];
  os?: string;
  architecture?: string;
  variant?: string;
  /** Override the config's diff_ids (to test mismatches). */
  diffIds?: string[];
  labels?: Record<string, string>;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  platform: { os: string; architecture: string; variant?: string };
}

function configOf(spec: ImageSpec): Buffer {
  const history = spec.layers.flatMap((l, i) => [
    { created: "2024-05-01T10:00:00Z", created_by: l.createdBy ?? `/bin/sh -c #(nop) layer ${i}` },
    { created: "2024-05-01T10:00:01Z", created_by: `/bin/sh -c #(nop)  ENV STEP=${i}`, empty_layer: true },
  ]);
  return Buffer.from(
    JSON.stringify({
      created: "2024-05-01T10:00:01Z",
      architecture: spec.architecture ?? "amd64",
      os: spec.os ?? "linux",
      ...(spec.variant ? { variant: spec.variant } : {}),
      config: {
        Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Cmd: ["bash"],
        Labels: spec.labels ?? { "org.opencontainers.image.title": "vigil-test" },
      },
      rootfs: { type: "layers", diff_ids: spec.diffIds ?? spec.layers.map((l) => l.diffId) },
      history,
    }),
  );
}

/** Write blobs of an image into `dir/blobs/sha256`; returns the descriptors. */
export function writeImageBlobs(dir: string, spec: ImageSpec): BuiltImage {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const d = sha256(b);
    writeFileSync(join(blobs, d.slice(7)), b);
    return d;
  };
  const config = configOf(spec);
  const configDigest = put(config);
  // Layers are stored under their declared digest (a test may declare a wrong one).
  for (const l of spec.layers) writeFileSync(join(blobs, l.digest.slice(7)), l.blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers: spec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  const manifestDigest = put(manifest);
  return {
    config,
    configDigest,
    manifest,
    manifestDigest,
    platform: {
      os: spec.os ?? "linux",
      architecture: spec.architecture ?? "amd64",
      ...(spec.variant ? { variant: spec.variant } : {}),
    },
  };
}

export function putBlob(dir: string, b: Buffer): string {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const d = sha256(b);
  writeFileSync(join(blobs, d.slice(7)), b);
  return d;
}

/** An OCI layout with one image (index.json → manifest). */
export function writeOciLayout(dir: string, spec: ImageSpec, refName = "latest"): BuiltImage {
  const img = writeImageBlobs(dir, spec);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: img.manifestDigest,
          size: img.manifest.length,
          annotations: { "org.opencontainers.image.ref.name": refName },
        },
      ],
    }),
  );
  return img;
}

/** Pack a directory tree (files only + dirs) into a tar (an OCI archive or docker save tarball). */
export async function tarDirectory(dir: string, names: string[]): Promise<Buffer> {
  const { readFileSync } = await import("node:fs");
  return tarOf(names.map((n) => ({ name: n, content: readFileSync(join(dir, n)) })));
}
