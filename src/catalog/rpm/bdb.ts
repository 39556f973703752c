/**
 * Berkeley DB hash database reader, enough for rpm's /var/lib/rpm/Packages: walks every hash page,
 * takes the data item of each key/data pair (inline or on an overflow-page chain) and returns the
 * values. Byte order follows the metadata page's magic. Every page number and length is checked
 * against the file, and overflow chains are bounded, so a corrupt file cannot loop or over-read.
 */

const HASH_MAGIC = 0x061561;
const P_INVALID = 0;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const PAGE_HEADER = 26;

export interface BdbValue {
  /** Key bytes (rpm: the 4-byte header instance number). */
  key: Buffer;
  value: Buffer;
}

export interface BdbResult {
  values: BdbValue[];
  /** Problems with single items (a broken overflow chain …); the rest is still returned. */
  errors: string[];
  /** Byte order of the database (keys are stored in it). */
  littleEndian: boolean;
}

export class BdbFormatError extends Error {}

export function isBerkeleyDbHash(buf: Buffer): boolean {
  if (buf.length < 512) return false;
  return buf.readUInt32LE(12) === HASH_MAGIC || buf.readUInt32BE(12) === HASH_MAGIC;
}

export function readBdbHash(buf: Buffer): BdbResult {
  if (buf.length < 512) throw new BdbFormatError(`file too short for a Berkeley DB (${buf.length} bytes)`);
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else throw new BdbFormatError("not a Berkeley DB hash database (bad magic)");
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const u16 = (off: number): number => (le ? buf.readUInt16LE(off) : buf.readUInt16BE(off));

  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new BdbFormatError(`bad page size ${pageSize}`);
  if (buf[25] !== P_HASHMETA)
    throw new BdbFormatError(`metadata page has type ${buf[25]}, not hash metadata`);
  const encrypted = buf[24] !== 0;
  if (encrypted) throw new BdbFormatError("encrypted Berkeley DB is not supported");
  const lastPgno = u32(32);
  const pagesInFile = Math.floor(buf.length / pageSize);
  if (pagesInFile < 2) throw new BdbFormatError("no data pages");
  const errors: string[] = [];
  if (lastPgno + 1 > pagesInFile)
    errors.push(`database says ${lastPgno + 1} pages but the file holds ${pagesInFile} (truncated)`);
  const nPages = Math.min(lastPgno + 1, pagesInFile);

  // Each overflow page belongs to one item: a page reached twice means a corrupt or hostile file, so
  // the total work over all chains stays within the page count.
  const usedOverflow = new Uint8Array(nPages);
  const readOverflow = (first: number, total: number): Buffer | string => {
    if (total > buf.length) return `overflow item of ${total} bytes is larger than the file`;
    // First walk and check the chain, then copy: nothing is allocated for a chain that does not hold.
    const pages: number[] = [];
    let got = 0;
    let pg = first;
    let prev = 0;
    while (got < total) {
      if (pg === 0 || pg >= nPages) return `overflow chain reaches page ${pg} outside the file`;
      if (usedOverflow[pg]) return `overflow page ${pg} is used twice (chain loops or is shared)`;
      usedOverflow[pg] = 1;
      const base = pg * pageSize;
      if (buf[base + 25] !== P_OVERFLOW) return `page ${pg} in an overflow chain is not an overflow page`;
      if (u32(base + 8) !== pg)
        return `overflow page ${pg} says it is page ${u32(base + 8)} (shifted or corrupt data)`;
      // Overflow pages are doubly linked: a page must point back at the one that led to it.
      if (u32(base + 12) !== prev)
        return `overflow page ${pg} does not link back to page ${prev} (chain broken or looping)`;
      const len = u16(base + 22);
      if (len > pageSize - PAGE_HEADER || len === 0) return `overflow page ${pg} has bad length ${len}`;
      pages.push(pg);
      got += Math.min(len, total - got);
      prev = pg;
      pg = u32(base + 16);
    }
    if (pg !== 0) return `overflow chain continues past its ${total} bytes`;
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const p of pages) {
      const base = p * pageSize;
      const n = Math.min(u16(base + 22), total - at);
      buf.copy(out, at, base + PAGE_HEADER, base + PAGE_HEADER + n);
      at += n;
    }
    return out;
  };

  const values: BdbValue[] = [];
  // Pages that are none of a hash database's (free, hash, overflow): bytes inserted or lost earlier in
  // the file shift every later page, and a walk that skipped them would find nothing and say nothing.
  let foreign = 0;
  for (let pg = 1; pg < nPages; pg++) {
    const base = pg * pageSize;
    const type = buf[base + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) {
      if (type !== P_INVALID && type !== P_OVERFLOW) foreign++;
      continue;
    }
    // Every page header carries its own page number.
    if (u32(base + 8) !== pg) {
      errors.push(`hash page ${pg} says it is page ${u32(base + 8)} (shifted or corrupt data)`);
      continue;
    }
    const entries = u16(base + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      errors.push(`hash page ${pg} claims ${entries} entries`);
      continue;
    }
    const itemOffset = (i: number): number => u16(base + PAGE_HEADER + i * 2);
    const itemLen = (i: number): number => (i === 0 ? pageSize : itemOffset(i - 1)) - itemOffset(i);
    for (let i = 0; i + 1 < entries; i += 2) {
      const kOff = itemOffset(i);
      const dOff = itemOffset(i + 1);
      const kLen = itemLen(i);
      const dLen = itemLen(i + 1);
      if (kOff >= pageSize || dOff >= pageSize || kLen <= 0 || dLen <= 0 || kOff + kLen > pageSize) {
        errors.push(`hash page ${pg} item ${i} has a bad offset`);
        continue;
      }
      const key =
        buf[base + kOff] === H_KEYDATA ? buf.subarray(base + kOff + 1, base + kOff + kLen) : Buffer.alloc(0);
      const dType = buf[base + dOff];
      if (dType === H_KEYDATA) {
        values.push({ key, value: buf.subarray(base + dOff + 1, base + dOff + dLen) });
      } else if (dType === H_OFFPAGE) {
        if (dLen < 12) {
          errors.push(`hash page ${pg} item ${i + 1}: short off-page reference`);
          continue;
        }
        const first = u32(base + dOff + 4);
        const total = u32(base + dOff + 8);
        const v = readOverflow(first, total);
        if (typeof v === "string") errors.push(`hash page ${pg} item ${i + 1}: ${v}`);
        else values.push({ key, value: v });
      }
      // H_DUPLICATE / H_OFFDUP do not occur in rpm's Packages database.
    }
  }
  if (foreign > 0)
    errors.push(`${foreign} of ${nPages - 1} pages are not hash database pages (shifted or corrupt data)`);
  return { values, errors, littleEndian: le };
}
