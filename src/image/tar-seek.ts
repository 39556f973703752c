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
  read(offset: number, length: number): Buffer;
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

function checksumOk(buf: Buffer, off: number): boolean {
  const stored = num(buf, off + 148, off + 156);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : buf[off + i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
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
  if (data) data.reader = { read: (o, n) => Buffer.from(readAt(o, n)) };
  let pos = offset;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (pos + BLOCK <= end) {
    const h = readAt(pos, BLOCK);
    if (isZeroBlock(h, 0)) return;
    if (!checksumOk(h, 0)) {
      throw new VigilError("CORRUPT", `${describe}: invalid tar header checksum at offset ${pos - offset}`);
    }
    const flag = h[156]!;
    const t = typeOf(flag);
    let size = num(h, 124, 136);
    if (!Number.isFinite(size) || size < 0) {
      throw new VigilError("CORRUPT", `${describe}: invalid tar size field at offset ${pos - offset}`);
    }
    if (pax.size !== undefined && t !== "pax" && t !== "paxg") {
      const s = Number(pax.size);
      if (Number.isSafeInteger(s) && s >= 0) size = s;
    }
    const dataOffset = pos + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (next > end) {
      throw new VigilError(
        "CORRUPT",
        `${describe}: truncated tar (entry at offset ${pos - offset} runs past the end)`,
      );
    }
    if (t === "pax" || t === "paxg" || t === "longname" || t === "longlink") {
      if (size > 1024 * 1024) throw new VigilError("CORRUPT", `${describe}: oversized tar extended header`);
      const ext = Buffer.from(readAt(dataOffset, size));
      if (t === "pax") Object.assign(pax, parsePax(ext));
      else if (t === "longname") longName = cstr(ext, 0, ext.length);
      else if (t === "longlink") longLink = cstr(ext, 0, ext.length);
      pos = next;
      continue;
    }
    let name = cstr(h, 0, 100);
    // POSIX ustar ("ustar\0") has a name prefix field; GNU ("ustar  ") uses those bytes for other things.
    if (h[257] === 0x75 && h[262] === 0 && h[263] === 0x30 && h[264] === 0x30) {
      const prefix = cstr(h, 345, 500);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (longName !== undefined) name = longName;
    if (pax.path !== undefined) name = pax.path;
    let linkname: string | undefined;
    if (t === "hardlink" || t === "symlink") {
      linkname = cstr(h, 157, 257);
      if (longLink !== undefined) linkname = longLink;
      if (pax.linkpath !== undefined) linkname = pax.linkpath;
    }
    const mode = num(h, 100, 108);
    yield {
      name,
      type: t,
      size: t === "file" || t === "other" ? size : 0,
      mode: Number.isFinite(mode) ? mode & 0o7777 : 0,
      linkname,
      dataOffset,
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
    pos = next;
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
