/**
 * RPM header blob parser (the header as stored in an rpmdb: no lead, no magic). Layout:
 * uint32 BE index count `il`, uint32 BE data length `dl`, `il` 16-byte index entries
 * (tag, type, offset, count; all BE), then `dl` bytes of data. Only the tags Vigil needs are decoded,
 * each bounds-checked: a hostile header yields an error string, never an out-of-range read.
 */
import { createHash } from "node:crypto";

export const TAG = {
  HEADERIMMUTABLE: 63,
  SIGMD5: 261,
  SHA1HEADER: 269,
  SHA256HEADER: 273,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const;

const TYPE = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
};

/** rpm's own limits (header.c: hdrchkTags / hdrchkData). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  license?: string;
  vendor?: string;
  modularityLabel?: string;
  summary?: string;
  size?: number;
  sigmd5?: string;
  files: string[];
}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

class HeaderError extends Error {}

/** Parse a header blob. Returns an error message (string) when the blob is malformed. */
export function parseRpmHeader(blob: Buffer): RpmHeader | string {
  try {
    return parse(blob);
  } catch (e) {
    if (e instanceof HeaderError) return e.message;
    throw e;
  }
}

function parse(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new HeaderError(`header blob too short (${blob.length} bytes)`);
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0 || il > MAX_INDEX_ENTRIES) throw new HeaderError(`bad header index count ${il}`);
  if (dl > MAX_DATA) throw new HeaderError(`bad header data length ${dl}`);
  const dataStart = 8 + il * 16;
  const dataEnd = dataStart + dl;
  if (dataEnd > blob.length)
    throw new HeaderError(`header blob truncated (${blob.length} of ${dataEnd} bytes)`);

  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const p = 8 + i * 16;
    const tag = blob.readUInt32BE(p);
    if (entries.has(tag)) continue;
    const type = blob.readUInt32BE(p + 4);
    const offset = blob.readUInt32BE(p + 8);
    const count = blob.readUInt32BE(p + 12);
    entries.set(tag, { type, offset, count });
  }

  const entryAt = (tag: number): Entry | undefined => {
    const e = entries.get(tag);
    if (!e) return undefined;
    if (e.offset >= dl && !(e.offset === dl && e.count === 0))
      throw new HeaderError(`tag ${tag}: offset ${e.offset} outside data (${dl} bytes)`);
    if (e.count > dl) throw new HeaderError(`tag ${tag}: count ${e.count} larger than data`);
    return e;
  };

  /** Read `count` NUL-terminated strings starting at the entry's offset. */
  const strings = (tag: number, e: Entry, max: number): string[] => {
    const out: string[] = [];
    let pos = dataStart + e.offset;
    const n = Math.min(e.count, max);
    for (let i = 0; i < n; i++) {
      const end = blob.indexOf(0, pos);
      if (end < 0 || end >= dataEnd) throw new HeaderError(`tag ${tag}: unterminated string`);
      out.push(blob.toString("utf8", pos, end));
      pos = end + 1;
    }
    return out;
  };

  const str = (tag: number): string | undefined => {
    const e = entryAt(tag);
    if (!e) return undefined;
    if (e.type !== TYPE.STRING && e.type !== TYPE.I18NSTRING && e.type !== TYPE.STRING_ARRAY)
      throw new HeaderError(`tag ${tag}: type ${e.type} is not a string`);
    if (e.count === 0) return undefined;
    return strings(tag, e, 1)[0];
  };

  const strArray = (tag: number): string[] | undefined => {
    const e = entryAt(tag);
    if (!e) return undefined;
    if (e.type !== TYPE.STRING_ARRAY)
      throw new HeaderError(`tag ${tag}: type ${e.type} is not a string array`);
    return strings(tag, e, e.count);
  };

  const ints = (tag: number): number[] | undefined => {
    const e = entryAt(tag);
    if (!e) return undefined;
    const width =
      e.type === TYPE.INT32
        ? 4
        : e.type === TYPE.INT16
          ? 2
          : e.type === TYPE.INT64
            ? 8
            : e.type === TYPE.INT8
              ? 1
              : 0;
    if (width === 0) throw new HeaderError(`tag ${tag}: type ${e.type} is not an integer`);
    const start = dataStart + e.offset;
    if (start + e.count * width > dataEnd) throw new HeaderError(`tag ${tag}: integers run past the data`);
    const out = new Array<number>(e.count);
    for (let i = 0; i < e.count; i++) {
      const p = start + i * width;
      out[i] =
        width === 4
          ? blob.readUInt32BE(p)
          : width === 2
            ? blob.readUInt16BE(p)
            : width === 1
              ? blob[p]!
              : Number(blob.readBigUInt64BE(p));
    }
    return out;
  };

  const bin = (tag: number): Buffer | undefined => {
    const e = entryAt(tag);
    if (!e || e.type !== TYPE.BIN) return undefined;
    const start = dataStart + e.offset;
    if (start + e.count > dataEnd) throw new HeaderError(`tag ${tag}: binary runs past the data`);
    return blob.subarray(start, start + e.count);
  };

  checkDigest(blob, il, dataStart, dl, entries, str);

  const name = str(TAG.NAME);
  if (!name) throw new HeaderError("no NAME tag");
  const version = str(TAG.VERSION);
  if (version === undefined) throw new HeaderError(`package ${name}: no VERSION tag`);
  const release = str(TAG.RELEASE) ?? "";

  const h: RpmHeader = { name, version, release, files: [] };
  const epoch = ints(TAG.EPOCH)?.[0];
  if (epoch !== undefined) h.epoch = epoch;
  const arch = str(TAG.ARCH);
  if (arch) h.arch = arch;
  const srpm = str(TAG.SOURCERPM);
  if (srpm) h.sourceRpm = srpm;
  const license = str(TAG.LICENSE);
  if (license) h.license = license;
  const vendor = str(TAG.VENDOR);
  if (vendor) h.vendor = vendor;
  const mod = str(TAG.MODULARITYLABEL);
  if (mod) h.modularityLabel = mod;
  const summary = str(TAG.SUMMARY);
  if (summary) h.summary = summary;
  const size = ints(TAG.LONGSIZE)?.[0] ?? ints(TAG.SIZE)?.[0];
  if (size !== undefined) h.size = size;
  const md5 = bin(TAG.SIGMD5);
  if (md5) h.sigmd5 = md5.toString("hex");

  const basenames = strArray(TAG.BASENAMES);
  if (basenames) {
    const dirnames = strArray(TAG.DIRNAMES) ?? [];
    const dirindexes = ints(TAG.DIRINDEXES) ?? [];
    if (dirindexes.length !== basenames.length)
      throw new HeaderError(
        `package ${name}: ${basenames.length} basenames but ${dirindexes.length} dir indexes`,
      );
    for (let i = 0; i < basenames.length; i++) {
      const dir = dirnames[dirindexes[i]!];
      if (dir === undefined) throw new HeaderError(`package ${name}: dir index out of range`);
      h.files.push(dir + basenames[i]);
    }
  } else {
    const old = strArray(TAG.OLDFILENAMES);
    if (old) h.files = old;
  }
  return h;
}

const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

/**
 * rpm stores, with each installed header, the SHA-256 (and SHA-1) of the header's immutable region: the
 * package's own tags, name and version among them, as the package file carried them. The region is the
 * first `ril` index entries and `rdl` data bytes, given by the trailer that the HEADERIMMUTABLE entry (the
 * first) points at; the digest covers the header magic, `ril`, `rdl`, those entries and that data. A
 * mismatch means the header was damaged after rpm wrote it: without this check a flipped byte in a version
 * would read as another version. Headers without a region (rpm before 4.0) or a digest are not checked.
 */
function checkDigest(
  blob: Buffer,
  il: number,
  dataStart: number,
  dl: number,
  entries: Map<number, Entry>,
  str: (tag: number) => string | undefined,
): void {
  if (blob.readUInt32BE(8) !== TAG.HEADERIMMUTABLE) return;
  const sha256 = entries.has(TAG.SHA256HEADER) ? str(TAG.SHA256HEADER) : undefined;
  const sha1 = sha256 === undefined && entries.has(TAG.SHA1HEADER) ? str(TAG.SHA1HEADER) : undefined;
  if (sha256 === undefined && sha1 === undefined) return;
  const region = blob.readUInt32BE(16); // the first entry's data offset: the region trailer
  if (blob.readUInt32BE(12) !== TYPE.BIN || region + 16 > dl)
    throw new HeaderError("bad immutable region entry (damaged header)");
  const trailer = blob.readInt32BE(dataStart + region + 8);
  const ril = -trailer / 16;
  if (!Number.isInteger(ril) || ril < 1 || ril > il)
    throw new HeaderError("bad immutable region trailer (damaged header)");
  const rdl = region + 16;
  const counts = Buffer.alloc(8);
  counts.writeUInt32BE(ril, 0);
  counts.writeUInt32BE(rdl, 4);
  const h = createHash(sha256 !== undefined ? "sha256" : "sha1")
    .update(HEADER_MAGIC)
    .update(counts)
    .update(blob.subarray(8, 8 + ril * 16))
    .update(blob.subarray(dataStart, dataStart + rdl))
    .digest("hex");
  if (h !== (sha256 ?? sha1)!.toLowerCase())
    throw new HeaderError(`header ${sha256 !== undefined ? "SHA-256" : "SHA-1"} mismatch (damaged database)`);
}
