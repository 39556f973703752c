/**
 * Per-layer cache: a layer's summary (entries, whiteouts, captured contents) under
 * `${cacheDir()}/layers/`, keyed by diffID + the catalogers' key + the file-size limit.
 * One file per layer: "VGLC0001" | u32 header length | header JSON | content bytes.
 * Written atomically (temp file + rename); an unreadable entry is ignored (and rewritten).
 */
import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/logger.js";
import { cacheDir } from "../../core/paths.js";
import type { ImageLimits } from "../types.js";
import { type Content, contentLength, type PartialContent, readContent } from "./content.js";
import type { LayerSummary, SummaryEntry } from "./summary.js";

const MAGIC = "VGLC0001";
/** 2: captured contents may be partial (a program's headers: `Cataloger.partial`). */
const FORMAT_VERSION = 2;
/** Bytes gathered per write (and the piece size for copying a large captured file). */
const COPY_PIECE = 1024 * 1024;
/** Entries above this size load lazily (file ranges) instead of into memory. */
const EAGER_MAX = 32 * 1024 * 1024;

export function layerCacheDir(): string {
  return join(cacheDir(), "layers");
}

function entryFile(diffId: string, key: string, limits: ImageLimits): string {
  const h = createHash("sha256")
    .update(`${FORMAT_VERSION}\n${diffId}\n${key}\n${limits.maxFileSize}`)
    .digest("hex");
  return join(layerCacheDir(), `${h}.layer`);
}

interface Header {
  v: number;
  diffId: string;
  key: string;
  bytes: number;
  /** [path, type, size, mode?, linkTarget?] */
  entries: [string, SummaryEntry["type"], number, number | null, string | null][];
  /**
   * [path, offset in data section, length]; identical contents are stored once. A partial content adds
   * the whole file's size, the path its bytes were read under, and [offset in the file, length] of each
   * kept part (stored one after another from the data offset).
   */
  captured: ([string, number, number] | [string, number, number, number, string, number[]])[];
  lowerLinks: [string, string][];
  dataLength: number;
}

export async function readLayerCache(
  diffId: string,
  key: string,
  limits: ImageLimits,
  logger: Logger,
): Promise<LayerSummary | undefined> {
  const file = entryFile(diffId, key, limits);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r");
  } catch {
    return undefined;
  }
  try {
    const size = (await fh.stat()).size;
    const pre = Buffer.alloc(12);
    if ((await fh.read(pre, 0, 12, 0)).bytesRead !== 12 || pre.toString("latin1", 0, 8) !== MAGIC) {
      throw new Error("bad magic");
    }
    const hlen = pre.readUInt32LE(8);
    if (12 + hlen > size) throw new Error("truncated header");
    const hbuf = Buffer.alloc(hlen);
    await fh.read(hbuf, 0, hlen, 12);
    const h = JSON.parse(hbuf.toString("utf8")) as Header;
    if (h.v !== FORMAT_VERSION || h.diffId !== diffId || h.key !== key) throw new Error("key mismatch");
    const dataStart = 12 + hlen;
    if (dataStart + h.dataLength !== size) throw new Error("truncated data");
    let data: Buffer | undefined;
    if (h.dataLength <= EAGER_MAX) {
      data = Buffer.alloc(h.dataLength);
      if ((await fh.read(data, 0, h.dataLength, dataStart)).bytesRead !== h.dataLength)
        throw new Error("short read");
    }
    const captured = new Map<string, Content>();
    const stored = (off: number, len: number): Content => {
      if (!(Number.isSafeInteger(off) && Number.isSafeInteger(len) && off >= 0 && len >= 0))
        throw new Error("bad content range");
      if (off + len > h.dataLength) throw new Error("bad content range");
      return data
        ? { kind: "buf", data: data.subarray(off, off + len) }
        : { kind: "file", path: file, offset: dataStart + off, length: len };
    };
    for (const [p, off, len, size, entryPath, parts] of h.captured) {
      if (size === undefined) {
        captured.set(p, stored(off, len));
        continue;
      }
      // A partial content: its parts in order, inside the file's size, filling `len` bytes exactly.
      if (
        !Number.isSafeInteger(size) ||
        typeof entryPath !== "string" ||
        !Array.isArray(parts) ||
        parts.length % 2 !== 0
      )
        throw new Error("bad partial content");
      const pieces: PartialContent["pieces"] = [];
      let o = off;
      let prevEnd = 0;
      for (let i = 0; i < parts.length; i += 2) {
        const at = parts[i]!;
        const n = parts[i + 1]!;
        if (
          !(Number.isSafeInteger(at) && Number.isSafeInteger(n) && at >= prevEnd && n > 0 && at + n <= size)
        )
          throw new Error("bad partial content");
        pieces.push({ at, data: stored(o, n) });
        o += n;
        prevEnd = at + n;
      }
      if (o !== off + len) throw new Error("bad partial content");
      captured.set(p, { kind: "partial", size, pieces, entryPath });
    }
    const entries: SummaryEntry[] = h.entries.map(([path, type, sz, mode, link]) => {
      const e: SummaryEntry = { path, type, size: sz };
      if (mode !== null) e.mode = mode;
      if (link !== null) e.linkTarget = link;
      return e;
    });
    logger.debug(`layer ${diffId}: read from the layer cache`);
    return { entries, captured, lowerLinks: new Map(h.lowerLinks), bytes: h.bytes };
  } catch (e) {
    logger.debug(`layer cache entry ${file} is unreadable (${(e as Error).message}); ignoring it`);
    return undefined;
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  const want = bufs.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(bufs);
  if (bytesWritten !== want) throw new Error(`short write (${bytesWritten} of ${want} bytes)`);
}

export async function writeLayerCache(
  diffId: string,
  key: string,
  limits: ImageLimits,
  s: LayerSummary,
  logger: Logger,
): Promise<void> {
  const file = entryFile(diffId, key, limits);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(layerCacheDir(), { recursive: true });
    const offsets = new Map<Content, [number, number]>();
    const captured: Header["captured"] = [];
    const chunks: Content[] = [];
    let dataLength = 0;
    for (const [p, c] of s.captured) {
      let o = offsets.get(c);
      if (!o) {
        const parts = c.kind === "partial" ? c.pieces.map((x) => x.data) : [c];
        o = [dataLength, parts.reduce((n, x) => n + contentLength(x), 0)];
        offsets.set(c, o);
        chunks.push(...parts);
        dataLength += o[1];
      }
      captured.push(
        c.kind === "partial"
          ? [p, o[0], o[1], c.size, c.entryPath, c.pieces.flatMap((x) => [x.at, contentLength(x.data)])]
          : [p, o[0], o[1]],
      );
    }
    const head = headerPieces(diffId, key, s, captured, dataLength);
    const pre = Buffer.alloc(12);
    pre.write(MAGIC, 0, "latin1");
    pre.writeUInt32LE(
      head.reduce((n, b) => n + b.length, 0),
      8,
    );
    const fh = await open(tmp, "w");
    try {
      // Gathered writes: one system call per batch of small captured files, not one per file; a large
      // (spilled) file is copied a piece at a time, never whole into memory.
      let batch: Buffer[] = [pre, ...head];
      let batchBytes = 0;
      const flush = async () => {
        if (batch.length > 0) await writeAll(fh, batch);
        batch = [];
        batchBytes = 0;
      };
      for (const c of chunks) {
        const len = contentLength(c);
        if (len > COPY_PIECE) {
          await flush();
          for (let o = 0; o < len; o += COPY_PIECE)
            await writeAll(fh, [await readContent(c, o, o + COPY_PIECE)]);
          continue;
        }
        const b = await readContent(c);
        batch.push(b);
        batchBytes += b.length;
        if (batch.length >= 512 || batchBytes >= COPY_PIECE) await flush();
      }
      await flush();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    logger.debug(`could not write the layer cache entry for ${diffId}: ${(e as Error).message}`);
  }
}

/** Entries serialised per piece of the header. */
const ENTRIES_PER_PIECE = 4096;

/**
 * The header's JSON (the `Header` shape) in pieces: the entry list, which has one item per tar entry
 * (tens of thousands in a large layer), is serialised a slice at a time, so that writing the cache
 * never holds a second copy of the whole list, as tuples and as one string, while the catalogers run.
 */
function headerPieces(
  diffId: string,
  key: string,
  s: LayerSummary,
  captured: Header["captured"],
  dataLength: number,
): Buffer[] {
  const open = JSON.stringify({ v: FORMAT_VERSION, diffId, key, bytes: s.bytes });
  const pieces = [Buffer.from(`${open.slice(0, -1)},"entries":[`, "utf8")];
  for (let i = 0; i < s.entries.length; i += ENTRIES_PER_PIECE) {
    const slice: Header["entries"] = s.entries
      .slice(i, i + ENTRIES_PER_PIECE)
      .map((e) => [e.path, e.type, e.size, e.mode ?? null, e.linkTarget ?? null]);
    const json = JSON.stringify(slice);
    pieces.push(Buffer.from(`${i > 0 ? "," : ""}${json.slice(1, -1)}`, "utf8"));
  }
  const rest: Omit<Header, "v" | "diffId" | "key" | "bytes" | "entries"> = {
    captured,
    lowerLinks: [...s.lowerLinks],
    dataLength,
  };
  pieces.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`, "utf8"));
  return pieces;
}

/** Size of the layer cache (for `vigil cache df`). */
export async function layerCacheUsage(): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  let names: string[];
  try {
    names = await readdir(layerCacheDir());
  } catch {
    return { entries, bytes };
  }
  for (const n of names) {
    try {
      const st = await stat(join(layerCacheDir(), n));
      if (!st.isFile()) continue;
      if (n.endsWith(".layer")) entries++;
      bytes += st.size;
    } catch {}
  }
  return { entries, bytes };
}

/** Remove every layer cache entry (for `vigil cache prune`); returns what was freed. */
export async function pruneLayerCache(): Promise<{ entries: number; bytes: number }> {
  const usage = await layerCacheUsage();
  await rm(layerCacheDir(), { recursive: true, force: true });
  return usage;
}
