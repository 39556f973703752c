/**
 * The live wiring of base-image work: analyses go through the same pipeline as `vigil cves`
 * (index with caches → match → VEX), tags come from the registry, and every analysed image is
 * recorded in the base-image index so later layer-chain detection knows it.
 */
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { registryClientFor } from "../image/registry/source.js";
import type { ImageLimits, RegistryAccess } from "../image/types.js";
import type { Analysis, AnalyzeOptions } from "../match/analyze.js";
import { familiarName, parseImageRef } from "../reference/image-ref.js";
import { countFindings } from "../report/model.js";
import type { ImageSummary, RecommendDeps } from "./recommend.js";
import { recordKnownImage } from "./record.js";
import type { BaseImageIndex } from "./store.js";

export { recordKnownImage };

export interface LiveOptions {
  platform?: string;
  limits?: ImageLimits;
  logger: Logger;
  db?: string;
  registry?: RegistryAccess;
  cache?: boolean;
  index?: BaseImageIndex;
}

export function summarize(reference: string, a: Pick<Analysis, "sbom" | "findings">): ImageSummary {
  const s = a.sbom;
  return {
    reference,
    ...(s.image.digest ? { digest: s.image.digest } : {}),
    counts: countFindings(a.findings),
    ...(s.image.size !== undefined ? { size: s.image.size } : {}),
    packages: s.packages.length,
    ...(s.image.created ? { created: s.image.created } : {}),
    ...(s.distro ? { os: `${s.distro.id} ${s.distro.versionId}`.trim() } : {}),
  };
}

/** Analyse one image reference through the cves pipeline (quietly) and record it. */
export async function analyzeReference(
  reference: string,
  o: LiveOptions,
  show: { progress?: boolean } = {},
): Promise<Analysis> {
  const { analyzeImage } = await import("../match/analyze.js");
  const opts: AnalyzeOptions = {
    platform: o.platform,
    ...(o.limits ? { limits: o.limits } : {}),
    logger: show.progress ? o.logger : silentLogger(),
    ...(o.db ? { db: o.db } : {}),
    cache: o.cache !== false,
    ...(o.registry ? { registry: o.registry } : {}),
  };
  const a = await analyzeImage(reference, opts);
  recordKnownImage(o.index, a.sbom, o.logger);
  return a;
}

/** Registry-backed dependencies of `recommend()`. References without a scheme are pulled from their registry. */
export function liveDeps(o: LiveOptions): RecommendDeps {
  const cache = new Map<string, Promise<ImageSummary>>();
  return {
    async listTags(repository: string): Promise<string[]> {
      const ref = parseImageRef(repository);
      const client = await registryClientFor(ref, {
        credentials: { username: o.registry?.username, password: o.registry?.password },
        insecureRegistries: o.registry?.insecureRegistries,
        logger: o.logger,
      });
      return client.listTags(ref.path);
    },
    analyze(reference: string): Promise<ImageSummary> {
      const key = reference;
      let p = cache.get(key);
      if (!p) {
        const full = /^[a-z-]+:\/\//.test(reference) ? reference : `registry://${reference}`;
        p = analyzeReference(full, o).then((a) => summarize(reference, a));
        cache.set(key, p);
      }
      return p;
    },
  };
}

/** `docker.io/library/debian` → `debian`; keeps other registries whole. */
export function shortRepository(repository: string): string {
  try {
    return familiarName({ ...parseImageRef(repository), tag: undefined }).replace(/:latest$/, "");
  } catch {
    return repository;
  }
}
