/**
 * Recording an analysed image in the base-image index. Its own module, light to load: `vigil cves` and
 * `vigil quickview` record every image they analyse, and need none of the registry code of live.ts.
 */
import type { Logger } from "../core/logger.js";
import { familiarName, parseImageRef } from "../reference/image-ref.js";
import type { Sbom } from "../sbom/model.js";
import type { BaseImageIndex } from "./store.js";

/** Records an indexed image (with layers) in the base-image index; failures are debug notes only. */
export function recordKnownImage(
  index: BaseImageIndex | undefined,
  sbom: Sbom,
  logger: Logger,
  source = "indexed",
): void {
  if (!index || sbom.image.layers.length === 0) return;
  const digest = sbom.image.digest ?? sbom.image.configDigest;
  if (!digest) return;
  try {
    const tags: string[] = [];
    for (const t of sbom.image.tags ?? []) {
      try {
        tags.push(familiarName(parseImageRef(t)));
      } catch {
        // not a parseable reference (a bare tag from an archive): keep as is
        if (/^[\w][\w.:/-]{0,200}$/.test(t)) tags.push(t);
      }
    }
    index.add({
      digest,
      ...(sbom.image.name ? { name: sbom.image.name } : {}),
      tags,
      diffIds: sbom.image.layers.map((l) => l.diffId),
      ...(sbom.image.created ? { created: sbom.image.created } : {}),
      ...(sbom.image.size !== undefined ? { size: sbom.image.size } : {}),
      source,
    });
  } catch (err) {
    logger.debug(`could not record ${digest} in the base-image index: ${(err as Error).message}`);
  }
}
