/**
 * The indexer: reference → Sbom. Opens the source, walks the layers once capturing the files the
 * catalogers want, detects the distro, runs the catalogers, attributes every package to the layer that
 * introduced its current version, links language packages to the OS package owning their files, and
 * caches the result by image digest + indexer version.
 */
import type { Cataloger, CatalogResult, FileRef, PartialSpec } from "../catalog/types.js";
import { isVigilError, VigilError } from "../core/errors.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { vigilVersion } from "../core/version.js";
import {
  DEFAULT_LIMITS,
  type ImageLimits,
  type OpenedImage,
  type RegistryAccess,
  type WalkResult,
} from "../image/types.js";
import {
  readCachedSbom,
  type SbomCacheKey,
  type StagedFile,
  sbomCacheDir,
  stageCachedSbom,
} from "../sbom/cache.js";
import { type Distro, type Package, SBOM_SCHEMA_VERSION, type Sbom } from "../sbom/model.js";
import { attributeLayers, attributionKey } from "./attribution.js";
import {
  type CatalogerId,
  catalogersKey,
  DEFAULT_CATALOGER_IDS,
  indexerVersion,
} from "./cataloger-manifest.js";
import { readImageVex, wantsImageVex } from "./image-vex.js";
import { openSource } from "./open.js";

export interface IndexOptions {
  /** os/arch[/variant] for multi-platform sources. */
  platform?: string;
  limits?: ImageLimits;
  logger?: Logger;
  /** Read and write the whole-SBOM cache (default true). */
  sbomCache?: boolean;
  /** Read and write the per-layer cache (default true). */
  layerCache?: boolean;
  /** Base cache directory for the SBOM cache (default: cacheDir()). */
  cacheDir?: string;
  /** Catalogers to run (default: allCatalogers()). */
  catalogers?: readonly Cataloger[];
  /** Layers decompressed at once (default 2). */
  concurrency?: number;
  /** Registry credentials / insecure hosts for registry:// and image:// references. */
  registry?: RegistryAccess;
}

/** Index a reference (oci-dir://, archive://, fs://, a bare path, or sbom:// which is read as is). */
export async function indexImage(reference: string, opts: IndexOptions = {}): Promise<Sbom> {
  const logger = opts.logger ?? silentLogger();
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const source = await openSource(reference, {
    platform: opts.platform,
    limits,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
  });
  if (source.kind === "sbom") {
    logger.progress(source.label);
    logger.progress(`Indexed ${source.sbom.packages.length} packages`);
    return source.sbom;
  }
  try {
    if (source.label) logger.progress(source.label);
    return await indexOpenedImage(source.image, { ...opts, logger, limits });
  } finally {
    await source.image.close().catch(() => {});
  }
}

/** The SBOM cache key of an opened image: manifest digest, or config digest when there is none. */
export function sbomCacheKey(
  image: OpenedImage,
  catalogers: readonly CatalogerId[],
): SbomCacheKey | undefined {
  const digest = image.info.digest ?? image.info.configDigest;
  if (!digest || image.layers.length === 0) return undefined;
  return { imageDigest: digest, indexerVersion: indexerVersion(catalogers) };
}

/** Index an already opened image (the service and other sources call this). */
export async function indexOpenedImage(image: OpenedImage, opts: IndexOptions = {}): Promise<Sbom> {
  const logger = opts.logger ?? silentLogger();
  const limits = opts.limits ?? DEFAULT_LIMITS;
  // The cache key needs only the catalogers' names and versions; the catalogers load on a miss.
  const ids = opts.catalogers ?? DEFAULT_CATALOGER_IDS;
  const key = opts.sbomCache === false ? undefined : sbomCacheKey(image, ids);
  const dir = sbomCacheDir(opts.cacheDir);
  if (key) {
    const cached = await readCachedSbom(key, {
      dir,
      onIgnored: (p, why) => logger.debug(`ignored SBOM cache entry ${p}: ${why}`),
    });
    if (cached) {
      cached.image = { ...cached.image, reference: image.info.reference };
      logger.progress(`SBOM of image already cached, ${cached.packages.length} packages indexed`);
      return cached;
    }
  }

  // Loaded only on a cache miss: a cached run needs neither the walk nor the catalogers. The walk starts
  // (layer cache lookups; digest checks of uncompressed local layers, in worker threads) before the
  // catalogers load: their key needs only their names and versions.
  const { startWalk, walkImage } = await import("../image/walk/walk.js");
  const layerCacheKey = opts.layerCache === false ? undefined : `${catalogersKey(ids)}|distro|vex`;
  const begun = await startWalk(image, { limits, logger, layerCacheKey });
  let catalogers: readonly Cataloger[];
  let walk: WalkResult;
  try {
    const [{ allCatalogers }, { wantsDistroPath }] = await Promise.all([
      import("./catalogers.js"),
      import("../catalog/os.js"),
    ]);
    const all = opts.catalogers ?? allCatalogers();
    catalogers = all;
    // Asked about every file of every layer: a plain loop, no closure per call (`some` made one; ~10 ms of
    // a cold docker-archive index of the bench image, docs/benchmarks.md).
    const wants = (path: string, size: number, mode?: number): boolean => {
      if (wantsDistroPath(path) || wantsImageVex(path, size)) return true;
      for (let i = 0; i < all.length; i++) if (all[i]!.wants(path, size, mode)) return true;
      return false;
    };
    // Parts of a file, when every reader of it reads the same parts (one spec, shared by the Go and Rust
    // catalogers for programs); called for wanted files only.
    const partial = (path: string, size: number, mode?: number): PartialSpec | undefined => {
      if (wantsDistroPath(path) || wantsImageVex(path, size)) return undefined;
      let spec: PartialSpec | undefined;
      for (const c of all) {
        if (!c.wants(path, size, mode)) continue;
        const s = c.partial?.(path, size, mode);
        if (!s || (spec && s !== spec)) return undefined;
        spec = s;
      }
      return spec;
    };
    walk = await walkImage(
      image,
      {
        wants,
        partial,
        limits,
        logger,
        concurrency: opts.concurrency,
        layerCacheKey,
        // The catalogers run while the digest checks of uncompressed local layers finish in worker threads.
        deferDigestChecks: true,
      },
      begun,
    );
  } catch (e) {
    begun.controller.abort(); // no digest check goes on for a walk that did not happen
    throw e;
  }
  let sbom: Sbom;
  let staged: StagedFile | undefined;
  // A staged cache entry is removed on any failure before it is committed (a digest mismatch, or the
  // walk failing to close its files), so that no temporary file is left in the cache.
  try {
    try {
      logger.debug(
        `walked ${walk.layerCount} layers: ${walk.stats.entries} entries, ${walk.stats.bytesRead} bytes, ` +
          `${walk.stats.layersFromCache} from cache, ${Math.round(walk.stats.millis)} ms`,
      );
      const catalogued = (async () => {
        const s = await catalogWalk(image, walk, catalogers, logger);
        const imageVex = await readImageVex(walk.finalFiles(), logger);
        if (imageVex.length > 0) s.imageVex = imageVex;
        // The catalogers are done: this thread takes on digest checks still waiting for a worker.
        walk.idle();
        // Attestations are not layers: they are read while the digest checks finish, and the SBOM cache
        // entry is written under a temporary name meanwhile, then renamed once the checks have passed.
        const { applyAttestations } = await import("./attest.js");
        await applyAttestations(image, s, logger);
        s.generator.indexerVersion = indexerVersion(catalogers);
        if (key) {
          try {
            staged = await stageCachedSbom(key, s, { dir });
          } catch (e) {
            logger.debug(`could not write the SBOM cache: ${(e as Error).message}`);
          }
        }
        return s;
      })();
      catalogued.catch(() => {});
      // Nothing made from the layers is shown, returned or stored as a cache entry before every digest has
      // been checked; a digest mismatch is the error reported even when a cataloger failed on the same bytes.
      try {
        await walk.verified;
      } catch (e) {
        // no cataloger still reading when dispose() closes the files (and the entry, if any, is staged)
        await catalogued.catch(() => {});
        throw e;
      }
      sbom = await catalogued;
    } finally {
      await walk.dispose();
    }
  } catch (e) {
    await staged?.discard();
    throw e;
  }
  for (const w of sbom.warnings ?? []) logger.warn(w);
  logger.progress(`Indexed ${sbom.packages.length} packages`);
  if (staged) {
    try {
      await staged.commit();
    } catch (e) {
      logger.debug(`could not write the SBOM cache: ${(e as Error).message}`);
    }
  }
  return sbom;
}

interface RunContext {
  image: OpenedImage;
  walk: WalkResult;
  /** The captured files of the final filesystem (computed once). */
  finalFiles: readonly FileRef[];
  distro: Distro | undefined;
  logger: Logger;
  warnings: string[];
}

function exists(walk: WalkResult) {
  return (path: string) => walk.fileIndex.has(path);
}

async function runCataloger(
  c: Cataloger,
  files: readonly FileRef[],
  ctx: RunContext,
  /** An earlier layer state, catalogued for layer attribution only: quiet, and identities only. */
  earlier: boolean,
): Promise<CatalogResult> {
  const logger = earlier ? silentLogger() : ctx.logger;
  try {
    return await c.catalog({
      files,
      distro: ctx.distro,
      exists: exists(ctx.walk),
      logger,
      ...(earlier ? { identityOnly: true } : {}),
    });
  } catch (e) {
    if (isVigilError(e)) throw e;
    throw new VigilError("INTERNAL", `${c.name} cataloger failed: ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
    });
  }
}

/** Packages of a "file" cataloger: each package's layer is its evidence file's layer. */
async function catalogByFile(c: Cataloger, ctx: RunContext): Promise<Package[]> {
  const files = ctx.finalFiles.filter((f) => c.wants(f.path, f.size, f.mode));
  if (files.length === 0) return [];
  const r = await runCataloger(c, files, ctx, false);
  ctx.warnings.push(...r.warnings);
  for (const p of r.packages) {
    if (p.layerIndex === undefined || p.layerIndex < 0) {
      const first = p.locations[0];
      const entry = first ? ctx.walk.fileIndex.get(first.path) : undefined;
      p.layerIndex = entry && ctx.walk.layerCount > 0 ? entry.layerIndex : undefined;
    }
  }
  return r.packages;
}

/** Packages of a "database" cataloger, attributed by diffing its package sets across layer states. */
async function catalogByDatabase(c: Cataloger, ctx: RunContext): Promise<Package[]> {
  const { walk } = ctx;
  if (walk.layerCount === 0) return catalogByFile(c, ctx);
  const changed: number[] = [];
  for (let i = 0; i < walk.layerCount; i++) {
    if (walk.changedByLayer(i).some((p) => c.wants(p, 0))) changed.push(i);
  }
  if (changed.length === 0) return [];
  const states: { layerIndex: number; packages: Package[] }[] = [];
  const last = changed[changed.length - 1]!;
  let final: Package[] = [];
  for (const i of changed) {
    const isFinal = i === last;
    const files = (isFinal ? ctx.finalFiles : walk.filesAfterLayer(i)).filter((f) =>
      c.wants(f.path, f.size, f.mode),
    );
    let packages: Package[] = [];
    if (files.length > 0) {
      try {
        const r = await runCataloger(c, files, ctx, !isFinal);
        packages = r.packages;
        if (isFinal) ctx.warnings.push(...r.warnings);
      } catch (e) {
        // An unreadable intermediate database only blurs attribution; the final one is an error.
        if (isFinal) throw e;
        ctx.logger.debug(`${c.name}: package database after layer ${i} unreadable: ${(e as Error).message}`);
      }
    }
    states.push({ layerIndex: i, packages });
    if (isFinal) final = packages;
  }
  const layers = attributeLayers(states);
  for (const p of final) p.layerIndex = layers.get(attributionKey(p));
  return final;
}

/** Fill layer diffIDs and location layers; drop negative (fs://) layer indexes. */
function fillLayers(pkgs: Package[], ctx: RunContext): void {
  const diffIds = ctx.image.layers.map((l) => l.diffId);
  for (const p of pkgs) {
    if (p.layerIndex !== undefined && (p.layerIndex < 0 || p.layerIndex >= diffIds.length))
      p.layerIndex = undefined;
    if (p.layerIndex !== undefined) p.layerDiffId = diffIds[p.layerIndex];
    else delete p.layerDiffId;
    for (const loc of p.locations) {
      if (loc.layerIndex === undefined) {
        const e = ctx.walk.fileIndex.get(loc.path);
        if (e && e.layerIndex >= 0 && e.layerIndex < diffIds.length) loc.layerIndex = e.layerIndex;
      } else if (loc.layerIndex < 0 || loc.layerIndex >= diffIds.length) {
        loc.layerIndex = undefined;
      }
      if (loc.layerIndex !== undefined) loc.layerDiffId = diffIds[loc.layerIndex];
      else {
        delete loc.layerIndex;
        delete loc.layerDiffId;
      }
    }
  }
}

/** `ownedBy` for language packages whose evidence file is listed among an OS package's files. */
export function linkOwnedPackages(pkgs: readonly Package[], osKinds: ReadonlySet<string>): number {
  const owner = new Map<string, string>();
  for (const p of pkgs) {
    if (!osKinds.has(p.foundBy)) continue;
    for (const f of p.files ?? []) if (!owner.has(f)) owner.set(f, p.id);
  }
  if (owner.size === 0) return 0;
  let linked = 0;
  for (const p of pkgs) {
    if (osKinds.has(p.foundBy) || p.ownedBy) continue;
    for (const loc of p.locations) {
      const o = owner.get(loc.path);
      if (o) {
        p.ownedBy = o;
        linked++;
        break;
      }
    }
  }
  return linked;
}

/** Merge packages that two catalogers (or two files) reported under the same id. */
function dedupe(pkgs: Package[]): Package[] {
  const byId = new Map<string, Package>();
  for (const p of pkgs) {
    const prev = byId.get(p.id);
    if (!prev) {
      byId.set(p.id, p);
      continue;
    }
    const seen = new Set(prev.locations.map((l) => l.path));
    for (const l of p.locations) if (!seen.has(l.path)) prev.locations.push(l);
    if (prev.layerIndex === undefined || (p.layerIndex !== undefined && p.layerIndex < prev.layerIndex)) {
      prev.layerIndex = p.layerIndex;
    }
  }
  return [...byId.values()];
}

/**
 * Run every cataloger over a finished walk and assemble the SBOM. Cataloger warnings are in
 * `sbom.warnings`; the caller prints them (once the walk's digest checks have passed).
 */
export async function catalogWalk(
  image: OpenedImage,
  walk: WalkResult,
  catalogers: readonly Cataloger[],
  logger: Logger,
): Promise<Sbom> {
  const { detectDistro, wantsDistroPath } = await import("../catalog/os.js");
  const finalFiles = walk.finalFiles();
  const distroFiles = finalFiles.filter((f) => wantsDistroPath(f.path));
  const distro = await detectDistro(distroFiles);
  const ctx: RunContext = { image, walk, finalFiles, distro, logger, warnings: [] };
  const packages: Package[] = [];
  for (const c of catalogers) {
    const found =
      c.attribution === "database" ? await catalogByDatabase(c, ctx) : await catalogByFile(c, ctx);
    logger.debug(`${c.name}: ${found.length} packages`);
    packages.push(...found);
  }
  const all = dedupe(packages);
  fillLayers(all, ctx);
  const osNames = new Set(catalogers.filter((c) => c.kind === "os").map((c) => c.name));
  linkOwnedPackages(all, osNames);
  const sbom: Sbom = {
    schemaVersion: SBOM_SCHEMA_VERSION,
    generator: { name: "vigil", version: vigilVersion(), indexerVersion: indexerVersion(catalogers) },
    createdAt: new Date().toISOString(),
    image: image.info,
    packages: all,
    sources: [{ kind: "filesystem" }],
  };
  if (distro) sbom.distro = distro;
  if (ctx.warnings.length) sbom.warnings = [...ctx.warnings];
  return sbom;
}
