/**
 * A small promise face over yauzl reading a zip from a ByteSource (random access, nothing buffered but
 * the central directory and the entries asked for), with the limits a hostile archive needs.
 */
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type yauzlTypes from "yauzl";
import { lazyModule } from "../../core/lazy.js";
import { type ByteSource, bufferSource, sliceSource } from "../binary/byte-source.js";

// A CommonJS dependency, required on the first archive: an ESM import would also run Node's export lexer
// over it, for every run that indexes an image, jars or not.
const yauzlLib = lazyModule<typeof yauzlTypes>("yauzl");

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 = stored, 8 = deflated. */
  compressionMethod: number;
  encrypted: boolean;
  isDirectory: boolean;
  /** yauzl's own entry, for reading. */
  readonly raw: yauzlTypes.Entry;
}

/** Thrown for entries that exceed a size or ratio limit (zip bombs). */
export class ZipLimitError extends Error {}

export interface ZipLimits {
  /** Most central-directory entries read per archive. */
  maxEntries: number;
  /** Largest compressed/uncompressed ratio accepted for an entry bigger than 1 MiB. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 500_000, maxRatio: 200 };

const WINDOW = 256 * 1024;

/** The reader class, made on the first archive (it extends a class of yauzl's). */
function makeSourceReader(base: typeof yauzlTypes.RandomAccessReader) {
  return class SourceReader extends base {
    /** Read-ahead window: yauzl reads the central directory in many small sequential reads. */
    private window: { start: number; buf: Buffer } | undefined;
    constructor(private readonly source: ByteSource) {
      super();
    }
    override read(
      buffer: Buffer,
      offset: number,
      length: number,
      position: number,
      callback: (err: Error | null) => void,
    ): void {
      const w = this.window;
      if (w && position >= w.start && position + length <= w.start + w.buf.length) {
        w.buf.copy(buffer, offset, position - w.start, position - w.start + length);
        process.nextTick(callback, null);
        return;
      }
      const end = length >= WINDOW ? position + length : Math.min(this.source.size, position + WINDOW);
      this.source.read(position, Math.max(end, position + length)).then(
        (buf) => {
          if (buf.length < length) return callback(new Error("unexpected end of archive data"));
          if (length < WINDOW) this.window = { start: position, buf };
          buf.copy(buffer, offset, 0, length);
          callback(null);
        },
        (err: Error) => callback(err),
      );
    }
    override _readStreamForRange(start: number, end: number): Readable {
      const source = this.source;
      const chunk = 1 << 20;
      return Readable.from(
        (async function* () {
          for (let pos = start; pos < end; pos += chunk) {
            const buf = await source.read(pos, Math.min(end, pos + chunk));
            if (buf.length === 0) throw new Error("unexpected end of archive data");
            yield buf;
          }
        })(),
      );
    }
  };
}
let SourceReader: ReturnType<typeof makeSourceReader> | undefined;

export interface OpenedZip {
  entries: ZipEntryInfo[];
  /**
   * Whole (decompressed) content of an entry, refusing more than `maxBytes` and bytes that fail the
   * entry's CRC-32. Errors of one entry do not name it: the caller prefixes `archive!entry: `.
   */
  readEntry(entry: ZipEntryInfo, maxBytes: number): Promise<Buffer>;
  /**
   * The entry as a ByteSource: a stored entry is a slice of this archive (no copy); a deflated one is
   * inflated into memory, refusing more than `maxBytes`.
   */
  entrySource(entry: ZipEntryInfo, maxBytes: number): Promise<ByteSource>;
  close(): void;
}

export async function openZip(
  source: ByteSource,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<OpenedZip> {
  SourceReader ??= makeSourceReader(yauzlLib().RandomAccessReader);
  const reader = new SourceReader(source);
  const zip = await new Promise<yauzlTypes.ZipFile>((resolve, reject) => {
    yauzlLib().fromRandomAccessReader(
      reader,
      source.size,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (err, zf) => (err || !zf ? reject(err ?? new Error("cannot open zip")) : resolve(zf)),
    );
  });
  const entries: ZipEntryInfo[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (e: yauzlTypes.Entry) => {
        if (entries.length >= limits.maxEntries) {
          reject(new ZipLimitError(`more than ${limits.maxEntries} entries`));
          return;
        }
        entries.push({
          name: e.fileName,
          compressedSize: e.compressedSize,
          uncompressedSize: e.uncompressedSize,
          compressionMethod: e.compressionMethod,
          encrypted: (e.generalPurposeBitFlag & 1) !== 0,
          isDirectory: e.fileName.endsWith("/"),
          raw: e,
        });
        zip.readEntry();
      });
      zip.once("end", () => resolve());
      zip.once("error", reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }

  function checkLimits(entry: ZipEntryInfo, maxBytes: number): void {
    if (entry.encrypted) throw new Error(`encrypted entry`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new Error(`unsupported compression method ${entry.compressionMethod}`);
    }
    if (entry.uncompressedSize > maxBytes) {
      throw new ZipLimitError(
        `${entry.uncompressedSize} bytes uncompressed exceeds the ${maxBytes}-byte limit`,
      );
    }
    if (
      entry.uncompressedSize > 1 << 20 &&
      entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio
    ) {
      throw new ZipLimitError(
        `compression ratio ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} exceeds ${limits.maxRatio} (zip bomb?)`,
      );
    }
  }

  async function readEntry(entry: ZipEntryInfo, maxBytes: number): Promise<Buffer> {
    checkLimits(entry, maxBytes);
    const stream = await new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry.raw, (err, s) =>
        err || !s ? reject(err ?? new Error("no stream")) : resolve(s),
      ),
    );
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new ZipLimitError(`more than ${maxBytes} bytes when inflated`);
      }
      chunks.push(chunk);
    }
    const buf = Buffer.concat(chunks, total);
    // yauzl checks sizes but not the CRC-32 the archive stores for each entry: a damaged byte in a
    // pom.properties or a manifest would otherwise read as another version or another name.
    if (crc32(buf) >>> 0 !== entry.raw.crc32 >>> 0) throw new Error(`CRC-32 mismatch (damaged archive)`);
    return buf;
  }

  async function entrySource(entry: ZipEntryInfo, maxBytes: number): Promise<ByteSource> {
    if (entry.compressionMethod === 0 && !entry.encrypted) {
      // Stored: find the data after the local header and read it in place.
      const off = entry.raw.relativeOffsetOfLocalHeader;
      const header = await source.read(off, off + 30);
      if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) {
        throw new Error(`invalid local file header`);
      }
      const dataStart = off + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      if (dataStart + entry.compressedSize > source.size) throw new Error(`data past end of archive`);
      return sliceSource(source, dataStart, entry.compressedSize);
    }
    return bufferSource(await readEntry(entry, maxBytes));
  }

  return { entries, readEntry, entrySource, close: () => zip.close() };
}
