/**
 * A tar reader over a local, uncompressed file that seeks from header to header instead of reading
 * every byte: only the 512-byte headers (and pax / GNU long-name records) are read. Used for the
 * outer tarball of `archive://` images and for walking uncompressed layers stored in local files.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { VigilError } from "../core/errors.js";

export type TarEntryType = "file" | "hardlink" | "symlink" | "dir" | "other";

export interface SeekTarEntry {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  linkname?: string;
  /** Absolute offset of the entry's data in the file. */
  dataOffset: number;
}

/** Lets the consumer of `seekTarEntries` read an entry's data through the reader's window. */
export interface SeekTarData {
  /** A copy of [offset, offset+length) when those bytes are already in the window, else undefined. */
  peek(offset: number, length: number): Buffer | undefined;
}

const BLOCK = 512;
/** Bytes read per miss: enough for the headers of several small files, little waste on big ones. */
const WINDOW = 32 * 1024;

function cstr(buf: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return buf.toString("utf8", start, e);
}

function num(buf: Buffer, start: number, end: number): number {
  if ((buf[start]! & 0x80) !== 0) {
    // GNU base-256: big-endian, first byte's high bit set.
    let v = buf[start]! & 0x7f;
    for (let i = start + 1; i < end; i++) v = v * 256 + buf[i]!;
    return v;
  }
  // Octal digits, optionally surrounded by spaces and ended by NUL or space.
  let i = start;
  while (i < end && buf[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x30 && b <= 0x37) {
      v = v * 8 + (b - 0x30);
      digits++;
    } else break;
  }
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b !== 0 && b !== 0x20) return Number.NaN;
  }
  return digits === 0 ? 0 : v;
}

function isZeroBlock(buf: Buffer, off: number): boolean {
  if (buf[off] !== 0) return false;
  for (let i = off; i < off + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * The sum of the 512 bytes at `off`. Read as 32-bit words when they are aligned (a header walk does
 * this for every entry, often before V8 has optimised it: a quarter of the loop turns): each word's
 * bytes 0 and 2, and 1 and 3, are added in two 16-bit lanes of two accumulators, which cannot carry
 * over (128 words × 255 < 2^16).
 */
export function blockSum(buf: Buffer, off: number): number {
  const at = buf.byteOffset + off;
  let sum = 0;
  if ((at & 3) === 0 && off + BLOCK <= buf.length) {
    const w = new Uint32Array(buf.buffer, at, BLOCK / 4);
    let even = 0;
    let odd = 0;
    for (let i = 0; i < BLOCK / 4; i++) {
      const x = w[i]!;
      even += x & 0x00ff00ff;
      odd += (x >>> 8) & 0x00ff00ff;
    }
    sum = (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
  } else {
    for (let i = off; i < off + BLOCK; i++) sum += buf[i]!;
  }
  return sum;
}

/**
 * The header checksum: the sum of its bytes with the checksum field read as spaces, unsigned (POSIX)
 * or, from some old tars, signed. The signed sum is computed only when the unsigned one does not match.
 */
function checksumOk(buf: Buffer, off: number): boolean {
  const stored = num(buf, off + 148, off + 156);
  let field = 0;
  for (let i = off + 148; i < off + 156; i++) field += buf[i]!;
  const unsigned = blockSum(buf, off) - field + 8 * 32;
  if (stored === unsigned) return true;
  let high = 0; // bytes above 127, each 256 less when read as signed
  for (let i = off; i < off + BLOCK; i++) if ((i < off + 148 || i >= off + 156) && buf[i]! > 127) high++;
  return stored === unsigned - 256 * high;
}

/** Parse pax extended header records ("LEN key=value\n"). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.toString("ascii", i, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > data.length) break;
    const rec = data.toString("utf8", sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function typeOf(flag: number): TarEntryType | "pax" | "paxg" | "longname" | "longlink" {
  switch (flag) {
    case 0:
    case 0x30: // '0'
    case 0x37: // '7' contiguous
      return "file";
    case 0x31:
      return "hardlink";
    case 0x32:
      return "symlink";
    case 0x35:
      return "dir";
    case 0x78: // 'x'
      return "pax";
    case 0x67: // 'g'
      return "paxg";
    case 0x4c: // 'L'
      return "longname";
    case 0x4b: // 'K'
      return "longlink";
    default:
      return "other";
  }
}

export type HeaderType = TarEntryType | "pax" | "paxg" | "longname" | "longlink";

export interface RawHeader {
  t: HeaderType;
  size: number;
  /** Name from the header (ustar prefix applied), before pax / GNU long names. */
  name: string;
  linkname?: string;
  mode: number;
}

/**
 * Decode the 512-byte header at `off` of `h`. Returns null for a zero block (end of archive).
 * `at` (offset in the tar) and `describe` name the problem in errors.
 */
export function decodeHeader(h: Buffer, off: number, at: number, describe: string): RawHeader | null {
  if (isZeroBlock(h, off)) return null;
  if (!checksumOk(h, off)) {
    throw new VigilError("CORRUPT", `${describe}: invalid tar header checksum at offset ${at}`);
  }
  const t = typeOf(h[off + 156]!);
  const size = num(h, off + 124, off + 136);
  if (!Number.isFinite(size) || size < 0) {
    throw new VigilError("CORRUPT", `${describe}: invalid tar size field at offset ${at}`);
  }
  if (t === "pax" || t === "paxg" || t === "longname" || t === "longlink") {
    if (size > 1024 * 1024)
      throw new VigilError("CORRUPT", `${describe}: oversized tar extended header at offset ${at}`);
    return { t, size, name: "", mode: 0 };
  }
  let name = cstr(h, off, off + 100);
  // POSIX ustar ("ustar\0" "00") has a name prefix field; GNU ("ustar  ") uses those bytes otherwise.
  if (h[off + 257] === 0x75 && h[off + 262] === 0 && h[off + 263] === 0x30 && h[off + 264] === 0x30) {
    const prefix = cstr(h, off + 345, off + 500);
    if (prefix) name = `${prefix}/${name}`;
  }
  const mode = num(h, off + 100, off + 108);
  return {
    t,
    size,
    name,
    linkname: t === "hardlink" || t === "symlink" ? cstr(h, off + 157, off + 257) : undefined,
    mode: Number.isFinite(mode) ? mode & 0o7777 : 0,
  };
}

/** pax and GNU long-name records that apply to the next real entry. */
export class ExtendedHeaders {
  private pax: Record<string, string> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;

  /** Take in the data of a pax / GNU long-name header. */
  absorb(t: HeaderType, data: Buffer): void {
    if (t === "pax") this.pax = Object.assign(this.pax ?? {}, parsePax(data));
    else if (t === "longname") this.longName = cstr(data, 0, data.length);
    else if (t === "longlink") this.longLink = cstr(data, 0, data.length);
  }

  /** The size of the next entry's data, once pax may have overridden it. */
  size(raw: RawHeader): number {
    if (this.pax?.size !== undefined) {
      const s = Number(this.pax.size);
      if (Number.isSafeInteger(s) && s >= 0) return s;
    }
    return raw.size;
  }

  /** The final name and link name of a real entry; clears the pending records. */
  resolve(raw: RawHeader): { name: string; linkname?: string } {
    let name = raw.name;
    let linkname = raw.linkname;
    if (this.longName !== undefined) name = this.longName;
    if (this.pax?.path !== undefined) name = this.pax.path;
    if (linkname !== undefined) {
      if (this.longLink !== undefined) linkname = this.longLink;
      if (this.pax?.linkpath !== undefined) linkname = this.pax.linkpath;
    }
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    return { name, linkname };
  }
}

export function isExtended(t: HeaderType): t is "pax" | "paxg" | "longname" | "longlink" {
  return t === "pax" || t === "paxg" || t === "longname" || t === "longlink";
}

/**
 * Iterate the entries of an uncompressed tar stored at [offset, offset+length) of the open file `fd`.
 * Synchronous reads: a header walk is a tight loop of small preads, and async reads would cost more
 * in scheduling than in I/O. `describe` names the tar in errors ("layer 2 (sha256:…)"). Throws CORRUPT
 * on a bad header or truncation. Stops at the end-of-archive marker or at the end of the range.
 * `data.reader`, once set, reads entry data through the same window.
 */
export function* seekTarEntriesSync(
  fd: number,
  offset: number,
  length: number,
  describe: string,
  data?: { reader?: SeekTarData },
): Generator<SeekTarEntry> {
  const end = offset + length;
  let win = Buffer.allocUnsafe(WINDOW);
  let winStart = 0;
  let winLen = 0;
  const truncated = (pos: number) =>
    new VigilError("CORRUPT", `${describe}: truncated tar (entry at offset ${pos - offset})`);
  // Read `n` bytes at absolute position `pos`; returns a view valid until the next call.
  const readAt = (pos: number, n: number): Buffer => {
    if (pos >= winStart && pos + n <= winStart + winLen)
      return win.subarray(pos - winStart, pos - winStart + n);
    if (n > win.length) win = Buffer.allocUnsafe(n);
    const want = Math.min(Math.max(WINDOW, n), win.length, end - pos);
    if (want < n) throw truncated(pos);
    let got = 0;
    while (got < want) {
      const r = readSync(fd, win, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    winStart = pos;
    winLen = got;
    if (got < n) throw truncated(pos);
    return win.subarray(0, n);
  };
  // Copies into unpooled, non-zeroed buffers of the exact size (Buffer.from would zero-fill first).
  const copy = (v: Buffer): Buffer => {
    const b = Buffer.allocUnsafeSlow(v.length);
    v.copy(b);
    return b;
  };
  if (data) {
    data.reader = {
      peek: (o, n) =>
        o >= winStart && o + n <= winStart + winLen
          ? copy(win.subarray(o - winStart, o - winStart + n))
          : undefined,
    };
  }
  let pos = offset;
  const ext = new ExtendedHeaders();
  while (pos + BLOCK <= end) {
    const raw = decodeHeader(readAt(pos, BLOCK), 0, pos - offset, describe);
    if (raw === null) return;
    const size = isExtended(raw.t) ? raw.size : ext.size(raw);
    const dataOffset = pos + BLOCK;
    // A directory's size field is ignored (no data follows), as tar-stream and GNU tar do.
    const next = dataOffset + (raw.t === "dir" ? 0 : Math.ceil(size / BLOCK) * BLOCK);
    if (next > end) {
      throw new VigilError(
        "CORRUPT",
        `${describe}: truncated tar (entry at offset ${pos - offset} runs past the end)`,
      );
    }
    pos = next;
    if (isExtended(raw.t)) {
      ext.absorb(raw.t, Buffer.from(readAt(dataOffset, size)));
      continue;
    }
    const { name, linkname } = ext.resolve(raw);
    yield {
      name,
      type: raw.t,
      size: raw.t === "file" || raw.t === "other" ? size : 0,
      mode: raw.mode,
      linkname,
      dataOffset,
    };
  }
  if (pos < end && end - pos < BLOCK) {
    throw new VigilError("CORRUPT", `${describe}: truncated tar (partial header at offset ${pos - offset})`);
  }
}

/** `seekTarEntriesSync` over a path (opened and closed here). */
export function* seekTarEntries(
  path: string,
  offset: number,
  length: number,
  describe: string,
): Generator<SeekTarEntry> {
  const fd = openSync(path, "r");
  try {
    yield* seekTarEntriesSync(fd, offset, length, describe);
  } finally {
    closeSync(fd);
  }
}
