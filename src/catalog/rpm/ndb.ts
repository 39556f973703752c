/**
 * rpm's NDB package database (Packages.db, SUSE): a slot table of 16-byte entries after a 32-byte
 * header ("RpmP", version, generation, slot page count), each slot ("Slot", package index, block
 * offset, block count) pointing at a blob ("BlbS", package index, generation, length, header bytes)
 * at block offset × 16. All integers little-endian. Bounds-checked; broken slots are reported, not fatal.
 */

const HEADER_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_MAGIC = 0x53626c42; // "BlbS"
const PAGE = 4096;
const SLOT = 16;
const BLOCK = 16;
const BLOB_HEAD = 16;

export class NdbFormatError extends Error {}

export function isNdb(buf: Buffer): boolean {
  return buf.length >= 32 && buf.readUInt32LE(0) === HEADER_MAGIC;
}

export function readNdb(buf: Buffer): { values: { pkgIndex: number; value: Buffer }[]; errors: string[] } {
  if (buf.length < 32) throw new NdbFormatError(`file too short for an NDB database (${buf.length} bytes)`);
  if (buf.readUInt32LE(0) !== HEADER_MAGIC)
    throw new NdbFormatError("not an NDB package database (bad magic)");
  const version = buf.readUInt32LE(4);
  if (version !== 0) throw new NdbFormatError(`unsupported NDB version ${version}`);
  const slotPages = buf.readUInt32LE(12);
  if (slotPages === 0 || slotPages * PAGE > buf.length)
    throw new NdbFormatError(`bad slot page count ${slotPages} for a ${buf.length}-byte file`);
  const errors: string[] = [];
  const values: { pkgIndex: number; value: Buffer }[] = [];
  const nSlots = (slotPages * PAGE) / SLOT - 2; // the header takes the first two slot places
  for (let i = 0; i < nSlots; i++) {
    const off = 32 + i * SLOT;
    const magic = buf.readUInt32LE(off);
    if (magic === 0 && buf.readUInt32LE(off + 4) === 0) continue; // never-used slot
    if (magic !== SLOT_MAGIC) {
      errors.push(`slot ${i} has a bad magic`);
      continue;
    }
    const pkgIndex = buf.readUInt32LE(off + 4);
    if (pkgIndex === 0) continue; // free slot
    const blkOff = buf.readUInt32LE(off + 8);
    const blkCnt = buf.readUInt32LE(off + 12);
    const start = blkOff * BLOCK;
    const end = start + blkCnt * BLOCK;
    if (blkOff === 0 || end > buf.length || blkCnt * BLOCK < BLOB_HEAD) {
      errors.push(`package ${pkgIndex}: blob at block ${blkOff} (+${blkCnt}) lies outside the file`);
      continue;
    }
    if (buf.readUInt32LE(start) !== BLOB_MAGIC || buf.readUInt32LE(start + 4) !== pkgIndex) {
      errors.push(`package ${pkgIndex}: blob header does not match its slot`);
      continue;
    }
    const len = buf.readUInt32LE(start + 12);
    if (start + BLOB_HEAD + len > end) {
      errors.push(`package ${pkgIndex}: blob length ${len} overruns its blocks`);
      continue;
    }
    values.push({ pkgIndex, value: buf.subarray(start + BLOB_HEAD, start + BLOB_HEAD + len) });
  }
  return { values, errors };
}
