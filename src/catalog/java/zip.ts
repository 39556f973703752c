/**
 * A Java archive's zip structure, read by Vigil itself over a ByteSource (random access: the central
 * directory, then only the entries asked for), with the limits a hostile archive needs.
 *
 * Jars are the Maven packages' container, and a Java image holds hundreds of them. yauzl, which reads the
 * advisory feeds' zips, went through an asynchronous read, an event and several buffers per central
 * directory record: 7–19 ms for the 391 entries of commons-lang3 warm, 10–38 ms in an index (plus up to
 * 11 ms compiling yauzl), where this reader takes 0.3–0.6 ms warm and ~6 ms on a process's first archive
 * (docs/benchmarks.md). What it checks is what yauzl checked for this use, plus
 * each entry's CRC-32: signatures, one disk only, zip64 records and fields, the central directory inside
 * the archive, sizes (a stored entry's two sizes agree, an inflated one gives its declared size), no
 * strong encryption; names are only matched, never used as paths.
 */
import { crc32, inflateRaw, inflateRawSync } from "node:zlib";
import { type ByteSource, bufferSource, sliceSource } from "../binary/byte-source.js";

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 = stored, 8 = deflated. */
  compressionMethod: number;
  encrypted: boolean;
  isDirectory: boolean;
  /** The entry's CRC-32 as the central directory states it. */
  crc32: number;
  /** Where its local file header starts in the archive. */
  localHeaderOffset: number;
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

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
/** Bytes of the central directory read at a time. */
const CD_WINDOW = 1024 * 1024;
/** Compressed entries above this size inflate on libuv's thread pool, smaller ones at once. */
const SYNC_INFLATE_MAX = 1024 * 1024;

/** Code page 437 (the zip format's default name encoding), bytes 0x80–0xff. */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

function cp437(b: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.toString("latin1", start, end);
  let s = "";
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    s += c < 0x80 ? String.fromCharCode(c) : CP437_HIGH[c - 0x80];
  }
  return s;
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("zip64 value out of range");
  return Number(v);
}

/** `n` bytes at `at`, or an error naming `what` when the archive ends first. */
async function readExact(source: ByteSource, at: number, n: number, what: string): Promise<Buffer> {
  if (at < 0 || at + n > source.size) throw new Error(`${what} past the end of the archive`);
  const b = await source.read(at, at + n);
  if (b.length < n) throw new Error(`${what} past the end of the archive`);
  return b;
}

/** Does the name at [start, end) of `b` end with `suffix` (lower-case ASCII), ignoring ASCII case? */
function endsWithCi(b: Buffer, start: number, end: number, suffix: Buffer): boolean {
  const n = suffix.length;
  if (end - start < n) return false;
  for (let i = 0, j = end - n; i < n; i++, j++) {
    let c = b[j]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== suffix[i]) return false;
  }
  return true;
}

export interface OpenZipOptions {
  /**
   * Keep only the entries whose names end with one of these (ASCII, compared without case): the others'
   * names are never decoded and their records only stepped over. An entry with an Info-ZIP Unicode path
   * is always kept (its name is known only once decoded). All entries when not given.
   */
  suffixes?: readonly string[];
}

export async function openZip(
  source: ByteSource,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
  opts: OpenZipOptions = {},
): Promise<OpenedZip> {
  const suffixes = opts.suffixes?.map((x) => Buffer.from(x.toLowerCase(), "latin1"));
  const size = source.size;
  if (size < EOCD_SIZE) throw new Error("end of central directory record signature not found");
  // The end record: the last 22 bytes, unless a comment (up to 64 KiB) follows it. Its comment length
  // must reach exactly to the end of the archive.
  const tailStart = Math.max(0, size - (EOCD_SIZE + 0xffff));
  const tail = await readExact(source, tailStart, size - tailStart, "end of central directory");
  let eocd = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && tail.readUInt16LE(i + 20) === tail.length - i - EOCD_SIZE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("end of central directory record signature not found");
  if (tail.readUInt16LE(eocd + 4) !== 0) throw new Error("multi-disk zip files are not supported");
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const eocdAt = tailStart + eocd;
  let cdEnd = eocdAt;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: a locator right before the end record points at the zip64 end record.
    if (eocd < 20 && tailStart === 0) throw new Error("zip64 end of central directory locator not found");
    const loc =
      eocd >= 20 ? tail.subarray(eocd - 20, eocd) : await readExact(source, eocdAt - 20, 20, "zip64 locator");
    if (loc.readUInt32LE(0) !== EOCD64_LOCATOR)
      throw new Error("zip64 end of central directory locator not found");
    const at = u64(loc, 8);
    if (at + 56 > eocdAt - 20) throw new Error("zip64 end of central directory record out of place");
    const z = await readExact(source, at, 56, "zip64 end of central directory record");
    if (z.readUInt32LE(0) !== EOCD64)
      throw new Error("invalid zip64 end of central directory record signature");
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
    cdEnd = at;
  }
  if (count > limits.maxEntries) throw new ZipLimitError(`more than ${limits.maxEntries} entries`);
  // Each record takes 46 bytes at least: a count the directory cannot hold is a lie, not a reason to loop.
  if (cdOffset + cdSize > cdEnd || count * 46 > cdSize) throw new Error("central directory out of bounds");
  // The directory is read in windows of 1 MiB (a record takes at most 46 + 3 × 65,535 bytes), so that a
  // huge directory, real or claimed, is never held whole.
  let cd: Buffer = Buffer.alloc(0);
  let cdAt = 0; // offset of cd[0] in the directory
  const window = async (from: number, n: number) => {
    if (from >= cdAt && from + n <= cdAt + cd.length) return;
    if (from + n > cdSize) throw new Error("central directory record past the end of the directory");
    const len = Math.min(cdSize - from, Math.max(n, CD_WINDOW));
    cd = await readExact(source, cdOffset + from, len, "central directory");
    cdAt = from;
  };
  const entries: ZipEntryInfo[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 46 > cdSize) throw new Error("invalid central directory file header signature");
    await window(at, 46);
    let p = at - cdAt;
    if (cd.readUInt32LE(p) !== CENTRAL) throw new Error("invalid central directory file header signature");
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    await window(at, 46 + nameLen + extraLen + commentLen);
    p = at - cdAt;
    if (suffixes) {
      const nameEnd = p + 46 + nameLen;
      let keep = false;
      for (const x of suffixes) if (endsWithCi(cd, p + 46, nameEnd, x)) keep = true;
      for (let x = nameEnd; !keep && x + 4 <= nameEnd + extraLen; x += 4 + cd.readUInt16LE(x + 2))
        if (cd.readUInt16LE(x) === 0x7075) keep = true;
      if (!keep) {
        at += 46 + nameLen + extraLen + commentLen;
        continue;
      }
    }
    const flags = cd.readUInt16LE(p + 8);
    if ((flags & 0x40) !== 0) throw new Error("strong encryption is not supported");
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let csize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    let lho = cd.readUInt32LE(p + 42);
    const nameAt = p + 46;
    const extraAt = nameAt + nameLen;
    at += 46 + nameLen + extraLen + commentLen;
    let name: string | undefined = (flags & 0x800) !== 0 ? cd.toString("utf8", nameAt, extraAt) : undefined;
    // Extra fields: zip64 sizes and offset (those the record marks 0xffffffff, in this order), and the
    // Info-ZIP Unicode path of a name not stored as UTF-8 (taken when its CRC-32 is the stored name's).
    for (let x = extraAt; x + 4 <= extraAt + extraLen; ) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      const d = x + 4;
      if (d + len > extraAt + extraLen) throw new Error("extra field past the end of its record");
      if (id === 0x0001) {
        let q = d;
        const take = () => {
          if (q + 8 > d + len) throw new Error("zip64 extended information extra field too short");
          const v = u64(cd, q);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take();
        if (csize === 0xffffffff) csize = take();
        if (lho === 0xffffffff) lho = take();
      } else if (id === 0x7075 && name === undefined && len >= 5 && cd[d] === 1) {
        if (cd.readUInt32LE(d + 1) === crc32(cd.subarray(nameAt, extraAt)) >>> 0)
          name = cd.toString("utf8", d + 5, d + len);
      }
      x = d + len;
    }
    name ??= cp437(cd, nameAt, extraAt);
    name = name.replaceAll("\\", "/");
    if (method === 0 && csize !== usize && (flags & 1) === 0) {
      throw new Error(`stored entry ${JSON.stringify(name)}: compressed and uncompressed sizes differ`);
    }
    entries.push({
      name,
      compressedSize: csize,
      uncompressedSize: usize,
      compressionMethod: method,
      encrypted: (flags & 1) !== 0,
      isDirectory: name.endsWith("/"),
      crc32: crc,
      localHeaderOffset: lho,
    });
  }

  /** Where an entry's data starts: after its local header, whose name and extra lengths are its own. */
  async function dataStart(entry: ZipEntryInfo): Promise<number> {
    const off = entry.localHeaderOffset;
    const header = await readExact(source, off, 30, "local file header");
    if (header.readUInt32LE(0) !== LOCAL) throw new Error("invalid local file header signature");
    const start = off + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (start + entry.compressedSize > size) throw new Error("entry data past the end of the archive");
    return start;
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
    const start = await dataStart(entry);
    const data = await readExact(source, start, entry.compressedSize, "entry data");
    let out: Buffer;
    if (entry.compressionMethod === 0) out = data;
    else {
      // At most maxBytes and at most the declared size (+1, so that more than declared is seen).
      const maxOutputLength = Math.max(1, Math.min(maxBytes, entry.uncompressedSize) + 1);
      try {
        out =
          data.length <= SYNC_INFLATE_MAX
            ? inflateRawSync(data, { maxOutputLength })
            : await new Promise<Buffer>((resolve, reject) =>
                inflateRaw(data, { maxOutputLength }, (err, r) => (err ? reject(err) : resolve(r))),
              );
      } catch (e) {
        if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
          if (entry.uncompressedSize >= maxBytes)
            throw new ZipLimitError(`more than ${maxBytes} bytes when inflated`);
          throw new Error(`too many bytes in the stream: more than the ${entry.uncompressedSize} declared`);
        }
        throw new Error(`invalid deflate data (${(e as Error).message})`);
      }
      if (out.length > maxBytes) throw new ZipLimitError(`more than ${maxBytes} bytes when inflated`);
    }
    if (out.length !== entry.uncompressedSize) {
      throw new Error(`expected ${entry.uncompressedSize} bytes, got ${out.length}`);
    }
    // The CRC-32 the archive stores for each entry: a damaged byte in a pom.properties or a manifest would
    // otherwise read as another version or another name.
    if (crc32(out) >>> 0 !== entry.crc32 >>> 0) throw new Error(`CRC-32 mismatch (damaged archive)`);
    return out;
  }

  async function entrySource(entry: ZipEntryInfo, maxBytes: number): Promise<ByteSource> {
    if (entry.compressionMethod === 0 && !entry.encrypted) {
      // Stored: read it in place.
      return sliceSource(source, await dataStart(entry), entry.compressedSize);
    }
    return bufferSource(await readEntry(entry, maxBytes));
  }

  return { entries, readEntry, entrySource, close: () => {} };
}
