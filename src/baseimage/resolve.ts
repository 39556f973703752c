/**
 * Detection for a scanned image, completed with what attribution needs: when the detection names a
 * base but not how many layers it contributed (provenance without a known chain), the base is
 * analysed (cached) and the shared prefix of diffIDs gives the count.
 */
import type { Sbom } from "../sbom/model.js";
import { type BaseImageDetection, detectBaseImage } from "./detect.js";
import { analyzeReference, type LiveOptions } from "./live.js";
import { splitReference } from "./recommend.js";

/** `--tag 12-slim` with a detected `debian:12` gives `debian:12-slim`; a full reference is used as is. */
export function overrideReference(
  tag: string | undefined,
  detected: BaseImageDetection | undefined,
): string | undefined {
  if (!tag) return undefined;
  if (tag.includes("/") || tag.includes(":") || tag.includes("@")) return tag;
  if (!detected) return tag;
  return `${splitReference(detected.reference).repository}:${tag}`;
}

export function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

export async function detectForImage(
  sbom: Sbom,
  o: LiveOptions & { tag?: string; offline?: boolean },
): Promise<BaseImageDetection | undefined> {
  const auto = detectBaseImage(sbom, o.index);
  const override = overrideReference(o.tag, auto);
  const det = override ? detectBaseImage(sbom, o.index, override) : auto;
  if (!det || det.layerCount !== undefined || o.offline) return det;
  try {
    const { repository } = splitReference(det.reference);
    const ref = det.digest ? `${repository}@${det.digest}` : det.reference;
    const base = await analyzeReference(/^[a-z-]+:\/\//.test(ref) ? ref : `registry://${ref}`, o);
    const n = sharedPrefix(
      sbom.image.layers.map((l) => l.diffId),
      base.sbom.image.layers.map((l) => l.diffId),
    );
    if (n > 0 && n === base.sbom.image.layers.length) det.layerCount = n;
    else
      o.logger.debug(
        `base ${det.reference} shares ${n} of its ${base.sbom.image.layers.length} layers with the image`,
      );
  } catch (err) {
    o.logger.debug(`could not analyse base image ${det.reference}: ${(err as Error).message}`);
  }
  return det;
}
