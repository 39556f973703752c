/**
 * The parts of a program the binary catalogers (Go, Rust) read, so that a streamed layer keeps a few KiB
 * of each program instead of all of it: for the bench image's 350 Debian programs, ~4 of 37.7 MB.
 *
 * An ELF keeps its first 4 KiB (ELF and program headers, notes) and its section header table with the
 * 4 KiB before it (where linkers put `.shstrtab`, the section names). That is all the catalogers read of
 * a program that is neither Go nor cargo-auditable Rust. Kept whole: Go programs (a Go build ID note
 * among the first 4 KiB, written by Go's linker and kept by external linkers; their section table sits
 * near the start), ELFs without a section table (the Go reader then searches the data), ELFs whose
 * headers or notes lie past the first 4 KiB, PE and Mach-O files. Anything else (a script in /usr/bin)
 * keeps its first 4 KiB: the magic bytes are all the catalogers look at. A read outside the kept parts
 * (cargo-auditable's `.dep-v0`, the `.go.buildinfo` of a Go program whose note was stripped) re-reads
 * the file from its layer.
 */
import type { PartialSpec } from "../types.js";
import { sniffFormat, u64At } from "./exe.js";

const HEAD = 4096;
/** Bytes kept before the section header table (the section names end right there in GNU ld's output). */
const BEFORE_SECTIONS = 4096;
const PT_NOTE = 4;
/** Note type of Go's build ID (`.note.go.buildid`), owner "Go". */
const NT_GO_BUILDID = 4;

export const EXECUTABLE_PARTS: PartialSpec = {
  head: HEAD,
  select(head, size) {
    const format = sniffFormat(head);
    if (format === undefined) return [[0, Math.min(size, HEAD)]];
    if (format !== "elf") return "all";
    return elfParts(head, size) ?? "all";
  },
};

/** The ranges to keep of an ELF, or undefined to keep it whole. */
function elfParts(head: Buffer, size: number): [number, number][] | undefined {
  if (head.length < 64) return undefined;
  const is64 = head[4] === 2;
  if (!is64 && head[4] !== 1) return undefined;
  const le = head[5] === 1;
  if (!le && head[5] !== 2) return undefined;
  const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number) => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const word = (o: number) => (is64 ? u64At(head, o, le) : u32(o));
  const phoff = is64 ? u64At(head, 32, le) : u32(28);
  const shoff = is64 ? u64At(head, 40, le) : u32(32);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  // No section table (the Go reader then searches the data), extended numbering, or headers past the head.
  if (shoff === 0 || shnum === 0 || shentsize === 0) return undefined;
  if (phnum > 0 && (phentsize < (is64 ? 56 : 32) || phoff + phnum * phentsize > head.length))
    return undefined;
  const shEnd = shoff + shnum * shentsize;
  if (shEnd > size) return undefined;
  const ranges: [number, number][] = [[0, Math.min(size, HEAD)]];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (u32(o) !== PT_NOTE) continue;
    const offset = word(o + (is64 ? 8 : 4));
    const filesz = word(o + (is64 ? 32 : 16));
    if (offset + filesz > head.length) return undefined; // notes past the head: cannot tell Go apart
    if (hasGoBuildId(head, offset, filesz, u32)) return undefined;
  }
  ranges.push([Math.max(0, shoff - BEFORE_SECTIONS), shEnd]);
  return ranges;
}

/** Does the note area [off, off+len) of `b` hold a note of owner "Go" with Go's build ID type? */
function hasGoBuildId(b: Buffer, off: number, len: number, u32: (o: number) => number): boolean {
  let o = off;
  const end = off + len;
  while (o + 12 <= end) {
    const namesz = u32(o);
    const descsz = u32(o + 4);
    const type = u32(o + 8);
    const name = o + 12;
    if (namesz === 3 || namesz === 4) {
      if (type === NT_GO_BUILDID && b.toString("latin1", name, name + 2) === "Go") return true;
    }
    const next = name + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
    if (next <= o || next > end) break;
    o = next;
  }
  return false;
}
