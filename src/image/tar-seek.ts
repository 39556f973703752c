/**
 * A tar reader over a local, uncompressed file that seeks from header to header instead of reading
 * every byte: only the 512-byte headers (and pax / GNU long-name records) are read. Used for the
 * outer tarball of `archive://` images and for walking uncompressed layers stored in local files.
 */
import { type FileHandle, open } from "node:fs/promises";
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

const BLOCK = 512;
const WINDOW = 256 * 1024;

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
  const s = cstr(buf, start, end).trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return Number.parseInt(s, 8);
}

function isZeroBlock(buf: Buffer, off: number): boolean {
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
 * Iterate the entries of an uncompressed tar stored at [offset, offset+length) of `path`.
 * `describe` names the tar in errors ("layer 2 (sha256:…)"). Throws CORRUPT on a bad header or
 * truncation. Stops at the end-of-archive marker or at the end of the range.
 */
export async function* seekTarEntries(
  path: string,
  offset: number,
  length: number,
  describe: string,
  handle?: FileHandle,
): AsyncGenerator<SeekTarEntry> {
  const fh = handle ?? (await open(path, "r"));
  const end = offset + length;
  let win = Buffer.allocUnsafe(WINDOW);
  let winStart = 0;
  let winLen = 0;
  // Read `n` bytes at absolute position `pos`; returns a view valid until the next call.
  const readAt = async (pos: number, n: number): Promise<Buffer> => {
    if (pos >= winStart && pos + n <= winStart + winLen)
      return win.subarray(pos - winStart, pos - winStart + n);
    if (n > win.length) win = Buffer.allocUnsafe(n);
    const want = Math.min(win.length, end - pos);
    if (want < n)
      throw new VigilError("CORRUPT", `${describe}: truncated tar (entry at offset ${pos - offset})`);
    const { bytesRead } = await fh.read(win, 0, want, pos);
    winStart = pos;
    winLen = bytesRead;
    if (bytesRead < n)
      throw new VigilError("CORRUPT", `${describe}: truncated tar (entry at offset ${pos - offset})`);
    return win.subarray(0, n);
  };
  try {
    let pos = offset;
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    while (pos + BLOCK <= end) {
      const h = await readAt(pos, BLOCK);
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
      if (dataOffset + size > end) {
        throw new VigilError(
          "CORRUPT",
          `${describe}: truncated tar (entry at offset ${pos - offset} runs past the end)`,
        );
      }
      if (t === "pax" || t === "paxg" || t === "longname" || t === "longlink") {
        if (size > 1024 * 1024) throw new VigilError("CORRUPT", `${describe}: oversized tar extended header`);
        const data = Buffer.from(await readAt(dataOffset, size));
        if (t === "pax") pax = { ...pax, ...parsePax(data) };
        else if (t === "longname") longName = cstr(data, 0, data.length);
        else if (t === "longlink") longLink = cstr(data, 0, data.length);
        pos = next;
        continue;
      }
      const magic = h.toString("latin1", 257, 263);
      let name = cstr(h, 0, 100);
      if (magic === "ustar\0") {
        const prefix = cstr(h, 345, 500);
        if (prefix) name = `${prefix}/${name}`;
      }
      if (longName !== undefined) name = longName;
      if (pax.path !== undefined) name = pax.path;
      let linkname: string | undefined = cstr(h, 157, 257);
      if (longLink !== undefined) linkname = longLink;
      if (pax.linkpath !== undefined) linkname = pax.linkpath;
      const mode = num(h, 100, 108);
      yield {
        name,
        type: t,
        size: t === "file" ? size : t === "other" ? size : 0,
        mode: Number.isFinite(mode) ? mode & 0o7777 : 0,
        linkname: t === "hardlink" || t === "symlink" ? linkname : undefined,
        dataOffset,
      };
      pax = {};
      longName = undefined;
      longLink = undefined;
      pos = next;
    }
    if (pos < end && end - pos < BLOCK) {
      throw new VigilError(
        "CORRUPT",
        `${describe}: truncated tar (partial header at offset ${pos - offset})`,
      );
    }
  } finally {
    if (!handle) await fh.close();
  }
}
