/**
 * Source dispatch: turns a user's reference into something to index. One explicit list of openers,
 * each claiming some reference kinds (see src/reference/schemes.ts); the registry and Docker-daemon
 * openers are added to `SOURCE_OPENERS` by the image-registry work.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { VigilError } from "../core/errors.js";
import { openLocalImage } from "../image/local-image.js";
import type { OpenedImage, OpenOptions } from "../image/types.js";
import { type ParsedReference, parseReference } from "../reference/index.js";
import type { Sbom } from "../sbom/model.js";

export type OpenedSource =
  /** An image (or root filesystem) to walk; `label` is Scout's progress word ("OCI directory read"). */
  | { kind: "image"; image: OpenedImage; label: string }
  /** A ready SBOM (sbom:// files, attestation SBOMs): nothing to walk. */
  | { kind: "sbom"; sbom: Sbom; label: string };

export interface SourceOpener {
  /** The reference kinds this opener handles. */
  readonly kinds: readonly ParsedReference["kind"][];
  open(ref: ParsedReference, opts: OpenOptions): Promise<OpenedSource>;
}

async function labelForPath(path: string): Promise<string> {
  try {
    const st = await stat(path);
    if (st.isFile()) return "Archive read";
    try {
      await stat(resolve(path, "index.json"));
      return "OCI directory read";
    } catch {
      return "File system read";
    }
  } catch {
    return "Image read";
  }
}

const localOpener: SourceOpener = {
  kinds: ["oci-dir", "archive", "fs", "bare-path"],
  async open(ref, opts) {
    if (ref.kind !== "oci-dir" && ref.kind !== "archive" && ref.kind !== "fs" && ref.kind !== "bare-path") {
      throw new VigilError("INTERNAL", `local opener given a ${ref.kind} reference`);
    }
    // Bare paths go to the local opener as absolute paths (it recognises "/…" as a path).
    const target = ref.kind === "bare-path" ? resolve(ref.path) : ref.original;
    const image = await openLocalImage(target, opts);
    image.info.reference = ref.original;
    const label =
      ref.kind === "oci-dir"
        ? "OCI directory read"
        : ref.kind === "archive"
          ? "Archive read"
          : ref.kind === "fs"
            ? "File system read"
            : await labelForPath(ref.path);
    return { kind: "image", image, label };
  },
};

const sbomOpener: SourceOpener = {
  kinds: ["sbom"],
  async open(ref) {
    if (ref.kind !== "sbom") throw new VigilError("INTERNAL", `sbom opener given a ${ref.kind} reference`);
    const { readSbomFile } = await import("../sbom/import.js");
    const sbom = await readSbomFile(ref.path, ref.original);
    return { kind: "sbom", sbom, label: "SBOM file read" };
  },
};

/** Openers in the order they are tried for a reference kind. */
/** Registry and daemon images (open-remote.ts), loaded only when such a reference is given. */
const remoteOpenerLazy: SourceOpener = {
  kinds: ["image", "local", "registry"],
  async open(ref, opts) {
    const { remoteOpener } = await import("./open-remote.js");
    return remoteOpener().open(ref, opts);
  },
};

export const SOURCE_OPENERS: SourceOpener[] = [localOpener, sbomOpener, remoteOpenerLazy];

/** Open a reference with the first opener that handles its kind. */
export async function openSource(
  reference: string,
  opts: OpenOptions,
  openers: readonly SourceOpener[] = SOURCE_OPENERS,
): Promise<OpenedSource> {
  if (reference.trim() === "") throw new VigilError("USAGE", "no image given");
  const ref = parseReference(reference);
  const opener = openers.find((o) => o.kinds.includes(ref.kind));
  if (!opener) {
    if (ref.kind === "image" && !ref.explicitScheme) {
      throw new VigilError(
        "NOT_FOUND",
        `${reference}: no such file or directory (registry and Docker daemon images are not supported yet; use oci-dir://, archive:// or fs://)`,
      );
    }
    throw new VigilError("REFERENCE", `${reference}: ${ref.kind}:// images are not supported yet`);
  }
  return opener.open(ref, opts);
}
