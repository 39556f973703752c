/**
 * OpenVEX documents shipped inside the image (`*.vex.json`, as Docker Scout reads them). They are captured
 * by the layer walk, parsed here as untrusted JSON, and applied by the matcher unless the image carries
 * VEX attestations (which take precedence, as in Scout).
 */
import type { FileRef } from "../catalog/types.js";
import type { Logger } from "../core/logger.js";

export const MAX_IMAGE_VEX_FILE = 16 * 1024 * 1024;
const MAX_IMAGE_VEX_DOCS = 100;

export function wantsImageVex(path: string, size: number): boolean {
  return path.endsWith(".vex.json") && size <= MAX_IMAGE_VEX_FILE;
}

export async function readImageVex(
  files: readonly FileRef[],
  logger: Logger,
): Promise<{ path: string; document: unknown }[]> {
  const out: { path: string; document: unknown }[] = [];
  for (const f of files) {
    if (!wantsImageVex(f.path, f.size)) continue;
    if (out.length >= MAX_IMAGE_VEX_DOCS) {
      logger.warn(
        `more than ${MAX_IMAGE_VEX_DOCS} VEX documents in the image; ${f.path} and later ones ignored`,
      );
      break;
    }
    try {
      const document = JSON.parse((await f.read()).toString("utf8")) as unknown;
      if (typeof document === "object" && document !== null) out.push({ path: f.path, document });
      else logger.warn(`${f.path}: not a VEX document (not a JSON object); ignored`);
    } catch (err) {
      logger.warn(`${f.path}: VEX document is not valid JSON (${(err as Error).message}); ignored`);
    }
  }
  return out;
}
