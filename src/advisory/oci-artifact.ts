/**
 * Advisory snapshots as OCI artifacts in a registry: `vigil db push FILE REF` publishes one (an OCI
 * image manifest with `artifactType`, the empty config and one layer holding the SQLite file), and
 * `vigil db update --from oci://REF` installs one. Every digest is verified; the size is bounded.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { VigilError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { sha256 } from "../image/image-config.js";
import { registryClientFor } from "../image/registry/source.js";
import type { RegistryAccess } from "../image/types.js";
import { formatImageRef, parseImageRef } from "../reference/image-ref.js";

export const SNAPSHOT_ARTIFACT_TYPE = "application/vnd.vigil.advisory-snapshot.v1";
export const SNAPSHOT_LAYER_TYPE = "application/vnd.vigil.advisory-snapshot.v1+sqlite";
const EMPTY_CONFIG_TYPE = "application/vnd.oci.empty.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** Largest snapshot accepted from a registry. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 ** 3;

/** `oci://REF` or `registry://REF` → the image reference part, or undefined for anything else. */
export function artifactReference(from: string): string | undefined {
  const m = /^(?:oci|registry):\/\/(.+)$/.exec(from);
  return m?.[1];
}

export interface ArtifactOptions {
  registry?: RegistryAccess;
  logger: Logger;
}

export async function pushSnapshotArtifact(
  file: string,
  reference: string,
  opts: ArtifactOptions,
): Promise<string> {
  const ref = parseImageRef(reference);
  const client = await registryClientFor(ref, {
    credentials: { username: opts.registry?.username, password: opts.registry?.password },
    insecureRegistries: opts.registry?.insecureRegistries,
    logger: opts.logger,
  });
  const data = await readFile(file);
  const empty = Buffer.from("{}");
  await client.pushBlob(ref.path, empty);
  const digest = await client.pushBlob(ref.path, data);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SNAPSHOT_ARTIFACT_TYPE,
      config: { mediaType: EMPTY_CONFIG_TYPE, digest: sha256(empty), size: empty.length },
      layers: [
        {
          mediaType: SNAPSHOT_LAYER_TYPE,
          digest,
          size: data.length,
          annotations: { "org.opencontainers.image.title": "advisories.sqlite" },
        },
      ],
    }),
  );
  const md = await client.pushManifest(ref.path, ref.digest ?? ref.tag ?? "latest", OCI_MANIFEST, manifest);
  opts.logger.progress(`Pushed advisory snapshot to ${formatImageRef({ ...ref, digest: md })}`);
  return md;
}

/** Downloads the snapshot layer of an artifact to `dest`, verifying its digest and size. */
export async function pullSnapshotArtifact(
  reference: string,
  dest: string,
  opts: ArtifactOptions,
): Promise<void> {
  const ref = parseImageRef(reference);
  const client = await registryClientFor(ref, {
    credentials: { username: opts.registry?.username, password: opts.registry?.password },
    insecureRegistries: opts.registry?.insecureRegistries,
    logger: opts.logger,
  });
  const m = await client.getManifest(ref.path, ref.digest ?? ref.tag ?? "latest");
  const layers = (m.json as { layers?: unknown }).layers;
  const list = Array.isArray(layers)
    ? (layers as { mediaType?: unknown; digest?: unknown; size?: unknown }[])
    : [];
  const layer = list.find((l) => l.mediaType === SNAPSHOT_LAYER_TYPE);
  if (!layer || typeof layer.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(layer.digest))
    throw new VigilError(
      "ADVISORY_DB",
      `${reference} is not a Vigil advisory snapshot (no ${SNAPSHOT_LAYER_TYPE} layer)`,
    );
  const size = typeof layer.size === "number" ? layer.size : undefined;
  if (size !== undefined && size > MAX_SNAPSHOT_BYTES)
    throw new VigilError(
      "LIMIT",
      `${reference}: snapshot of ${size} bytes is over the ${MAX_SNAPSHOT_BYTES}-byte limit`,
    );
  const { stream } = await client.openBlob(ref.path, layer.digest);
  const hash = createHash("sha256");
  let n = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > (size ?? MAX_SNAPSHOT_BYTES)) {
        cb(new VigilError("LIMIT", `${reference}: snapshot blob is larger than its manifest says`));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(stream, check, createWriteStream(dest));
  const got = `sha256:${hash.digest("hex")}`;
  if (got !== layer.digest || (size !== undefined && n !== size))
    throw new VigilError(
      "DIGEST_MISMATCH",
      `${reference}: snapshot blob ${layer.digest} does not match its digest`,
    );
  opts.logger.progress(`Pulled advisory snapshot ${formatImageRef({ ...ref, digest: m.digest })}`);
}
