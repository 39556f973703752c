/**
 * Expands a feed source (a file, a directory, a .gz, a .tar(.gz) or a .zip) into the files a feed
 * parser reads. Every file is decompressed in memory within LIMITS; a source that cannot be read at
 * all is a FEED error, a broken entry inside an archive or directory is skipped and counted.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import yauzl from "yauzl";
import { VigilError } from "../../core/errors.js";
import type { FeedContext, FeedFile } from "./types.js";

export const INPUT_LIMITS = {
  /** Largest decompressed file (the Debian tracker JSON is ~80 MiB; NVD yearly feeds ~200 MiB). */
  maxFileBytes: 1024 * 1024 * 1024,
  /** Most files taken from one archive or directory. */
  maxEntries: 2_000_000,
};

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}
function isZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}
function isTar(b: Buffer): boolean {
  return b.length >= 262 && b.toString("latin1", 257, 262) === "ustar";
}

function gunzip(name: string, data: Buffer): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: INPUT_LIMITS.maxFileBytes });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError)
      throw new VigilError("LIMIT", `${name}: decompressed size exceeds ${INPUT_LIMITS.maxFileBytes} bytes`);
    throw new VigilError("CORRUPT", `${name}: corrupt gzip data (${(e as Error).message})`);
  }
}

async function* tarEntries(name: string, data: Buffer): AsyncGenerator<FeedFile> {
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(data);
  let count = 0;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type !== "file" || (h.size ?? 0) > INPUT_LIMITS.maxFileBytes) {
        entry.resume();
        continue;
      }
      if (++count > INPUT_LIMITS.maxEntries) throw new VigilError("LIMIT", `${name}: too many entries`);
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      yield { name: `${name}!${h.name}`, data: Buffer.concat(chunks) };
    }
    await done;
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError("CORRUPT", `${name}: corrupt tar archive (${(e as Error).message})`);
  }
}

async function* zipEntries(name: string, open: () => Promise<yauzl.ZipFile>): AsyncGenerator<FeedFile> {
  let zip: yauzl.ZipFile;
  try {
    zip = await open();
  } catch (e) {
    throw new VigilError("CORRUPT", `${name}: corrupt zip archive (${(e as Error).message})`);
  }
  try {
    let count = 0;
    while (true) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        const onEntry = (en: yauzl.Entry) => {
          cleanup();
          resolve(en);
        };
        const onEnd = () => {
          cleanup();
          resolve(undefined);
        };
        const onError = (err: Error) => {
          cleanup();
          reject(err);
        };
        const cleanup = () => {
          zip.off("entry", onEntry);
          zip.off("end", onEnd);
          zip.off("error", onError);
        };
        zip.on("entry", onEntry);
        zip.on("end", onEnd);
        zip.on("error", onError);
        zip.readEntry();
      });
      if (!entry) break;
      if (entry.fileName.endsWith("/")) continue;
      if (entry.uncompressedSize > INPUT_LIMITS.maxFileBytes)
        throw new VigilError("LIMIT", `${name}!${entry.fileName}: entry larger than the limit`);
      if (++count > INPUT_LIMITS.maxEntries) throw new VigilError("LIMIT", `${name}: too many entries`);
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      yield { name: `${name}!${entry.fileName}`, data: Buffer.concat(chunks) };
    }
  } catch (e) {
    if (e instanceof VigilError) throw e;
    throw new VigilError("CORRUPT", `${name}: corrupt zip archive (${(e as Error).message})`);
  } finally {
    zip.close();
  }
}

/** Expands one in-memory file: gunzip, untar and unzip as its bytes say; other files pass through. */
export async function* expandBuffer(name: string, data: Buffer, ctx?: FeedContext): AsyncGenerator<FeedFile> {
  if (isGzip(data)) {
    const inner = gunzip(name, data);
    const innerName = name.replace(/\.(gz|tgz)$/i, (m) => (m.toLowerCase() === ".tgz" ? ".tar" : ""));
    yield* expandBuffer(innerName, inner, ctx);
    return;
  }
  if (isZip(data)) {
    for await (const f of zipEntries(name, () => yauzl.fromBufferPromise(data, { lazyEntries: true })))
      yield* expandNested(f, ctx);
    return;
  }
  if (isTar(data)) {
    for await (const f of tarEntries(name, data)) yield* expandNested(f, ctx);
    return;
  }
  yield { name, data };
}

/** Entries of an archive: a broken nested entry is skipped (counted) rather than failing the source. */
async function* expandNested(f: FeedFile, ctx?: FeedContext): AsyncGenerator<FeedFile> {
  if (!isGzip(f.data) && !isZip(f.data) && !isTar(f.data)) {
    yield f;
    return;
  }
  try {
    yield* expandBuffer(f.name, f.data, ctx);
  } catch (e) {
    if (!ctx || (e as VigilError).code === "LIMIT") throw e;
    ctx.skip(f.name, (e as Error).message);
  }
}

/** Reads a source path (file or directory, recursively, in name order) into feed files. */
export async function* expandSource(path: string, ctx?: FeedContext): AsyncGenerator<FeedFile> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch {
    throw new VigilError("FEED", `feed source not found: ${path}`);
  }
  if (st.isDirectory()) {
    let count = 0;
    for await (const file of walk(path)) {
      if (++count > INPUT_LIMITS.maxEntries) throw new VigilError("LIMIT", `${path}: too many files`);
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (e) {
        ctx?.skip(file, (e as Error).message);
        continue;
      }
      yield* expandNested({ name: file, data }, ctx);
    }
    return;
  }
  if (st.size > INPUT_LIMITS.maxFileBytes)
    throw new VigilError("LIMIT", `${path}: file larger than ${INPUT_LIMITS.maxFileBytes} bytes`);
  if (/\.zip$/i.test(path)) {
    // Large bulk zips (OSV all.zip) are read from disk entry by entry rather than whole.
    for await (const f of zipEntries(path, () => yauzl.openPromise(path, { lazyEntries: true })))
      yield* expandNested(f, ctx);
    return;
  }
  const data = await readFile(path);
  yield* expandBuffer(path, data, ctx);
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}
