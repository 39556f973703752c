/**
 * Go build information embedded in compiled Go programs (what `go version -m` prints), read from the
 * `.go.buildinfo` section (ELF), `__go_buildinfo` (Mach-O) or the writable data (PE, or ELF without
 * section headers). Supports the Go 1.18+ inline format and the older pointer format.
 */
import type { ByteSource } from "../binary/byte-source.js";
import { type Executable, readAtAddress, readExact, readExecutable, readSection } from "../binary/exe.js";

const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const MAX_SECTION = 8 * 1024 ** 2;
const MAX_STRING = 4 * 1024 ** 2;
/** How far into the first writable data the header is searched for when there is no named section (as Go does). */
const MAX_SEARCH = 64 * 1024;

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

export interface GoBuildInfo {
  /** "go1.22.1" (possibly with a suffix such as " X:boringcrypto"). */
  goVersion: string;
  /** Main package path. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: [string, string][];
}

/** Build info of a Go executable; undefined when the file is not a Go program (or not an executable). */
export async function readGoBuildInfo(src: ByteSource): Promise<GoBuildInfo | undefined> {
  const exe = await readExecutable(src);
  if (!exe) return undefined;
  const header = await findHeader(src, exe);
  if (!header) return undefined;
  const { data, base } = header;
  const ptrSize = data[14]!;
  const flags = data[15]!;
  let version: string;
  let mod: string;
  if (flags & 2) {
    // Go 1.18+: two varint-prefixed strings follow the 32-byte header.
    const rest = await extend(src, base, data, 32 + 2 * (MAX_STRING + 10));
    const [v, next] = readVarString(rest, 32);
    const [m] = readVarString(rest, next);
    version = v;
    mod = m;
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new Error(`malformed Go build info: pointer size ${ptrSize}`);
    const bigEndian = (flags & 1) !== 0;
    const readPtr = (b: Buffer, o: number) =>
      ptrSize === 8
        ? Number(bigEndian ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o))
        : bigEndian
          ? b.readUInt32BE(o)
          : b.readUInt32LE(o);
    const readGoString = async (addr: number): Promise<string> => {
      const hdr = await readAtAddress(src, exe, addr, 2 * ptrSize);
      const dataAddr = readPtr(hdr, 0);
      const len = readPtr(hdr, ptrSize);
      if (len === 0) return "";
      if (len > MAX_STRING) throw new Error("malformed Go build info: string too long");
      return (await readAtAddress(src, exe, dataAddr, len)).toString("utf8");
    };
    version = await readGoString(readPtr(data, 16));
    mod = await readGoString(readPtr(data, 16 + ptrSize));
  }
  // The module text is wrapped in 16-byte sentinels.
  if (mod.length >= 33 && mod[mod.length - 17] === "\n") mod = mod.slice(16, -16);
  else mod = "";
  if (!version.startsWith("go") && !version.startsWith("devel")) {
    throw new Error(`malformed Go build info: version ${JSON.stringify(version.slice(0, 40))}`);
  }
  return { goVersion: version, ...parseModInfo(mod) };
}

async function findHeader(
  src: ByteSource,
  exe: Executable,
): Promise<{ data: Buffer; base: number } | undefined> {
  const named = exe.sections.find((s) => s.name === ".go.buildinfo" || s.name === "__go_buildinfo");
  if (named) {
    if (named.size < 32) throw new Error("malformed Go build info: section too small");
    const data = await readSection(src, named, MAX_SECTION);
    if (!data.subarray(0, 14).equals(MAGIC)) throw new Error("malformed Go build info: bad magic");
    return { data, base: named.offset };
  }
  // An ELF whose section table names no section the Go linker writes is not a Go program: the search
  // below would read every C program's data for nothing. (Go's linker always names the section when it
  // writes a section table; Go's own reader falls back to the data segment for files without one.)
  if (exe.format === "elf" && exe.sections.length > 0 && !exe.sections.some((s) => isGoSection(s.name))) {
    return undefined;
  }
  // No such section (PE, stripped section headers): search the first writable data, 16-byte aligned.
  const areas = [
    ...exe.sections.filter((s) => s.writable && s.size > 0),
    ...exe.segments.filter((s) => s.writable),
  ];
  const area = areas[0];
  if (!area) return undefined;
  const len = Math.min(area.size, MAX_SEARCH);
  const buf = await readExact(src, area.offset, area.offset + len, "data section");
  for (let i = buf.indexOf(MAGIC); i >= 0; i = buf.indexOf(MAGIC, i + 1)) {
    if (i % 16 === 0 && i + 32 <= buf.length) return { data: buf.subarray(i), base: area.offset + i };
  }
  return undefined;
}

/** Sections only Go's linker writes (`.got` and `.got.plt` are the C toolchain's). */
const GO_SECTIONS = new Set([".gopclntab", ".gosymtab", ".note.go.buildid", ".noptrdata", ".noptrbss"]);
function isGoSection(name: string): boolean {
  return GO_SECTIONS.has(name) || name.startsWith(".go.");
}

/** `data` starts at file offset `base`; make sure at least `want` bytes (or up to the end of file) are there. */
async function extend(src: ByteSource, base: number, data: Buffer, want: number): Promise<Buffer> {
  // The strings lie right after the header inside the section; the section normally holds them all.
  if (data.length >= Math.min(want, src.size - base)) return data;
  return src.read(base, Math.min(src.size, base + want));
}

function readVarString(buf: Buffer, off: number): [string, number] {
  let len = 0;
  let shift = 0;
  let o = off;
  for (;;) {
    if (o >= buf.length || shift > 35) throw new Error("malformed Go build info: bad string length");
    const b = buf[o++]!;
    len += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (len > MAX_STRING || o + len > buf.length)
    throw new Error("malformed Go build info: string past the data");
  return [buf.toString("utf8", o, o + len), o + len];
}

/** The text of runtime/debug.BuildInfo.String(): path/mod/dep/=>/build lines, tab separated. */
export function parseModInfo(text: string): Omit<GoBuildInfo, "goVersion"> {
  const out: Omit<GoBuildInfo, "goVersion"> = { deps: [], settings: [] };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    const f = line.split("\t");
    switch (f[0]) {
      case "path":
        if (f[1]) out.path = f[1];
        break;
      case "mod":
      case "dep": {
        if (!f[1]) break;
        const m: GoModule = { path: f[1], version: f[2] ?? "" };
        if (f[3]) m.sum = f[3];
        if (f[0] === "mod") out.main = m;
        else out.deps.push(m);
        last = m;
        break;
      }
      case "=>": {
        if (!last || !f[1]) break;
        const r: GoModule = { path: f[1], version: f[2] ?? "" };
        if (f[3]) r.sum = f[3];
        last.replace = r;
        break;
      }
      case "build": {
        const kv = f.slice(1).join("\t");
        const eq = kv.indexOf("=");
        if (eq > 0) out.settings.push([unquote(kv.slice(0, eq)), unquote(kv.slice(eq + 1))]);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Go quotes keys/values holding spaces, quotes or '=' (strconv.Quote); JSON reads that form. */
function unquote(s: string): string {
  if (!s.startsWith('"')) return s;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "string" ? v : s;
  } catch {
    return s.slice(1, -1);
  }
}
