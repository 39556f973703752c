/**
 * The layer walk: read every layer once (up to `concurrency` at a time; cached layers not at all),
 * apply them in order, and keep the wanted files of every layer state.
 */
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileRef } from "../../catalog/types.js";
import { isVigilError, VigilError } from "../../core/errors.js";
import { v8TuningForHeavyWork } from "../../core/v8-flags.js";
import type { Compression } from "../decompress.js";
import type { LayerFileRange, OpenedImage, WalkOptions, WalkResult } from "../types.js";
import { applyLayer } from "./apply.js";
import { CaptureStore } from "./captures.js";
import { closeContentFiles, fileRef } from "./content.js";
import { FsTree } from "./fs-tree.js";
import { readLayerCache, writeLayerCache } from "./layer-cache.js";
import {
  attachWhole,
  describeLayer,
  type ReadContext,
  rangeCompression,
  readLayerSeeking,
  readLayerStreaming,
} from "./layer-reader.js";
import { walkRootfs } from "./rootfs.js";
import type { LayerSummary } from "./summary.js";
import {
  canInflateInWorker,
  hashFileRange,
  helpHashes,
  helpWhileWorkersStart,
  warmWorkers,
} from "./worker-pool.js";

/**
 * The part of a walk that needs no cataloger: the layer cache lookups, the local layer files located
 * and sniffed, and the digest checks of uncompressed local layers started in worker threads (largest
 * first). The indexer starts it before it loads the catalogers, so the checks begin on the other core
 * while the main thread is still compiling; `walkImage` starts it itself when not given one.
 */
export interface WalkStart {
  readonly image: OpenedImage;
  readonly layerCacheKey: string | undefined;
  readonly controller: AbortController;
  readonly cached: readonly (LayerSummary | undefined)[];
  readonly located: readonly Located[];
  readonly digests: ReadonlyMap<number, Promise<string>>;
}

type Located = { range: LayerFileRange; compression: Compression } | { error: unknown } | undefined;

export async function startWalk(
  image: OpenedImage,
  opts: Pick<WalkOptions, "limits" | "logger" | "layerCacheKey">,
): Promise<WalkStart> {
  v8TuningForHeavyWork(); // a CLI run's V8 flags, if it enabled them (src/core/v8-flags.ts)
  const controller = new AbortController();
  const layers = image.layers;
  // Cache lookups first, before any layer is read.
  const cached: (LayerSummary | undefined)[] = await Promise.all(
    layers.map((l) =>
      opts.layerCacheKey ? readLayerCache(l.diffId, opts.layerCacheKey, opts.limits, opts.logger) : undefined,
    ),
  );
  // Local layer files, located and sniffed up front. Uncompressed ones start their digest check now,
  // largest first, whatever the walk's concurrency: the check of the largest layer is the longest task.
  const located: Located[] = await Promise.all(
    layers.map(async (l, i): Promise<Located> => {
      if (cached[i] || !image.layerFile) return undefined;
      try {
        const range = await image.layerFile(l);
        return range ? { range, compression: await rangeCompression(range) } : undefined;
      } catch (error) {
        return { error }; // reported when the walk reaches this layer
      }
    }),
  );
  const seekable = (i: number): LayerFileRange | undefined => {
    const x = located[i];
    return x && "range" in x && x.compression === "none" ? x.range : undefined;
  };
  const digests = new Map<number, Promise<string>>();
  const order = layers.map((_, i) => i).filter((i) => seekable(i) !== undefined);
  // Workers check the digests of uncompressed local layers and inflate gzip ones: start them now.
  // (Also for a registry image, whose blobs the workers download themselves.)
  const gzipLocal = located.some((x) => x && "range" in x && x.compression === "gzip");
  const downloads = image.layerDownload !== undefined && layers.some((_, i) => !cached[i]);
  if ((gzipLocal || downloads) && canInflateInWorker()) warmWorkers("inflate");
  else if (order.length > 0) warmWorkers("hash");
  for (const i of order.sort((a, b) => seekable(b)!.length - seekable(a)!.length)) {
    const p = hashFileRange(seekable(i)!, controller.signal);
    p.catch(() => {});
    digests.set(i, p);
  }
  // The main thread hashes a small layer while the worker starts, before it walks any headers.
  if (order.length > 0) await helpWhileWorkersStart();
  return { image, layerCacheKey: opts.layerCacheKey, controller, cached, located, digests };
}

export async function walkImage(
  image: OpenedImage,
  opts: WalkOptions,
  begun?: WalkStart,
): Promise<WalkResult> {
  const started = Date.now(); // not `performance`: its first use loads perf_hooks (~1 ms of every index)
  let spillDir: string | undefined;
  const getSpill = () => (spillDir ??= mkdtempSync(join(tmpdir(), "vigil-walk-")));
  const cacheWrites: Promise<void>[] = [];
  const dispose = async () => {
    await Promise.all(cacheWrites);
    closeContentFiles();
    if (spillDir) {
      const d = spillDir;
      spillDir = undefined;
      await rm(d, { recursive: true, force: true });
    }
  };
  if (image.rootDir !== undefined && image.layers.length === 0) {
    return await walkRootfs(image.rootDir, opts, started);
  }
  if (begun && (begun.image !== image || begun.layerCacheKey !== opts.layerCacheKey)) {
    throw new VigilError("INTERNAL", "walkImage: the walk was started for another image or cache key");
  }
  const { controller, cached, located, digests } = begun ?? (await startWalk(image, opts));
  const ctx: ReadContext = {
    wants: opts.wants,
    partial: opts.partial,
    limits: opts.limits,
    logger: opts.logger,
    signal: controller.signal,
    totals: { bytes: 0, entries: 0 },
    spillDir: getSpill,
  };
  const layers = image.layers;
  const n = layers.length;
  let fromCache = 0;

  /** Digest checks of layers read by seeking, still running when their headers are done. */
  const checks: Promise<void>[] = [];

  const readOne = async (i: number): Promise<LayerSummary> => {
    const c = cached[i];
    if (c) {
      fromCache++;
      attachWhole(image, layers[i]!, c, ctx);
      ctx.totals.entries += c.entries.length;
      if (ctx.totals.entries > opts.limits.maxEntries) {
        throw new VigilError(
          "LIMIT",
          `the image has more than ${opts.limits.maxEntries} tar entries (--max-entries)`,
        );
      }
      return c;
    }
    const layer = layers[i]!;
    const loc = located[i];
    if (loc && "error" in loc) throw loc.error;
    const range = loc?.range;
    const compression = loc?.compression;
    const seek = range !== undefined && compression === "none";
    let s: LayerSummary;
    if (seek) {
      // The pool slot is free once the headers are read; the digest check goes on in its worker and
      // is awaited before the walk returns (a mismatch aborts the walk as soon as it is known).
      const r = await readLayerSeeking(layer, range, ctx, digests.get(i));
      r.verified.catch((e) => {
        if (firstError === undefined) firstError = e;
        controller.abort();
      });
      checks.push(r.verified);
      s = r.summary;
    } else {
      const gzipFile = compression === "gzip" && canInflateInWorker() ? range : undefined;
      s = await readLayerStreaming(image, layer, ctx, gzipFile);
    }
    // Written in the background (the next layer's read need not wait); dispose() waits for it.
    // Not for a layer read by seeking a local uncompressed tar: walking it again costs less than copying
    // its captured files (whole programs among them) into the cache.
    if (opts.layerCacheKey && !seek)
      cacheWrites.push(writeLayerCache(layer.diffId, opts.layerCacheKey, opts.limits, s, opts.logger));
    return s;
  };

  // A small pool: `concurrency` layers in flight; results are applied strictly in order.
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const results: Promise<LayerSummary>[] = new Array(n);
  const resolvers: { resolve: (s: LayerSummary) => void; reject: (e: unknown) => void }[] = [];
  for (let i = 0; i < n; i++) {
    results[i] = new Promise<LayerSummary>((resolve, reject) => {
      resolvers[i] = { resolve, reject };
    });
    results[i]!.catch(() => {});
  }
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < n && firstError === undefined) {
      const i = next++;
      try {
        resolvers[i]!.resolve(await readOne(i));
      } catch (e) {
        if (firstError === undefined) firstError = e;
        controller.abort();
        resolvers[i]!.reject(e);
      }
    }
  };
  const pool = Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));

  const tree = new FsTree();
  const captures = new CaptureStore();
  const wantedLinks = new Set<string>();
  let bytesRead = 0;
  // Settles with the first error, if any, once the pool stops.
  const poolFailed = pool.then(() => {
    if (firstError !== undefined) throw firstError;
  });
  poolFailed.catch(() => {});
  try {
    for (let i = 0; i < n; i++) {
      const s = await Promise.race([results[i]!, poolFailed.then(() => results[i]!)]);
      bytesRead += s.bytes;
      applyLayer(tree, captures, i, s, describeLayer(layers[i]!), opts.logger, wantedLinks, opts.wants);
    }
    await pool;
    // Every header is read, and this thread has nothing else to do: it takes the digest checks still
    // waiting for a worker.
    if (!opts.deferDigestChecks && checks.length > 0) {
      void helpHashes();
      await Promise.all(checks);
    }
  } catch (e) {
    controller.abort();
    await pool.catch(() => {});
    await dispose();
    const err = firstError ?? e;
    if (isVigilError(err)) throw err;
    throw new VigilError("INTERNAL", `layer walk failed: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
  const verified = opts.deferDigestChecks
    ? Promise.all(checks).then(
        () => {},
        (e) => {
          // The first check to fail, in time: `Promise.all` gives the first in the array, which can be a
          // check that the failure aborted (a small layer's digest can be known before the walk begins).
          const err = firstError ?? e;
          throw isVigilError(err)
            ? err
            : new VigilError(
                "INTERNAL",
                `layer digest check failed: ${(err as Error)?.message ?? String(err)}`,
                {
                  cause: err,
                },
              );
        },
      )
    : Promise.resolve();
  verified.catch(() => {}); // the caller awaits it; this only keeps an early exit from an unhandled rejection
  // Layer cache writes may still be running: the catalogers start meanwhile, and dispose() waits for them
  // (they read captured contents, spill files included).

  const finalIndex = n - 1;
  const finalFiles = (): FileRef[] => {
    const files = captures.filesAfter(finalIndex);
    const have = new Set(files.map((f) => f.path));
    // Wanted symlinks whose target (inside the root) is a captured file: the same content under the link's path.
    for (const p of wantedLinks) {
      if (have.has(p)) continue;
      const node = tree.node(p);
      if (node?.entry.type !== "symlink") continue;
      const target = tree.resolveNode(p);
      if (!target?.captured) continue;
      const c = captures.current(target.entry.path);
      if (c) files.push(fileRef(p, target.entry.layerIndex, c, target.entry.mode));
    }
    return files;
  };
  return {
    fileIndex: tree,
    layerCount: n,
    finalFiles,
    filesAfterLayer: (i: number) => (i >= finalIndex ? finalFiles() : captures.filesAfter(i)),
    changedByLayer: (i: number) => captures.changedBy(i),
    stats: {
      bytesRead,
      entries: ctx.totals.entries,
      layersFromCache: fromCache,
      millis: Date.now() - started,
    },
    verified,
    idle: () => {
      if (checks.length > 0) void helpHashes();
    },
    dispose,
  };
}
