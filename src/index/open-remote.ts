/**
 * Openers for images that live in a registry or in the local Docker daemon (Scout's `image://`,
 * `local://` and `registry://` schemes, and bare names like `postgres:13.1`).
 * - `registry://` pulls from the registry only;
 * - `local://` asks the daemon only and fails clearly when there is none or it lacks the image;
 * - `image://` (the default) asks the daemon first and falls back to the registry.
 */
import { VigilError } from "../core/errors.js";
import { DockerEngine, openDaemonImage } from "../image/daemon/index.js";
import { openLocalImage } from "../image/local-image.js";
import { openRegistryImage } from "../image/registry/index.js";
import type { OpenedImage, OpenOptions } from "../image/types.js";
import { familiarName, formatImageRef, type ImageRef } from "../reference/image-ref.js";
import type { ParsedReference } from "../reference/schemes.js";
import type { OpenedSource, SourceOpener } from "./open.js";

async function fromRegistry(image: ImageRef, original: string, opts: OpenOptions): Promise<OpenedImage> {
  const opened = await openRegistryImage(image, original, {
    ...opts,
    credentials: { username: opts.registry?.username, password: opts.registry?.password },
    insecureRegistries: opts.registry?.insecureRegistries,
  });
  opts.logger.progress("Pulled");
  return opened;
}

async function fromDaemon(image: ImageRef, original: string, opts: OpenOptions, engine: DockerEngine) {
  return openDaemonImage(image, original, {
    ...opts,
    engine,
    openArchive: (path, _ref, o) => openLocalImage(`archive://${path}`, o),
  });
}

export function remoteOpener(engineFactory: () => DockerEngine = () => new DockerEngine()): SourceOpener {
  return {
    kinds: ["image", "local", "registry"],
    async open(ref: ParsedReference, opts: OpenOptions): Promise<OpenedSource> {
      if (ref.kind !== "image" && ref.kind !== "local" && ref.kind !== "registry")
        throw new VigilError("INTERNAL", `remote opener given a ${ref.kind} reference`);
      const label = familiarName(ref.image);
      if (ref.kind === "registry") {
        return {
          kind: "image",
          image: await fromRegistry(ref.image, ref.original, opts),
          label: "",
        };
      }
      const engine = engineFactory();
      if (ref.kind === "local") {
        const img = await fromDaemon(ref.image, ref.original, opts, engine);
        if (!img) throw new VigilError("NOT_FOUND", `image ${label} not found in the local Docker daemon`);
        return { kind: "image", image: img, label: "" };
      }
      // image:// — the daemon when it answers and has the image, else the registry.
      if (await engine.available()) {
        const img = await fromDaemon(ref.image, ref.original, opts, engine);
        if (img) return { kind: "image", image: img, label: "" };
        opts.logger.debug(`${label} is not in the local Docker daemon; trying ${formatImageRef(ref.image)}`);
      } else {
        opts.logger.debug(`no Docker daemon at ${engine.endpoint.describe}; pulling from the registry`);
      }
      return { kind: "image", image: await fromRegistry(ref.image, ref.original, opts), label: "" };
    },
  };
}
