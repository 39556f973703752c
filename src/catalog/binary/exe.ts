/**
 * Section tables of executables (ELF, Mach-O, PE) read over a ByteSource: only the headers and the
 * sections asked for are read, never the whole file. Nothing is executed. Malformed headers give an
 * Error with a message naming what is wrong; callers turn it into a warning.
 */
import type { ByteSource } from "./byte-source.js";

export type ExeFormat = "elf" | "macho" | "pe";

export interface Section {
  name: string;
  /** Virtual address when loaded (PE: image base + RVA). */
  addr: number;
  /** File offset of the section's bytes; size 0 in the file for NOBITS/zerofill sections. */
  offset: number;
  /** Bytes in the file. */
  size: number;
  /** Writable data (PE: initialised writable data; ELF: SHF_WRITE; Mach-O: __DATA segment). */
  writable: boolean;
}

export interface Executable {
  format: ExeFormat;
  littleEndian: boolean;
  /** 4 or 8. */
  ptrSize: number;
  sections: Section[];
  /** Loadable segments (ELF PT_LOAD), for address mapping when sections are absent. */
  segments: { addr: number; offset: number; size: number; writable: boolean }[];
}

const MAX_SECTIONS = 65_536;
const MAX_HEADER_BYTES = 16 * 1024 ** 2;

/** Which executable format the first bytes show, if any (cheap: 4 bytes). */
export function sniffFormat(head: Buffer): ExeFormat | undefined {
  if (head.length < 4) return undefined;
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return "elf";
  if (head[0] === 0x4d && head[1] === 0x5a) return "pe";
  const m = head.readUInt32BE(0);
  if (m === 0xfeedface || m === 0xfeedfacf || m === 0xcefaedfe || m === 0xcffaedfe) return "macho";
  return undefined;
}

const parsed = new WeakMap<ByteSource, Promise<Executable | undefined>>();

/**
 * The section table of an executable, or undefined when `src` is not one. Parsed once per source: the
 * Go and Rust catalogers both look at every program, and the result is shared (do not modify it).
 */
export function readExecutable(src: ByteSource): Promise<Executable | undefined> {
  let p = parsed.get(src);
  if (!p) {
    p = parseExecutable(src);
    parsed.set(src, p);
  }
  return p;
}

async function parseExecutable(src: ByteSource): Promise<Executable | undefined> {
  const head = await src.read(0, 64);
  switch (sniffFormat(head)) {
    case "elf":
      return readElf(src, head);
    case "macho":
      return readMachO(src, head);
    case "pe":
      return readPe(src, head);
    default:
      return undefined;
  }
}

function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`malformed executable: ${what}`);
}

/** Reads exactly [start, end) or throws (truncated file). */
export async function readExact(src: ByteSource, start: number, end: number, what: string): Promise<Buffer> {
  need(start >= 0 && end >= start && end <= src.size, `${what} outside the file (truncated?)`);
  const buf = await src.read(start, end);
  need(buf.length === end - start, `${what} truncated`);
  return buf;
}

/**
 * An unsigned 64-bit field as a Number, from its two 32-bit halves: no BigInt per field (a section table
 * has four per section, and every program in an image is read). `hi * 2^32` is exact and the one
 * addition rounds to nearest, so the result is the same as `Number(readBigUInt64…)`, above 2^53 too.
 */
export function u64At(buf: Buffer, o: number, le: boolean): number {
  return le
    ? buf.readUInt32LE(o + 4) * 0x1_0000_0000 + buf.readUInt32LE(o)
    : buf.readUInt32BE(o) * 0x1_0000_0000 + buf.readUInt32BE(o + 4);
}

function reader(buf: Buffer, le: boolean) {
  return {
    u16: (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)),
    u32: (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o)),
    u64: (o: number) => u64At(buf, o, le),
  };
}

function cstr(buf: Buffer, start: number, max = 256): string {
  if (start < 0 || start >= buf.length) return "";
  let end = start;
  while (end < buf.length && end - start < max && buf[end] !== 0) end++;
  return buf.toString("latin1", start, end);
}

async function readElf(src: ByteSource, head: Buffer): Promise<Executable> {
  need(head.length >= 52, "ELF header truncated");
  const is64 = head[4] === 2;
  need(head[4] === 1 || head[4] === 2, "ELF class");
  const le = head[5] === 1;
  need(head[5] === 1 || head[5] === 2, "ELF data encoding");
  need(!is64 || head.length >= 64, "ELF header truncated");
  const r = reader(head, le);
  const phoff = is64 ? r.u64(32) : r.u32(28);
  const shoff = is64 ? r.u64(40) : r.u32(32);
  const phentsize = r.u16(is64 ? 54 : 42);
  const phnum = r.u16(is64 ? 56 : 44);
  const shentsize = r.u16(is64 ? 58 : 46);
  let shnum = r.u16(is64 ? 60 : 48);
  let shstrndx = r.u16(is64 ? 62 : 50);

  const segments: Executable["segments"] = [];
  if (phoff > 0 && phnum > 0) {
    need(phentsize >= (is64 ? 56 : 32), "ELF program header size");
    const ph = await readExact(src, phoff, phoff + phnum * phentsize, "ELF program headers");
    const p = reader(ph, le);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (p.u32(o) !== 1) continue; // PT_LOAD
      const flags = is64 ? p.u32(o + 4) : p.u32(o + 24);
      const offset = is64 ? p.u64(o + 8) : p.u32(o + 4);
      const addr = is64 ? p.u64(o + 16) : p.u32(o + 8);
      const size = is64 ? p.u64(o + 32) : p.u32(o + 16);
      segments.push({ addr, offset, size, writable: (flags & 2) !== 0 });
    }
  }

  const sections: Section[] = [];
  if (shoff > 0) {
    need(shentsize >= (is64 ? 64 : 40), "ELF section header size");
    if (shnum === 0 || shstrndx === 0xffff) {
      // Extended numbering: the real values sit in section header 0.
      const first = await readExact(src, shoff, shoff + shentsize, "ELF section header 0");
      const f = reader(first, le);
      if (shnum === 0) shnum = is64 ? f.u64(32) : f.u32(20);
      if (shstrndx === 0xffff) shstrndx = f.u32(is64 ? 40 : 24);
    }
    need(shnum <= MAX_SECTIONS && shnum * shentsize <= MAX_HEADER_BYTES, "too many ELF sections");
    const sh = await readExact(src, shoff, shoff + shnum * shentsize, "ELF section headers");
    const s = reader(sh, le);
    const raw: {
      nameOff: number;
      type: number;
      flags: number;
      addr: number;
      offset: number;
      size: number;
    }[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      raw.push({
        nameOff: s.u32(o),
        type: s.u32(o + 4),
        flags: is64 ? s.u64(o + 8) : s.u32(o + 8),
        addr: is64 ? s.u64(o + 16) : s.u32(o + 12),
        offset: is64 ? s.u64(o + 24) : s.u32(o + 16),
        size: is64 ? s.u64(o + 32) : s.u32(o + 20),
      });
    }
    let names: Buffer = Buffer.alloc(0);
    const strtab = raw[shstrndx];
    if (strtab && strtab.size > 0 && strtab.size <= MAX_HEADER_BYTES) {
      names = await readExact(src, strtab.offset, strtab.offset + strtab.size, "ELF section names");
    }
    for (const x of raw) {
      if (x.type === 0) continue; // SHT_NULL
      sections.push({
        name: cstr(names, x.nameOff),
        addr: x.addr,
        offset: x.offset,
        size: x.type === 8 ? 0 : x.size, // SHT_NOBITS has no file bytes
        writable: (x.flags & 1) !== 0,
      });
    }
  }
  return { format: "elf", littleEndian: le, ptrSize: is64 ? 8 : 4, sections, segments };
}

async function readMachO(src: ByteSource, head: Buffer): Promise<Executable> {
  const magicBE = head.readUInt32BE(0);
  const le = magicBE === 0xcefaedfe || magicBE === 0xcffaedfe;
  const is64 = magicBE === 0xfeedfacf || magicBE === 0xcffaedfe;
  const r = reader(head, le);
  const ncmds = r.u32(16);
  const sizeofcmds = r.u32(20);
  const hdr = is64 ? 32 : 28;
  need(sizeofcmds <= MAX_HEADER_BYTES && ncmds <= MAX_SECTIONS, "Mach-O load commands too large");
  const cmds = await readExact(src, hdr, hdr + sizeofcmds, "Mach-O load commands");
  const c = reader(cmds, le);
  const sections: Section[] = [];
  const segments: Executable["segments"] = [];
  let o = 0;
  for (let i = 0; i < ncmds; i++) {
    need(o + 8 <= cmds.length, "Mach-O load command truncated");
    const cmd = c.u32(o);
    const size = c.u32(o + 4);
    need(size >= 8 && o + size <= cmds.length, "Mach-O load command size");
    if (cmd === 0x19 || cmd === 0x1) {
      const seg64 = cmd === 0x19;
      const segname = cstr(cmds, o + 8, 16);
      const vmaddr = seg64 ? c.u64(o + 24) : c.u32(o + 24);
      const fileoff = seg64 ? c.u64(o + 40) : c.u32(o + 32);
      const filesize = seg64 ? c.u64(o + 48) : c.u32(o + 36);
      const nsects = c.u32(seg64 ? o + 64 : o + 48);
      segments.push({
        addr: vmaddr,
        offset: fileoff,
        size: filesize,
        writable: segname.startsWith("__DATA"),
      });
      let so = o + (seg64 ? 72 : 56);
      const ssz = seg64 ? 80 : 68;
      for (let k = 0; k < nsects; k++, so += ssz) {
        need(so + ssz <= o + size, "Mach-O section truncated");
        const sectname = cstr(cmds, so, 16);
        const addr = seg64 ? c.u64(so + 32) : c.u32(so + 32);
        const ssize = seg64 ? c.u64(so + 40) : c.u32(so + 36);
        const offset = c.u32(seg64 ? so + 48 : so + 40);
        const flags = c.u32(seg64 ? so + 64 : so + 56);
        const zerofill = (flags & 0xff) === 1 || (flags & 0xff) === 0x0c;
        sections.push({
          name: sectname,
          addr,
          offset,
          size: zerofill ? 0 : ssize,
          writable: segname.startsWith("__DATA"),
        });
      }
    }
    o += size;
  }
  return { format: "macho", littleEndian: le, ptrSize: is64 ? 8 : 4, sections, segments };
}

async function readPe(src: ByteSource, head: Buffer): Promise<Executable> {
  need(head.length >= 0x40, "DOS header truncated");
  const peOff = head.readUInt32LE(0x3c);
  const coff = await readExact(src, peOff, peOff + 24, "PE header");
  need(coff.readUInt32LE(0) === 0x00004550, "PE signature");
  const nsec = coff.readUInt16LE(6);
  const optSize = coff.readUInt16LE(20);
  need(nsec <= 96 * 1024, "too many PE sections");
  const opt = await readExact(src, peOff + 24, peOff + 24 + optSize, "PE optional header");
  need(opt.length >= 2, "PE optional header");
  const magic = opt.readUInt16LE(0);
  const pe64 = magic === 0x20b;
  need(magic === 0x10b || pe64, "PE optional header magic");
  need(opt.length >= (pe64 ? 32 : 32), "PE optional header truncated");
  const imageBase = pe64 ? Number(opt.readBigUInt64LE(24)) : opt.readUInt32LE(28);
  const tableOff = peOff + 24 + optSize;
  const table = await readExact(src, tableOff, tableOff + nsec * 40, "PE section table");
  const sections: Section[] = [];
  for (let i = 0; i < nsec; i++) {
    const o = i * 40;
    const name = cstr(table, o, 8);
    const vsize = table.readUInt32LE(o + 8);
    const rva = table.readUInt32LE(o + 12);
    const rawSize = table.readUInt32LE(o + 16);
    const rawPtr = table.readUInt32LE(o + 20);
    const chars = table.readUInt32LE(o + 36);
    sections.push({
      name,
      addr: imageBase + rva,
      offset: rawPtr,
      size: Math.min(rawSize, vsize || rawSize),
      writable: (chars & 0x40) !== 0 && (chars & 0x80000000) !== 0,
    });
  }
  return { format: "pe", littleEndian: true, ptrSize: pe64 ? 8 : 4, sections, segments: [] };
}

/** A section's bytes (refusing more than `max`). */
export async function readSection(src: ByteSource, s: Section, max: number): Promise<Buffer> {
  need(s.size <= max, `section ${s.name} larger than ${max} bytes`);
  return readExact(src, s.offset, s.offset + s.size, `section ${s.name}`);
}

/** Bytes at virtual address `addr` (length `len`), through the sections or segments that map it. */
export async function readAtAddress(
  src: ByteSource,
  exe: Executable,
  addr: number,
  len: number,
): Promise<Buffer> {
  for (const s of [...exe.sections, ...exe.segments]) {
    if (s.size > 0 && addr >= s.addr && addr + len <= s.addr + s.size) {
      const off = s.offset + (addr - s.addr);
      return readExact(src, off, off + len, `data at address 0x${addr.toString(16)}`);
    }
  }
  throw new Error(`malformed executable: address 0x${addr.toString(16)} is not mapped from the file`);
}
