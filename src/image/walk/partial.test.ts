import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferSource } from "../../catalog/binary/byte-source.js";
import { readExecutable } from "../../catalog/binary/exe.js";
import { EXECUTABLE_PARTS } from "../../catalog/binary/partial.js";
import { buildGoProgram } from "../../catalog/binary/testing.js";
import { readGoBuildInfo } from "../../catalog/golang/buildinfo.js";
import type { FileRef, PartialSpec } from "../../catalog/types.js";
import { silentLogger } from "../../core/logger.js";
import { openLocalImage } from "../local-image.js";
import { buildLayer, type LayerCompression, writeOciLayout } from "../test-helpers/build-image.js";
import { DEFAULT_LIMITS, type WalkOptions } from "../types.js";
import type { Content } from "./content.js";
import { walkImage } from "./walk.js";

// A streamed layer keeps only the parts of a file its catalogers read (Cataloger.partial); a read
// outside them re-reads the file from its layer. Real programs: a C program of this machine, and Go
// programs built here with the installed Go, linked by Go's linker and by the external (C) linker.
const tmp = mkdtempSync(join(tmpdir(), "vigil-partial-"));
const cacheBefore = process.env.VIGIL_CACHE_DIR;
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (cacheBefore === undefined) delete process.env.VIGIL_CACHE_DIR;
  else process.env.VIGIL_CACHE_DIR = cacheBefore;
});

const C_PROGRAM = readFileSync("/usr/bin/gzip"); // ~100 KB, section table at its end
// Real bytes that are not a program: the start of node's own binary, a multiple of 4 KiB.
const BLOB = readFileSync(process.execPath).subarray(0, 300 * 1024);

const goBins: Record<string, Buffer> = {};
beforeAll(async () => {
  const dir = join(tmp, "go");
  goBins.internal = await buildGoProgram(dir, "example.com/hello", "internal");
  // Laid out by the external (C) linker, as cgo programs are: Go's build ID note is still among the notes.
  goBins.external = await buildGoProgram(dir, "example.com/hello", "external", [
    "-ldflags=-linkmode=external",
  ]);
}, 60_000);

async function walkOf(
  name: string,
  files: { path: string; content: Buffer }[],
  partial: WalkOptions["partial"],
  c: LayerCompression = "gzip",
  layerCacheKey?: string,
) {
  // Built once per name: tar-stream stamps entries with the current time, and a layer built a second
  // later would be another layer (another diffID, another cache entry).
  const dir = join(tmp, name);
  if (!existsSync(dir)) {
    const layer = await buildLayer(
      files.map((f) => ({ name: f.path.slice(1), content: f.content, mode: 0o755 })),
      c,
    );
    writeOciLayout(dir, { layers: [layer] });
  }
  const img = await openLocalImage(`oci-dir://${dir}`, { limits: DEFAULT_LIMITS, logger: silentLogger() });
  const res = await walkImage(img, {
    wants: (p) => files.some((f) => f.path === p),
    partial,
    limits: DEFAULT_LIMITS,
    logger: silentLogger(),
    layerCacheKey,
  });
  return { img, res, dir };
}

const contentOf = (f: FileRef) => f.contentId as Content;
/** A fresh ByteSource over a FileRef (no parse shared with other tests). */
const fileSource = (f: FileRef) => ({
  size: f.size,
  read: (s: number, e: number) => f.readRange(s, Math.min(e, f.size)),
});
const keptBytes = (c: Content) =>
  c.kind === "partial"
    ? c.pieces.reduce((n, p) => n + (p.data.kind === "buf" ? p.data.data.length : 0), 0)
    : Number.NaN;

describe("partial captures of streamed layers", () => {
  const spec: PartialSpec = {
    head: 4096,
    select: (_head, size) => [
      [0, 100],
      [size - 100, size],
    ],
  };

  it("keeps the selected parts, and reads the rest by re-reading the layer; from the layer cache too", async () => {
    process.env.VIGIL_CACHE_DIR = join(tmp, "cache");
    for (const round of ["fresh", "from the layer cache"]) {
      const { img, res } = await walkOf(
        "mech",
        [{ path: "/data/blob", content: BLOB }],
        () => spec,
        "gzip",
        "k1",
      );
      try {
        expect(res.stats.layersFromCache).toBe(round === "fresh" ? 0 : 1);
        const f = res.finalFiles()[0]!;
        expect(f.size).toBe(BLOB.length);
        const c = contentOf(f);
        expect(c.kind).toBe("partial");
        expect(keptBytes(c)).toBe(200);
        expect((await f.readRange(10, 90)).equals(BLOB.subarray(10, 90))).toBe(true);
        expect((await f.readRange(BLOB.length - 50, BLOB.length)).equals(BLOB.subarray(-50))).toBe(true);
        // Outside the parts: the layer is streamed again (digests checked again) for the whole file.
        expect((await f.readRange(150_000, 150_100)).equals(BLOB.subarray(150_000, 150_100))).toBe(true);
        expect((await f.read()).equals(BLOB)).toBe(true);
      } finally {
        await res.dispose();
        await img.close();
      }
    }
  });

  it("ignores a layer cache entry whose partial contents do not add up", async () => {
    process.env.VIGIL_CACHE_DIR = join(tmp, "cache-forged");
    const first = await walkOf("forged", [{ path: "/data/blob", content: BLOB }], () => spec, "gzip", "k2");
    await first.res.dispose();
    await first.img.close();
    const dir = join(tmp, "cache-forged", "layers");
    const [name] = readdirSync(dir);
    const file = join(dir, name!);
    const raw = readFileSync(file);
    const hlen = raw.readUInt32LE(8);
    const header = JSON.parse(raw.toString("utf8", 12, 12 + hlen));
    for (const forge of [
      (c: unknown[]) => (c[3] = String(c[3])), // size as text
      (c: unknown[]) => (c[5] = [(c[5] as number[])[2], 100, 0, 100]), // parts out of order
      (c: unknown[]) => (c[5] = [0, 100]), // parts that do not fill the stored bytes
      (c: unknown[]) => (c[5] = [0, 100, BLOB.length, 100]), // a part past the end of the file
    ]) {
      const h = JSON.parse(JSON.stringify(header));
      forge(h.captured[0]);
      const text = Buffer.from(JSON.stringify(h));
      const pre = Buffer.from(raw.subarray(0, 12));
      pre.writeUInt32LE(text.length, 8);
      writeFileSync(file, Buffer.concat([pre, text, raw.subarray(12 + hlen)]));
      const again = await walkOf("forged", [{ path: "/data/blob", content: BLOB }], () => spec, "gzip", "k2");
      try {
        expect(again.res.stats.layersFromCache).toBe(0);
        expect((await again.res.finalFiles()[0]!.read()).equals(BLOB)).toBe(true);
      } finally {
        await again.res.dispose();
        await again.img.close();
      }
    }
  });

  it("keeps files whole when the spec says all, fails, selects more than 1 MiB, or the file is small", async () => {
    const big: PartialSpec = { head: 16, select: () => [[0, 2 * 1024 * 1024]] };
    const throwing: PartialSpec = {
      head: 16,
      select: () => {
        throw new RangeError("offset out of range");
      },
    };
    for (const [name, s, content] of [
      ["all", { head: 16, select: () => "all" as const }, BLOB],
      ["throwing", throwing, BLOB],
      ["big", big, Buffer.concat([BLOB, BLOB, BLOB, BLOB, BLOB, BLOB, BLOB, BLOB])],
      ["small", spec, BLOB.subarray(0, 10_000)],
    ] as const) {
      const { img, res } = await walkOf(`whole-${name}`, [{ path: "/data/blob", content }], () => s);
      try {
        const f = res.finalFiles()[0]!;
        expect(contentOf(f).kind, name).not.toBe("partial");
        expect((await f.read()).equals(content), name).toBe(true);
      } finally {
        await res.dispose();
        await img.close();
      }
    }
  });

  it("keeps files of a local uncompressed tar as file ranges (nothing to save there)", async () => {
    const { img, res } = await walkOf("none", [{ path: "/data/blob", content: BLOB }], () => spec, "none");
    try {
      expect(contentOf(res.finalFiles()[0]!).kind).toBe("file");
    } finally {
      await res.dispose();
      await img.close();
    }
  });
});

describe("the parts of programs the binary catalogers read", () => {
  it("keeps a C program's headers and section table, and Go programs whole", async () => {
    const files = [
      { path: "/usr/bin/gzip", content: C_PROGRAM },
      { path: "/usr/local/bin/internal", content: goBins.internal! },
      { path: "/usr/local/bin/external", content: goBins.external! },
    ];
    const { img, res } = await walkOf("programs", files, () => EXECUTABLE_PARTS);
    try {
      const byPath = new Map(res.finalFiles().map((f) => [f.path, f]));
      const gzip = contentOf(byPath.get("/usr/bin/gzip")!);
      expect(gzip.kind).toBe("partial");
      expect(keptBytes(gzip)).toBeLessThan(C_PROGRAM.length / 2);
      // Go programs, by either linker: the Go build ID note among the first 4 KiB keeps them whole.
      for (const name of ["internal", "external"]) {
        const f = byPath.get(`/usr/local/bin/${name}`)!;
        expect(contentOf(f).kind, name).not.toBe("partial");
        expect((await readGoBuildInfo(fileSource(f)))?.main?.path, name).toBe("example.com/hello");
      }
      // What the catalogers read of the C program lies in its parts: no re-read is needed.
      const c = contentOf(byPath.get("/usr/bin/gzip")!);
      if (c.kind === "partial") c.whole = undefined;
      const sections = (await readExecutable(fileSource(byPath.get("/usr/bin/gzip")!)))!.sections;
      expect(sections.map((x) => x.name)).toEqual(
        (await readExecutable(bufferSource(C_PROGRAM)))!.sections.map((x) => x.name),
      );
      expect(await readGoBuildInfo(fileSource(byPath.get("/usr/bin/gzip")!))).toBeUndefined();
    } finally {
      await res.dispose();
      await img.close();
    }
  });

  it("keeps scripts' first bytes and programs of other formats whole", () => {
    const script = Buffer.from(`#!/bin/sh\n${"echo hello\n".repeat(10_000)}`);
    expect(EXECUTABLE_PARTS.select(script.subarray(0, 4096), script.length)).toEqual([[0, 4096]]);
    const pe = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(4094)]);
    expect(EXECUTABLE_PARTS.select(pe, 1_000_000)).toBe("all");
    // An ELF whose section table is not in the file (truncated): whole, the readers then report it.
    expect(EXECUTABLE_PARTS.select(C_PROGRAM.subarray(0, 4096), 5000)).toBe("all");
  });
});
