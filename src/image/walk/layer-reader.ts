/**
 * Reading one layer into a LayerSummary: streamed (gzip / zstd / plain, digests verified on the fly,
 * tar parsed by TarParser), or — for an uncompressed tar in a local file — by seeking from header to header.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PartialSpec } from "../../catalog/types.js";
import { isVigilError, VigilError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { type Compression, createDecompressor, sniffCompression } from "../decompress.js";
import { type EntrySink, TarParser } from "../tar-parser.js";
import { type SeekTarData, seekTarEntriesSync, type TarEntryType } from "../tar-seek.js";
import type { ImageLimits, LayerDescriptor, LayerFileRange, OpenedImage } from "../types.js";
import { type Content, contentLength, type PartialContent } from "./content.js";
import type { EntryType } from "./fs-tree.js";
import { normalizeEntryName } from "./fs-tree.js";
import { emptySummary, type LayerSummary, type SummaryEntry } from "./summary.js";
import {
  canInflateInWorker,
  fetchAndInflate,
  hashFileRange,
  type InflateResult,
  inflateFileRange,
} from "./worker-pool.js";

/** Captured files above this size go to a temp file instead of memory. */
export const SPILL_THRESHOLD = 1024 * 1024;
/** Files below this size are kept whole even when their catalogers read only parts. */
const PARTIAL_MIN = 16 * 1024;
/** Wanted files up to this size are copied into memory by the header-seeking walk. */
const EAGER_SEEK_MAX = 256 * 1024;
/** The ratio limit applies once a layer has produced this many uncompressed bytes. */
export const RATIO_MIN_BYTES = 16 * 1024 * 1024;

export interface ReadContext {
  wants(path: string, size: number, mode?: number): boolean;
  partial?(path: string, size: number, mode?: number): PartialSpec | undefined;
  limits: ImageLimits;
  logger: Logger;
  signal: AbortSignal;
  /** Shared across layers: total uncompressed bytes and entries so far. */
  totals: { bytes: number; entries: number };
  /** Temp directory for captured files above SPILL_THRESHOLD (created on first use). */
  spillDir(): string;
}

export function describeLayer(layer: LayerDescriptor): string {
  return `layer ${layer.index} (${layer.digest})`;
}

/** Builds a summary from tar entries, whichever reader produces them. */
class SummaryBuilder {
  readonly s: LayerSummary = emptySummary();
  /** Regular files of this layer: path → size (for hard links). */
  private readonly files = new Map<string, number>();
  /** Wanted hard links whose target is a regular file of this layer but was not captured. */
  readonly pendingLinks = new Map<string, string>();
  /** Normalised path of the last entry added. */
  lastPath = "/";

  constructor(
    private readonly ctx: ReadContext,
    private readonly where: string,
  ) {}

  countEntry(): void {
    if (++this.ctx.totals.entries > this.ctx.limits.maxEntries) {
      throw new VigilError(
        "LIMIT",
        `${this.where}: the image has more than ${this.ctx.limits.maxEntries} tar entries (--max-entries)`,
      );
    }
  }

  /**
   * Record an entry; returns the path when its content should be captured (a wanted regular file
   * within the size limit), else undefined.
   */
  add(
    name: string,
    type: TarEntryType,
    size: number,
    mode: number,
    linkname: string | undefined,
  ): string | undefined {
    this.countEntry();
    const path = normalizeEntryName(name, this.where);
    this.lastPath = path;
    if (path === "/") return undefined;
    const slash = path.lastIndexOf("/");
    const base = path.slice(slash + 1);
    if (base.startsWith(".wh.")) {
      const dir = path.slice(0, slash) || "/";
      if (base === ".wh..wh..opq") this.s.entries.push({ path: dir, type: "opaque", size: 0 });
      else if (!base.startsWith(".wh..wh.")) {
        this.s.entries.push({
          path: dir === "/" ? `/${base.slice(4)}` : `${dir}/${base.slice(4)}`,
          type: "whiteout",
          size: 0,
        });
      }
      return undefined;
    }
    let t: EntryType;
    let linkTarget: string | undefined;
    switch (type) {
      case "file":
        t = "file";
        break;
      case "dir":
        t = "dir";
        break;
      case "symlink":
        t = "symlink";
        linkTarget = linkname ?? "";
        break;
      case "hardlink":
        t = "hardlink";
        linkTarget = normalizeEntryName(linkname ?? "", `${this.where}: hard link ${JSON.stringify(name)}`);
        if (linkTarget === "/") {
          throw new VigilError(
            "UNSAFE_PATH",
            `${this.where}: hard link ${JSON.stringify(name)} points at the root`,
          );
        }
        break;
      default:
        t = "other";
    }
    const e: SummaryEntry = { path, type: t, size: t === "file" ? size : 0, mode };
    if (linkTarget !== undefined) e.linkTarget = linkTarget;
    if (t === "hardlink") {
      const tsize = this.files.get(linkTarget!);
      e.size = tsize ?? 0;
      if (this.ctx.wants(path, e.size, mode)) {
        const c = this.s.captured.get(linkTarget!);
        if (c) this.s.captured.set(path, c);
        else if (tsize !== undefined) {
          if (tsize <= this.ctx.limits.maxFileSize) this.pendingLinks.set(path, linkTarget!);
        } else this.s.lowerLinks.set(path, linkTarget!);
      }
    }
    this.s.entries.push(e);
    if (t !== "file") {
      if (this.files.has(path)) this.files.delete(path);
      this.s.captured.delete(path);
      return undefined;
    }
    this.files.set(path, size);
    this.s.captured.delete(path);
    if (!this.ctx.wants(path, size, mode)) return undefined;
    if (size > this.ctx.limits.maxFileSize) {
      this.ctx.logger.warn(
        `${this.where}: ${path} is ${size} bytes, above --max-file-size (${this.ctx.limits.maxFileSize}); not read`,
      );
      return undefined;
    }
    return path;
  }

  /** After a re-read for pending hard links: give each its target's content. */
  resolvePending(contents: Map<string, Content>): void {
    for (const [p, target] of this.pendingLinks) {
      const c = contents.get(target);
      if (c) this.s.captured.set(p, c);
    }
  }
}

function wrapError(e: unknown, where: string, compression: Compression): VigilError {
  if (isVigilError(e)) return e;
  const msg = (e as Error)?.message ?? String(e);
  // a download in a worker thread that failed (connection, stall, an over-long body)
  if ((e as { code?: unknown })?.code === "NETWORK") return new VigilError("NETWORK", `${where}: ${msg}`);
  // zlib's errors carry a Z_* code ("incorrect data check" is a CRC failure at the end of the stream).
  const zcode = (e as { code?: unknown })?.code;
  if (
    compression === "gzip" &&
    ((typeof zcode === "string" && zcode.startsWith("Z_")) ||
      /unexpected end|incorrect (header|data|length)|invalid|zlib|gzip/i.test(msg))
  ) {
    return new VigilError("CORRUPT", `${where}: corrupt or truncated gzip data (${msg})`);
  }
  if (compression === "zstd" || /^zstd/.test(msg)) {
    return new VigilError("CORRUPT", `${where}: corrupt or truncated zstd data (${msg})`);
  }
  if ((e as { name?: string })?.name === "AbortError") return new VigilError("INTERNAL", `${where}: aborted`);
  return new VigilError("CORRUPT", `${where}: corrupt or truncated tar (${msg})`);
}

/** Peek the first chunk of a stream, then iterate everything (first chunk included). */
async function peek(stream: Readable): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  return { head: first.done ? Buffer.alloc(0) : first.value, rest: it };
}

/**
 * Every pass checks the blob's digests, re-reads included: gzip data is inflated without zlib's CRC-32
 * (decompress.ts), so the SHA-256 checks are what catch bytes that changed.
 */
interface StreamPassOptions {
  /** Capture predicate override (re-read): path → wanted. */
  only?: Set<string>;
  builder?: SummaryBuilder;
  /** The layer's blob as a local gzip file: inflated in a worker thread. */
  gzipFile?: LayerFileRange;
}

/** A sink collecting an entry's data: in memory up to SPILL_THRESHOLD, else in a temp file. */
function captureSink(
  path: string,
  size: number,
  ctx: ReadContext,
  layer: LayerDescriptor,
  contents: Map<string, Content>,
): EntrySink {
  if (size <= SPILL_THRESHOLD) {
    // Copy into a buffer of the final size: the chunks are views of large decompressor buffers.
    const buf = Buffer.allocUnsafe(size);
    let fill = 0;
    return {
      data(c) {
        fill += c.copy(buf, fill);
      },
      end() {
        contents.set(path, { kind: "buf", data: fill === size ? buf : buf.subarray(0, fill) });
      },
    };
  }
  const file = join(ctx.spillDir(), `${layer.index}-${spillSeq++}`);
  const fd = openSync(file, "w");
  let written = 0;
  return {
    data(c) {
      let o = 0;
      while (o < c.length) o += writeSync(fd, c, o, c.length - o);
      written += c.length;
    },
    end() {
      closeSync(fd);
      contents.set(path, { kind: "file", path: file, offset: 0, length: written });
    },
  };
}
let spillSeq = 0;

/**
 * A sink keeping only the parts of an entry's data that `spec` selects from its first bytes (see
 * `Cataloger.partial`); the whole entry (a `captureSink`) when it selects "all" or more than
 * SPILL_THRESHOLD bytes of parts.
 */
function partialSink(
  path: string,
  size: number,
  spec: PartialSpec,
  ctx: ReadContext,
  layer: LayerDescriptor,
  contents: Map<string, Content>,
): EntrySink {
  const head = Buffer.allocUnsafe(Math.min(spec.head, size));
  let fill = 0;
  let whole: EntrySink | undefined;
  let pieces: { at: number; buf: Buffer }[] | undefined;
  /** Bytes of the entry seen so far. */
  let pos = 0;
  const decide = () => {
    let sel: ReturnType<PartialSpec["select"]>;
    try {
      sel = spec.select(head.subarray(0, fill), size);
    } catch {
      sel = "all"; // a spec that cannot read these bytes keeps the file whole (its cataloger then reports)
    }
    const ranges = sel === "all" ? undefined : mergeRanges(sel, size);
    if (!ranges || ranges.reduce((n, [a, b]) => n + b - a, 0) > SPILL_THRESHOLD) {
      whole = captureSink(path, size, ctx, layer, contents);
      whole.data(head.subarray(0, fill));
      return;
    }
    pieces = ranges.map(([a, b]) => ({ at: a, buf: Buffer.allocUnsafe(b - a) }));
    keep(head.subarray(0, fill), 0);
  };
  /** Copy the bytes of `c` (at entry offset `at`) that fall into the pieces. */
  const keep = (c: Buffer, at: number) => {
    const end = at + c.length;
    for (const p of pieces!) {
      const pe = p.at + p.buf.length;
      if (pe <= at || p.at >= end) continue;
      const from = Math.max(at, p.at);
      const to = Math.min(end, pe);
      c.copy(p.buf, from - p.at, from - at, to - at);
    }
  };
  return {
    data(c) {
      let rest = c;
      if (!whole && !pieces) {
        const n = Math.min(c.length, head.length - fill);
        c.copy(head, fill, 0, n);
        fill += n;
        pos += n;
        if (fill < head.length) return;
        decide();
        if (n === c.length) return;
        rest = c.subarray(n);
      }
      if (whole) whole.data(rest);
      else keep(rest, pos);
      pos += rest.length;
    },
    end() {
      if (!whole && !pieces) decide();
      if (whole) {
        whole.end();
        return;
      }
      const got = pieces!.filter((p) => p.at < pos);
      const content: PartialContent = {
        kind: "partial",
        size: pos,
        pieces: got.map((p) => ({
          at: p.at,
          data: { kind: "buf", data: p.at + p.buf.length <= pos ? p.buf : p.buf.subarray(0, pos - p.at) },
        })),
        entryPath: path,
      };
      contents.set(path, content);
    },
  };
}

/** Ranges clipped to [0, size), sorted and merged. */
function mergeRanges(ranges: readonly (readonly [number, number])[], size: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of [...ranges]
    .map(([a, b]) => [Math.max(0, a), Math.min(size, b)] as const)
    .sort((x, y) => x[0] - y[0])) {
    if (!(b > a)) continue;
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Let the partial contents of a streamed layer read the rest of their file: the first such read streams
 * the layer again (digests checked again) for all of them at once.
 */
export function attachWhole(
  image: OpenedImage,
  layer: LayerDescriptor,
  s: LayerSummary,
  ctx: ReadContext,
): void {
  const partials = [...new Set(s.captured.values())].filter((c): c is PartialContent => c.kind === "partial");
  if (partials.length === 0) return;
  const where = describeLayer(layer);
  let pass: Promise<Map<string, Content>> | undefined;
  const reread = () => {
    if (!pass) ctx.logger.debug(`${where}: read again for the whole of a file kept in parts`);
    return (pass ??= streamPass(image, layer, ctx, {
      only: new Set(partials.map((p) => p.entryPath)),
    }).then((r) => r.contents));
  };
  for (const p of partials) {
    let mine: Promise<Content> | undefined;
    p.whole = () =>
      (mine ??= reread().then((m) => {
        const c = m.get(p.entryPath);
        if (!c || contentLength(c) !== p.size) {
          throw new VigilError(
            "CORRUPT",
            `${where}: ${p.entryPath} is not what it was when the layer was read`,
          );
        }
        return c;
      }));
  }
}

async function streamPass(
  image: OpenedImage,
  layer: LayerDescriptor,
  ctx: ReadContext,
  opts: StreamPassOptions,
): Promise<{ compression: Compression; contents: Map<string, Content>; rawBytes: number }> {
  const where = describeLayer(layer);
  // A local gzip blob is inflated and hashed in a worker thread (worker-pool.ts), and so is a blob the
  // worker can download itself (a registry's: tried first, streamed here when it cannot); anything else
  // is streamed here, inflated by zlib on the thread pool and hashed on this thread.
  const inWorker = opts.gzipFile;
  const download = !inWorker && canInflateInWorker() ? await image.layerDownload?.(layer) : undefined;
  let blob: Readable | undefined;
  const contents = new Map<string, Content>();
  let compression: Compression = inWorker || download ? "gzip" : "none";
  const storedHash = createHash("sha256");
  const diffHash: Hash = createHash("sha256");
  let storedBytes = 0;
  let rawBytes = 0;
  let digests: InflateResult | undefined;
  /** gzip inflated by a worker, which computes both digests. */
  let digestsInWorker = inWorker !== undefined || download !== undefined;
  let head: Buffer = Buffer.alloc(0);
  let rest: AsyncIterator<Buffer> | undefined;
  try {
    const limits = ctx.limits;
    // Each chunk is hashed once the decompressor has taken it, so that the thread pool inflates it
    // while this thread hashes it. The chunks are fresh buffers (file and socket reads), never reused.
    async function* source(): AsyncGenerator<Buffer> {
      if (head.length > 0) {
        storedBytes += head.length;
        yield head;
        storedHash.update(head);
      }
      for (;;) {
        const r = await rest!.next();
        if (r.done) return;
        storedBytes += r.value.length;
        yield r.value;
        storedHash.update(r.value);
      }
    }
    // Uncompressed bytes: hashed for the diffID, counted for the size and ratio limits.
    const onChunk = (chunk: Buffer): void => {
      rawBytes += chunk.length;
      if (compression !== "none" && !digestsInWorker) diffHash.update(chunk);
      // The image's size counts each layer once: not again when a layer is re-read for whole files.
      if (opts.builder) ctx.totals.bytes += chunk.length;
      if (ctx.totals.bytes > limits.maxImageSize) {
        throw new VigilError(
          "LIMIT",
          `${where}: the image's uncompressed size exceeds --max-image-size (${limits.maxImageSize} bytes)`,
        );
      }
      if (
        compression !== "none" &&
        rawBytes > RATIO_MIN_BYTES &&
        rawBytes > storedBytes * limits.maxCompressionRatio
      ) {
        throw new VigilError(
          "LIMIT",
          `${where}: decompression ratio above ${limits.maxCompressionRatio} (--max-ratio): possible decompression bomb`,
        );
      }
    };
    const builder = opts.builder;
    const parser = new TarParser(
      where,
      (e) => {
        let capturePath: string | undefined;
        if (builder) capturePath = builder.add(e.name, e.type, e.size, e.mode, e.linkname);
        else if (e.type === "file") {
          const p = normalizeEntryName(e.name, where);
          if (opts.only?.has(p)) capturePath = p;
        }
        if (!capturePath) return undefined;
        const spec =
          builder && e.size >= PARTIAL_MIN ? ctx.partial?.(capturePath, e.size, e.mode) : undefined;
        return spec
          ? partialSink(capturePath, e.size, spec, ctx, layer, contents)
          : captureSink(capturePath, e.size, ctx, layer, contents);
      },
      onChunk,
    );
    // From a worker, each chunk is parsed as it arrives (the parser keeps no view of a chunk: its buffer
    // goes back to the worker); the worker hashes both forms.
    const fromWorker = (chunk: Buffer, stored: number) => {
      storedBytes = stored;
      download?.progress?.(stored, false);
      parser.feed(chunk);
    };
    if (inWorker) digests = await inflateFileRange(inWorker, fromWorker, ctx.signal);
    else if (download) {
      try {
        digests = await fetchAndInflate(download, fromWorker, ctx.signal);
        download.progress?.(digests.storedBytes, true);
      } catch (e) {
        // Not a plain 200 gzip answer (a redirect, a challenge, another compression): nothing was
        // parsed yet, so the blob is streamed here instead, by the rules of openLayerBlob.
        if ((e as { code?: unknown })?.code !== "FALLBACK" || rawBytes > 0) throw e;
        digestsInWorker = false;
      }
    }
    if (digests) {
      storedBytes = digests.storedBytes;
      parser.finish();
    } else {
      blob = await image.openLayerBlob(layer);
      ({ head, rest } = await peek(blob));
      compression = sniffCompression(head);
      if (compression !== "none") {
        // The uncompressed bytes are checked against the diffID below: no CRC-32 needed (decompress.ts).
        await pipeline(source, createDecompressor(compression, { digestChecked: true }), parser, {
          signal: ctx.signal,
        });
      } else {
        await pipeline(source, parser, { signal: ctx.signal });
      }
    }
  } catch (e) {
    blob?.destroy();
    const err = wrapError(e, where, compression);
    if (err.code === "CORRUPT") {
      // Bytes that fail to decompress or parse are often bytes that changed since the blob was written:
      // when the local file's digest does not match either, that is the cause to report.
      const got = await localDigestMismatch(image, layer, compression, ctx.signal);
      if (got !== undefined) {
        throw new VigilError(
          "DIGEST_MISMATCH",
          `${where}: blob digest mismatch (got ${got}); reading it failed: ${err.message.startsWith(`${where}: `) ? err.message.slice(where.length + 2) : err.message}`,
          { cause: err },
        );
      }
    }
    throw err;
  }
  const stored = digests?.stored ?? `sha256:${storedHash.digest("hex")}`;
  // A docker archive names a layer by its diffID only; a compressed layer.tar then has no stored digest.
  const storedKnown = !(compression !== "none" && layer.digest === layer.diffId);
  if (storedKnown && layer.digest.startsWith("sha256:") && stored !== layer.digest) {
    throw new VigilError("DIGEST_MISMATCH", `${where}: blob digest mismatch (got ${stored})`);
  }
  const diff = digests?.diff ?? (compression === "none" ? stored : `sha256:${diffHash.digest("hex")}`);
  if (diff !== layer.diffId) {
    throw new VigilError(
      "DIGEST_MISMATCH",
      `${where}: uncompressed digest ${diff} does not match the config's diffID ${layer.diffId}`,
    );
  }
  return { compression, contents, rawBytes };
}

/**
 * The digest of a local layer blob when it differs from the one the manifest gives, else undefined (a
 * match, no local file, no stored digest to compare with, the file cannot be hashed, or the walk was
 * aborted meanwhile).
 */
async function localDigestMismatch(
  image: OpenedImage,
  layer: LayerDescriptor,
  compression: Compression,
  signal: AbortSignal,
): Promise<string | undefined> {
  // A docker archive names a layer by its diffID only; a compressed layer.tar then has no stored digest.
  if (!layer.digest.startsWith("sha256:") || (compression !== "none" && layer.digest === layer.diffId))
    return undefined;
  try {
    const range = await image.layerFile?.(layer);
    if (!range) return undefined;
    const got = await hashFileRange(range, signal); // a walk aborted meanwhile keeps its first error
    return got === layer.digest ? undefined : got;
  } catch {
    return undefined;
  }
}

/** Read a layer by streaming it (any compression). */
export async function readLayerStreaming(
  image: OpenedImage,
  layer: LayerDescriptor,
  ctx: ReadContext,
  gzipFile?: LayerFileRange,
): Promise<LayerSummary> {
  const builder = new SummaryBuilder(ctx, describeLayer(layer));
  const { contents, rawBytes } = await streamPass(image, layer, ctx, { builder, gzipFile });
  builder.s.bytes = rawBytes;
  for (const [p, c] of contents) builder.s.captured.set(p, c);
  // Hard links captured in the pass already share their target's content; re-read for the rest.
  const stillPending = new Map([...builder.pendingLinks].filter(([p]) => !builder.s.captured.has(p)));
  for (const [p, t] of stillPending) {
    const c = contents.get(t);
    if (c) {
      builder.s.captured.set(p, c);
      stillPending.delete(p);
    }
  }
  if (stillPending.size > 0) {
    const again = await streamPass(image, layer, ctx, {
      only: new Set(stillPending.values()),
      gzipFile,
    });
    builder.resolvePending(again.contents);
  }
  attachWhole(image, layer, builder.s, ctx);
  return builder.s;
}

/**
 * Read an uncompressed local layer tar by seeking header to header; contents stay as file ranges.
 * The summary comes as soon as the headers are read; `verified` settles when the layer's digest check
 * (in a worker thread) has passed, or rejects with DIGEST_MISMATCH. The caller must await it before
 * using the summary's result: the walk reads the next layer's headers meanwhile.
 */
export async function readLayerSeeking(
  layer: LayerDescriptor,
  range: LayerFileRange,
  ctx: ReadContext,
  pendingDigest?: Promise<string>,
): Promise<{ summary: LayerSummary; verified: Promise<void> }> {
  const where = describeLayer(layer);
  const builder = new SummaryBuilder(ctx, where);
  ctx.totals.bytes += range.length;
  if (ctx.totals.bytes > ctx.limits.maxImageSize) {
    throw new VigilError(
      "LIMIT",
      `${where}: the image's uncompressed size exceeds --max-image-size (${ctx.limits.maxImageSize} bytes)`,
    );
  }
  // The digest is checked in a worker thread (started by the caller, or now) while the headers are read here.
  const digestP = pendingDigest ?? hashFileRange(range, ctx.signal);
  digestP.catch(() => {});
  const offsets = new Map<string, { offset: number; size: number }>();
  const fd = openSync(range.path, "r");
  const data: { reader?: SeekTarData } = {};
  // Wanted files whose bytes are already in the header window are copied now (most small ones: a
  // package.json, a METADATA); the others stay byte ranges of the local file, read only if a cataloger
  // asks (a program's section headers, not its whole text).
  const capture = (offset: number, size: number): Content => {
    const b = size <= EAGER_SEEK_MAX ? data.reader?.peek(offset, size) : undefined;
    return b ? { kind: "buf", data: b } : { kind: "file", path: range.path, offset, length: size };
  };
  try {
    let k = 0;
    for (const e of seekTarEntriesSync(fd, range.offset, range.length, where, data)) {
      // Let other layers' streams make progress now and then.
      if (++k % 4096 === 0) {
        await new Promise((r) => setImmediate(r));
        if (ctx.signal.aborted) throw new VigilError("INTERNAL", `${where}: aborted`);
      }
      const p = builder.add(e.name, e.type, e.size, e.mode, e.linkname);
      if (e.type === "file") offsets.set(builder.lastPath, { offset: e.dataOffset, size: e.size });
      if (p) builder.s.captured.set(p, capture(e.dataOffset, e.size));
    }
    for (const [p, t] of builder.pendingLinks) {
      const o = offsets.get(t);
      if (o) builder.s.captured.set(p, capture(o.offset, o.size));
    }
  } catch (e) {
    // Headers that no longer parse in a file that no longer matches its digest: report the mismatch,
    // the cause (the digest check is already running; an aborted or failed one keeps the first error).
    if (isVigilError(e) && e.code === "CORRUPT") {
      const got = await digestP.catch(() => undefined);
      const expected = layer.digest.startsWith("sha256:") ? layer.digest : layer.diffId;
      if (got !== undefined && got !== expected) {
        throw new VigilError(
          "DIGEST_MISMATCH",
          `${where}: blob digest mismatch (got ${got}); reading it failed: ${e.message.startsWith(`${where}: `) ? e.message.slice(where.length + 2) : e.message}`,
          { cause: e },
        );
      }
    }
    throw e;
  } finally {
    closeSync(fd);
  }
  builder.s.bytes = range.length;
  const verified = digestP.then((digest) => {
    if (layer.digest.startsWith("sha256:") && digest !== layer.digest) {
      throw new VigilError("DIGEST_MISMATCH", `${where}: blob digest mismatch (got ${digest})`);
    }
    if (digest !== layer.diffId) {
      throw new VigilError(
        "DIGEST_MISMATCH",
        `${where}: uncompressed digest ${digest} does not match the config's diffID ${layer.diffId}`,
      );
    }
  });
  return { summary: builder.s, verified };
}

/** Peek a local range's first bytes to check it really is an uncompressed tar. */
export async function rangeCompression(range: LayerFileRange): Promise<Compression> {
  const fh = await open(range.path, "r");
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, Math.min(4, range.length), range.offset);
    return sniffCompression(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
