import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VigilError } from "../../core/errors.js";
import { familiarName, formatImageRef, type ImageRef } from "../../reference/image-ref.js";
import type { OpenedImage, OpenOptions } from "../types.js";
import { DockerEngine } from "./engine.js";

export type OpenArchive = (path: string, reference: string, opts: OpenOptions) => Promise<OpenedImage>;

/**
 * Opens an image from the local Docker daemon: inspects it, streams `docker save` into a temporary
 * docker-archive and opens that with the archive source (which verifies every digest). Returns
 * undefined when the daemon does not have the image; throws DAEMON when no daemon answers.
 */
export async function openDaemonImage(
  ref: ImageRef | { id: string },
  original: string,
  opts: OpenOptions & { engine?: DockerEngine; openArchive: OpenArchive },
): Promise<OpenedImage | undefined> {
  const engine = opts.engine ?? new DockerEngine();
  if (!(await engine.available()))
    throw new VigilError("DAEMON", `no Docker daemon answers at ${engine.endpoint.describe}`);
  const names = "id" in ref ? [ref.id] : [...new Set([familiarName(ref), formatImageRef(ref)])];
  let name: string | undefined;
  let inspect: Awaited<ReturnType<DockerEngine["inspect"]>>;
  for (const n of names) {
    inspect = await engine.inspect(n);
    if (inspect) {
      name = n;
      break;
    }
  }
  if (!inspect || !name) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "vigil-daemon-"));
  const file = join(dir, "image.tar");
  try {
    await engine.save(name, file, opts.limits.maxImageSize);
    opts.logger.progress("Image stored for indexing");
    const opened = await opts.openArchive(file, original, opts);
    const repoDigest = inspect.RepoDigests?.find((d) => d.includes("@"))?.split("@")[1];
    if (inspect.RepoTags?.length)
      opened.info.tags = [...new Set([...(opened.info.tags ?? []), ...inspect.RepoTags])];
    if (repoDigest && !opened.info.digest) opened.info.digest = repoDigest;
    const close = opened.close.bind(opened);
    opened.close = async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    };
    return opened;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
