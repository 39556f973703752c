import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { bufferSource } from "../binary/byte-source.js";
import { readExecutable } from "../binary/exe.js";
import { bufferFileRef, catalogInput } from "../binary/testing.js";
import { goBinaryCataloger, parseModInfo, readGoBuildInfo, stdlibVersion } from "./index.js";

const corpusGo = new URL("../../../../shared/corpus/pkgdb/go/", import.meta.url).pathname;

function zipBuffer(files: Record<string, string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(files))
    zip.addBuffer(Buffer.from(data), name, { mtime: new Date(0) });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

/**
 * A tiny module built offline with the installed Go: example.com/dep replaced by a local directory,
 * example.com/old replaced by example.com/new v1.1.0 served from a file:// module proxy, all vendored;
 * built from a git checkout so that the main module gets a VCS pseudo-version.
 */
let work: string;
let env: NodeJS.ProcessEnv;
let goVersion: string;
const bins: Record<string, Buffer> = {};

async function go(args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await promisify(execFile)("go", args, { cwd, env: { ...env, ...extra } });
  return stdout;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "vigil-go-"));
  const w = (p: string, text: string) => {
    mkdirSync(join(work, p, ".."), { recursive: true });
    writeFileSync(join(work, p), text);
  };
  w("dep/go.mod", "module example.com/dep\n\ngo 1.19\n");
  w("dep/dep.go", 'package dep\n\nfunc Hello() string { return "hello" }\n');
  const newMod = "module example.com/new\n\ngo 1.19\n";
  const proxy = "proxy/example.com/new/@v";
  mkdirSync(join(work, proxy), { recursive: true });
  w(`${proxy}/list`, "v1.1.0\n");
  w(`${proxy}/v1.1.0.info`, '{"Version":"v1.1.0","Time":"2020-01-01T00:00:00Z"}');
  w(`${proxy}/v1.1.0.mod`, newMod);
  writeFileSync(
    join(work, proxy, "v1.1.0.zip"),
    await zipBuffer({
      "example.com/new@v1.1.0/go.mod": newMod,
      "example.com/new@v1.1.0/new.go": 'package new\n\nfunc World() string { return "world" }\n',
    }),
  );
  w(
    "app/go.mod",
    "module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/dep v1.2.3\n\texample.com/old v1.0.0\n)\n\n" +
      "replace example.com/dep => ../dep\n\nreplace example.com/old v1.0.0 => example.com/new v1.1.0\n",
  );
  w(
    "app/main.go",
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n\told "example.com/old"\n)\n\nfunc main() { fmt.Println(dep.Hello(), old.World()) }\n',
  );
  env = {
    PATH: process.env.PATH,
    HOME: work,
    GOPATH: join(work, "gopath"),
    GOCACHE: join(tmpdir(), "vigil-test-gocache"),
    GOPROXY: `file://${join(work, "proxy")}`,
    GOSUMDB: "off",
    GOFLAGS: "-mod=mod",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@example.com",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@example.com",
    GIT_AUTHOR_DATE: "2024-01-02T03:04:05Z",
    GIT_COMMITTER_DATE: "2024-01-02T03:04:05Z",
  };
  const app = join(work, "app");
  await go(["mod", "tidy"], app);
  await go(["mod", "vendor"], app, { GOFLAGS: "" });
  execFileSync("git", ["init", "-q", "."], { cwd: app, env });
  execFileSync("git", ["add", "-A"], { cwd: app, env });
  execFileSync("git", ["commit", "-qm", "init"], { cwd: app, env });
  goVersion = (await go(["env", "GOVERSION"], app)).trim();
  const build = async (name: string, flags: string[] = []) => {
    await go(["build", ...flags, "-o", join(work, name), "."], app, {
      GOFLAGS: "-mod=vendor",
      GOPROXY: "off",
    });
    bins[name] = readFileSync(join(work, name));
  };
  // Cross-compiling the standard library for Windows/macOS takes minutes on CI's two cores: the PE and
  // Mach-O readers are tested with the real build info section wrapped in minimal PE/Mach-O headers.
  await build("app-linux");
  await build("app-stripped", ["-ldflags=-s -w", "-trimpath"]);
}, 50_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("Go build info from real binaries", () => {
  it("lists main module (VCS pseudo-version), replaced deps and stdlib of an ELF built by go", async () => {
    const r = await goBinaryCataloger.catalog(
      catalogInput([bufferFileRef(bins["app-linux"]!, "/usr/local/bin/app", 4)]),
    );
    expect(r.warnings).toEqual([]);
    const std = stdlibVersion(goVersion)!;
    const rev = execFileSync("git", ["rev-parse", "HEAD"], { cwd: join(work, "app") })
      .toString()
      .trim();
    expect(r.packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      [
        "example.com/app",
        `v0.0.0-20240102030405-${rev.slice(0, 12)}`,
        `pkg:golang/example.com/app@v0.0.0-20240102030405-${rev.slice(0, 12)}`,
      ],
      ["example.com/dep", "(devel)", "pkg:golang/example.com/dep"],
      ["example.com/new", "v1.1.0", "pkg:golang/example.com/new@v1.1.0"],
      ["stdlib", std, `pkg:golang/stdlib@${std}`],
    ]);
    const [main, dep, replaced] = r.packages;
    expect(main!.metadata).toMatchObject({
      mainModule: "true",
      mainPackage: "example.com/app",
      "build:GOOS": "linux",
      "build:vcs.revision": rev,
      versionFrom: "vcs",
    });
    expect(dep!.metadata).toMatchObject({ replacement: "../dep", replaces: "example.com/dep@v1.2.3" });
    expect(replaced!.metadata).toMatchObject({ replaces: "example.com/old@v1.0.0" });
    expect(replaced!.metadata!.h1).toMatch(/^h1:/);
    for (const p of r.packages) {
      expect(p).toMatchObject({
        type: "golang",
        layerIndex: 4,
        foundBy: "go-binary",
        locations: [{ path: "/usr/local/bin/app", layerIndex: 4 }],
      });
    }
  });

  it("reads stripped (-s -w -trimpath) builds, and the same build info in PE and Mach-O containers", async () => {
    const section = await goBuildInfoSection(bins["app-linux"]!);
    const inputs: Record<string, Buffer> = {
      stripped: bins["app-stripped"]!,
      pe: minimalPe(section),
      macho: minimalMachO(section),
    };
    for (const [name, buf] of Object.entries(inputs)) {
      const info = await readGoBuildInfo(bufferSource(buf));
      expect(info, name).toBeDefined();
      expect(info!.goVersion).toBe(goVersion);
      expect(
        info!.deps.map((d) => `${d.path}@${d.version}=>${d.replace?.path}@${d.replace?.version}`),
      ).toEqual(["example.com/dep@v1.2.3=>../dep@(devel)", "example.com/old@v1.0.0=>example.com/new@v1.1.0"]);
    }
  });

  it("searches the data for build info only in ELFs whose section table shows Go's linker", async () => {
    const mod = "path\tex.com/old\nmod\tex.com/old\tv1.0.0\th1:abc=\n";
    const elf = pointerFormatElf("go1.16.15", `${"3077af0c9274150e"}${mod}${"1".repeat(15)}\n`);
    const renamed = (name: string) => {
      const b = Buffer.from(elf);
      const at = b.indexOf("\0.go.buildinfo\0");
      b.write(name.padEnd(".go.buildinfo".length, "\0"), at + 1, "latin1");
      return b;
    };
    // No `.go.buildinfo` section, but `.gopclntab`: the first writable section is searched, as Go does.
    expect(await readGoBuildInfo(bufferSource(renamed(".gopclntab")))).toMatchObject({ path: "ex.com/old" });
    // No section of Go's linker at all: not a Go program, and its data is not read.
    expect(await readGoBuildInfo(bufferSource(renamed(".got.plt")))).toBeUndefined();
    // A real C++ program (node): its headers and section names are read, nothing else.
    const node = readFileSync(process.execPath);
    const reads: [number, number][] = [];
    const src = bufferSource(node);
    const counting = {
      size: src.size,
      read: (s: number, e: number) => {
        reads.push([s, e]);
        return src.read(s, e);
      },
    };
    expect(await readGoBuildInfo(counting)).toBeUndefined();
    expect(reads).toHaveLength(4); // ELF header, program headers, section headers, section names
  });

  it("reads the old pointer-based format (Go < 1.18) from an ELF built here", async () => {
    const mod =
      "path\tex.com/old\nmod\tex.com/old\tv1.0.0\th1:abc=\ndep\tgolang.org/x/text\tv0.3.7\th1:def=\n";
    const elf = pointerFormatElf(
      "go1.16.15",
      `${"0".repeat(16)}${mod}${"1".repeat(15)}\n`.replace(/^0{16}/, "3077af0c9274150e"),
    );
    const info = await readGoBuildInfo(bufferSource(elf));
    expect(info).toMatchObject({
      goVersion: "go1.16.15",
      path: "ex.com/old",
      main: { path: "ex.com/old", version: "v1.0.0" },
    });
    expect(info!.deps).toEqual([{ path: "golang.org/x/text", version: "v0.3.7", sum: "h1:def=" }]);
  });
});

describe("bad input", () => {
  it("warns about truncated Go ELFs and skips non-Go or non-executable files silently", async () => {
    const bin = bins["app-linux"]!;
    const files = [
      bufferFileRef(bin.subarray(0, 200_000), "/usr/bin/truncated"),
      bufferFileRef(bin.subarray(0, 40), "/usr/bin/tiny"),
      bufferFileRef(readFileSync(join(corpusGo, "osv-scalibr/dummy")), "/usr/bin/dummy"),
      bufferFileRef(readFileSync(process.execPath).subarray(0, 4 * 1024 ** 2), "/usr/bin/node-head"),
      bufferFileRef(bin, "/usr/bin/ok"),
    ];
    const r = await goBinaryCataloger.catalog(catalogInput(files));
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings[0]).toMatch(
      /^\/usr\/bin\/truncated: unreadable Go build info \(malformed executable: .*(truncated|outside)/,
    );
    expect(r.warnings[1]).toMatch(/^\/usr\/bin\/tiny: /);
    expect(r.warnings[2]).toMatch(/^\/usr\/bin\/node-head: /);
    expect(new Set(r.packages.map((p) => p.locations[0]!.path))).toEqual(new Set(["/usr/bin/ok"]));
  });

  it("refuses absurd strings in build info", async () => {
    const elf = pointerFormatElf("go1.16", "x", { modLen: 2 ** 40 });
    await expect(readGoBuildInfo(bufferSource(elf))).rejects.toThrow(/too long|not mapped/);
  });
});

describe("modinfo text and helpers", () => {
  it("parses path/mod/dep/=>/build lines", () => {
    const m = parseModInfo(
      'path\tx/cmd\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:a=\n=>\tb\tv2.0.0\th1:b=\nbuild\t-ldflags="-X main.v=1"\nbuild\tGOOS=linux\n',
    );
    expect(m).toEqual({
      path: "x/cmd",
      main: { path: "x", version: "(devel)" },
      deps: [
        {
          path: "a",
          version: "v1.0.0",
          sum: "h1:a=",
          replace: { path: "b", version: "v2.0.0", sum: "h1:b=" },
        },
      ],
      settings: [
        ["-ldflags", "-X main.v=1"],
        ["GOOS", "linux"],
      ],
    });
    expect(stdlibVersion("go1.22.1")).toBe("1.22.1");
    expect(stdlibVersion("go1.21rc2 X:boringcrypto")).toBe("1.21rc2");
    expect(stdlibVersion("devel go1.23-abc")).toBeUndefined();
  });

  it("wants programs in bin and app directories, not libraries or data", () => {
    const w = (p: string) => goBinaryCataloger.wants(p, 2_000_000);
    for (const p of [
      "/usr/local/bin/app",
      "/bin/ls",
      "/usr/sbin/x",
      "/manager",
      "/app/server",
      "/opt/tool/bin/tool",
      "/go/bin/dlv",
      "/usr/local/go/pkg/tool/linux_amd64/compile",
      "/app/x.exe",
    ]) {
      expect(w(p), p).toBe(true);
    }
    for (const p of [
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
      "/etc/passwd",
      "/app/main.go",
      "/usr/local/share/doc/x",
      "/opt/app/config.json",
      "/usr/share/zoneinfo/UTC",
      "/app/node_modules/.bin/x",
    ]) {
      expect(w(p), p).toBe(false);
    }
    expect(goBinaryCataloger.wants("/usr/bin/small", 100)).toBe(false);
  });
});

/**
 * A minimal little-endian ELF64 holding Go's pre-1.18 build info: a `.go.buildinfo` header whose two
 * pointers lead to Go string headers in `.data`, which point at the strings.
 */
function pointerFormatElf(version: string, mod: string, opts: { modLen?: number } = {}): Buffer {
  const dataAddr = 0x2000;
  const strings = Buffer.concat([Buffer.from(version), Buffer.from(mod)]);
  const data = Buffer.alloc(32 + strings.length);
  data.writeBigUInt64LE(BigInt(dataAddr + 32), 0);
  data.writeBigUInt64LE(BigInt(version.length), 8);
  data.writeBigUInt64LE(BigInt(dataAddr + 32 + version.length), 16);
  data.writeBigUInt64LE(BigInt(opts.modLen ?? mod.length), 24);
  strings.copy(data, 32);
  const bi = Buffer.alloc(32);
  Buffer.from("\xff Go buildinf:", "latin1").copy(bi, 0);
  bi[14] = 8;
  bi[15] = 0;
  bi.writeBigUInt64LE(BigInt(dataAddr), 16);
  bi.writeBigUInt64LE(BigInt(dataAddr + 16), 24);
  const shstr = Buffer.from("\0.go.buildinfo\0.data\0.shstrtab\0");
  const biOff = 64;
  const dataOff = biOff + bi.length;
  const strOff = dataOff + data.length;
  const shOff = strOff + shstr.length;
  const sh = Buffer.alloc(64 * 4);
  const sec = (
    i: number,
    name: number,
    type: number,
    flags: number,
    addr: number,
    off: number,
    size: number,
  ) => {
    sh.writeUInt32LE(name, i * 64);
    sh.writeUInt32LE(type, i * 64 + 4);
    sh.writeBigUInt64LE(BigInt(flags), i * 64 + 8);
    sh.writeBigUInt64LE(BigInt(addr), i * 64 + 16);
    sh.writeBigUInt64LE(BigInt(off), i * 64 + 24);
    sh.writeBigUInt64LE(BigInt(size), i * 64 + 32);
  };
  sec(1, 1, 1, 3, 0x1000, biOff, bi.length);
  sec(2, 15, 1, 3, dataAddr, dataOff, data.length);
  sec(3, 21, 3, 0, 0, strOff, shstr.length);
  const h = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(h, 0);
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(62, 18); // x86-64
  h.writeBigUInt64LE(BigInt(shOff), 40);
  h.writeUInt16LE(64, 52);
  h.writeUInt16LE(64, 58);
  h.writeUInt16LE(4, 60);
  h.writeUInt16LE(3, 62);
  return Buffer.concat([h, bi, data, shstr, sh]);
}

async function goBuildInfoSection(elf: Buffer): Promise<Buffer> {
  const exe = (await readExecutable(bufferSource(elf)))!;
  const s = exe.sections.find((x) => x.name === ".go.buildinfo")!;
  return elf.subarray(s.offset, s.offset + s.size);
}

/** A PE32+ image whose only section is `.data` (initialised, read/write) starting with `data`. */
function minimalPe(data: Buffer): Buffer {
  const dos = Buffer.alloc(0x40);
  dos.write("MZ", 0, "latin1");
  dos.writeUInt32LE(0x40, 0x3c);
  const coff = Buffer.alloc(24);
  coff.writeUInt32LE(0x00004550, 0);
  coff.writeUInt16LE(0x8664, 4);
  coff.writeUInt16LE(1, 6);
  coff.writeUInt16LE(240, 20);
  const opt = Buffer.alloc(240);
  opt.writeUInt16LE(0x20b, 0);
  opt.writeBigUInt64LE(0x140000000n, 24);
  const sect = Buffer.alloc(40);
  sect.write(".data", 0, "latin1");
  const rawPtr = 0x40 + 24 + 240 + 40;
  sect.writeUInt32LE(data.length, 8);
  sect.writeUInt32LE(0x1000, 12);
  sect.writeUInt32LE(data.length, 16);
  sect.writeUInt32LE(rawPtr, 20);
  sect.writeUInt32LE(0xc0000040, 36);
  return Buffer.concat([dos, coff, opt, sect, data]);
}

/** A 64-bit Mach-O with one __DATA segment holding a `__go_buildinfo` section. */
function minimalMachO(data: Buffer): Buffer {
  const hdr = Buffer.alloc(32);
  const cmd = Buffer.alloc(72 + 80);
  hdr.writeUInt32LE(0xfeedfacf, 0);
  hdr.writeUInt32LE(0x0100000c, 4); // arm64
  hdr.writeUInt32LE(2, 12); // MH_EXECUTE
  hdr.writeUInt32LE(1, 16);
  hdr.writeUInt32LE(cmd.length, 20);
  const off = hdr.length + cmd.length;
  cmd.writeUInt32LE(0x19, 0);
  cmd.writeUInt32LE(cmd.length, 4);
  cmd.write("__DATA", 8, "latin1");
  cmd.writeBigUInt64LE(0x100000000n, 24);
  cmd.writeBigUInt64LE(BigInt(data.length), 32);
  cmd.writeBigUInt64LE(BigInt(off), 40);
  cmd.writeBigUInt64LE(BigInt(data.length), 48);
  cmd.writeUInt32LE(1, 64);
  cmd.write("__go_buildinfo", 72, "latin1");
  cmd.write("__DATA", 88, "latin1");
  cmd.writeBigUInt64LE(0x100000000n, 104);
  cmd.writeBigUInt64LE(BigInt(data.length), 112);
  cmd.writeUInt32LE(off, 120);
  return Buffer.concat([hdr, cmd, data]);
}
