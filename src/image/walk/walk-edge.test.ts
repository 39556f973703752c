import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { openLocalImage } from "../local-image.js";
import {
  type BuiltLayer,
  buildLayer,
  type ImageSpec,
  layerFromTar,
  sha256,
  type TarEntrySpec,
  tarOf,
  writeOciLayout,
} from "../test-helpers/build-image.js";
import { DEFAULT_LIMITS, type ImageLimits, type OpenedImage, type WalkOptions } from "../types.js";
import { layerCacheDir, layerCacheUsage, pruneLayerCache } from "./layer-cache.js";
import { walkImage } from "./walk.js";

const DPKG_STATUS = readFileSync("/var/lib/dpkg/status");
const OS_RELEASE = readFileSync("/etc/os-release");
const tmp = mkdtempSync(join(tmpdir(), "vigil-walk-edge-"));
const cacheRoot = join(tmp, "cache");
let savedCache: string | undefined;
beforeAll(() => {
  savedCache = process.env.VIGIL_CACHE_DIR;
  process.env.VIGIL_CACHE_DIR = cacheRoot;
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.VIGIL_CACHE_DIR;
  else process.env.VIGIL_CACHE_DIR = savedCache;
  rmSync(tmp, { recursive: true, force: true });
});

let seq = 0;
async function open(spec: ImageSpec): Promise<OpenedImage> {
  const dir = join(tmp, `img-${seq++}`);
  writeOciLayout(dir, spec);
  return openLocalImage(`oci-dir://${dir}`, { limits: DEFAULT_LIMITS, logger: silentLogger() });
}

const wantsCommon = (p: string) =>
  p === "/var/lib/dpkg/status" ||
  p === "/etc/os-release" ||
  p.startsWith("/etc/a/") ||
  p.startsWith("/usr/bin/python3");

function walkOpts(extra: Partial<WalkOptions> = {}, limits: Partial<ImageLimits> = {}): WalkOptions {
  return { wants: wantsCommon, limits: { ...DEFAULT_LIMITS, ...limits }, logger: silentLogger(), ...extra };
}

async function walkErr(img: OpenedImage, o: WalkOptions = walkOpts()): Promise<VigilError> {
  const e = await walkImage(img, o).then(
    async (r) => {
      await r.dispose();
      return undefined;
    },
    (x: unknown) => x,
  );
  await img.close();
  expect(e).toBeInstanceOf(VigilError);
  return e as VigilError;
}

describe("whiteouts and opaque directories", () => {
  for (const c of ["gzip", "none"] as const) {
    it(`hide lower-layer files only (${c})`, async () => {
      const l0 = await buildLayer(
        [
          { name: "etc/a/x", content: OS_RELEASE },
          { name: "etc/a/y", content: "y\n" },
          { name: "opt/keep/file", content: "k" },
          { name: "var/lib/dpkg/status", content: DPKG_STATUS },
        ],
        c,
      );
      const l1 = await buildLayer(
        [
          { name: "etc/a/.wh..wh..opq" },
          { name: "etc/a/z", content: "z from layer 1\n" },
          { name: "opt/.wh.keep" },
          { name: "var/lib/dpkg/.wh.status" },
        ],
        c,
      );
      const l2 = await buildLayer(
        [{ name: "var/lib/dpkg/status", content: DPKG_STATUS.subarray(0, 5000) }],
        c,
      );
      const img = await open({ layers: [l0, l1, l2] });
      const r = await walkImage(img, walkOpts());
      expect(r.fileIndex.has("/etc/a/x")).toBe(false);
      expect(r.fileIndex.has("/etc/a/y")).toBe(false);
      expect(r.fileIndex.get("/etc/a/z")?.layerIndex).toBe(1);
      expect(r.fileIndex.has("/opt/keep")).toBe(false);
      expect(r.fileIndex.has("/opt/keep/file")).toBe(false);
      expect(r.fileIndex.has("/opt")).toBe(true);
      expect(r.filesAfterLayer(0).map((f) => f.path)).toEqual([
        "/etc/a/x",
        "/etc/a/y",
        "/var/lib/dpkg/status",
      ]);
      expect(r.filesAfterLayer(1).map((f) => f.path)).toEqual(["/etc/a/z"]);
      expect(r.changedByLayer(1)).toEqual(["/etc/a/x", "/etc/a/y", "/etc/a/z", "/var/lib/dpkg/status"]);
      const final = r.finalFiles();
      expect(final.map((f) => [f.path, f.layerIndex, f.size])).toEqual([
        ["/etc/a/z", 1, 15],
        ["/var/lib/dpkg/status", 2, 5000],
      ]);
      expect([...r.fileIndex.entries()].some((e) => e.path.includes(".wh."))).toBe(false);
      await r.dispose();
      await img.close();
    });
  }
});

describe("links", () => {
  for (const c of ["gzip", "none"] as const) {
    it(`captures hard links to wanted files, whatever the target (${c})`, async () => {
      const python = readFileSync(process.execPath).subarray(0, 3 * 1024 * 1024 + 17);
      const l0 = await buildLayer(
        [
          { name: "usr/lib/libpython.so", content: python },
          { name: "usr/bin/python3.11", type: "link", linkname: "usr/lib/libpython.so" },
          { name: "etc/os-release", content: OS_RELEASE },
        ],
        c,
      );
      const l1 = await buildLayer(
        [{ name: "usr/bin/python3", type: "link", linkname: "/etc/os-release" }],
        c,
      );
      const img = await open({ layers: [l0, l1] });
      const r = await walkImage(img, walkOpts());
      const files = Object.fromEntries(r.finalFiles().map((f) => [f.path, f]));
      expect((await files["/usr/bin/python3.11"]!.read()).equals(python)).toBe(true);
      expect(
        (await files["/usr/bin/python3.11"]!.readRange(1024, 1030)).equals(python.subarray(1024, 1030)),
      ).toBe(true);
      expect((await files["/usr/bin/python3"]!.read()).equals(OS_RELEASE)).toBe(true);
      expect(r.fileIndex.get("/usr/bin/python3.11")).toMatchObject({
        type: "hardlink",
        linkTarget: "/usr/lib/libpython.so",
      });
      await r.dispose();
      await img.close();
    });
  }

  it("keeps escaping and looping symlinks as links but never resolves them outside the root", async () => {
    const l0 = await buildLayer([
      { name: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
      { name: "usr/lib/os-release", content: OS_RELEASE },
      { name: "abs", type: "symlink", linkname: "/usr/lib" },
      { name: "up", type: "symlink", linkname: "../../../../etc/shadow" },
      { name: "loop1", type: "symlink", linkname: "loop2" },
      { name: "loop2", type: "symlink", linkname: "/loop1" },
      { name: "selfdir", type: "symlink", linkname: "." },
    ]);
    const img = await open({ layers: [l0] });
    const r = await walkImage(
      img,
      walkOpts({ wants: (p) => p === "/etc/os-release" || p === "/usr/lib/os-release" }),
    );
    expect(r.fileIndex.resolve("/etc/os-release")?.path).toBe("/usr/lib/os-release");
    expect(r.fileIndex.resolve("/abs/os-release")?.path).toBe("/usr/lib/os-release");
    expect(r.fileIndex.get("/up")).toMatchObject({ type: "symlink", linkTarget: "../../../../etc/shadow" });
    expect(r.fileIndex.resolve("/up")).toBeUndefined();
    expect(r.fileIndex.resolve("/loop1")).toBeUndefined();
    expect(r.fileIndex.resolve("/selfdir/selfdir/selfdir/usr/lib/os-release")?.path).toBe(
      "/usr/lib/os-release",
    );
    const final = r.finalFiles();
    expect(final.map((f) => f.path).sort()).toEqual(["/etc/os-release", "/usr/lib/os-release"]);
    expect((await final.find((f) => f.path === "/etc/os-release")!.read()).equals(OS_RELEASE)).toBe(true);
    await r.dispose();
    await img.close();
  });

  for (const c of ["gzip", "none"] as const) {
    it(`rejects traversal entries and hard links out of the root (${c})`, async () => {
      const bad = await buildLayer([{ name: "../../etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" }], c);
      const e = await walkErr(await open({ layers: [bad] }));
      expect(e.code).toBe("UNSAFE_PATH");
      expect(e.message).toMatch(
        /layer 0 \(sha256:[0-9a-f]+\): tar entry "\.\.\/\.\.\/etc\/passwd" escapes the image root/,
      );
      const link = await buildLayer([{ name: "etc/x", type: "link", linkname: "../../../etc/shadow" }], c);
      const e2 = await walkErr(await open({ layers: [link] }));
      expect(e2.code).toBe("UNSAFE_PATH");
      expect(e2.message).toMatch(/hard link "etc\/x"/);
    });
  }
});

function corruptLayer(l: BuiltLayer, blob: Buffer): BuiltLayer {
  return { ...l, blob, digest: sha256(blob) };
}

describe("corrupt and hostile layers", () => {
  it("reports corrupt and truncated gzip as CORRUPT naming the layer", async () => {
    const good = await buildLayer([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }], "gzip");
    const flipped = Buffer.from(good.blob);
    for (let i = 100; i < 200; i++) flipped[i] = flipped[i]! ^ 0x5a;
    const e = await walkErr(await open({ layers: [corruptLayer(good, flipped)] }));
    expect(e.code).toBe("CORRUPT");
    expect(e.message).toMatch(/^layer 0 \(sha256:[0-9a-f]{64}\): corrupt or truncated gzip/);
    const e2 = await walkErr(
      await open({ layers: [corruptLayer(good, good.blob.subarray(0, good.blob.length >> 1))] }),
    );
    expect(e2.code).toBe("CORRUPT");
    expect(e2.message).toMatch(/gzip/);
    // A trailer whose length does not match the data (zlib's "incorrect length check").
    const badLength = Buffer.from(good.blob);
    badLength[badLength.length - 4] = badLength[badLength.length - 4]! ^ 0xff;
    const e3 = await walkErr(await open({ layers: [corruptLayer(good, badLength)] }));
    expect(e3.code).toBe("CORRUPT");
    expect(e3.message).toMatch(/: corrupt or truncated gzip data \(incorrect length check\)$/);
    // The trailer's CRC-32 is not checked (decompress.ts: SHA-256 checks the same bytes against the
    // diffID): a wrong CRC over the right data reads as the data; wrong data fails the diffID check.
    const badCrc = Buffer.from(good.blob);
    badCrc[badCrc.length - 8] = badCrc[badCrc.length - 8]! ^ 0xff;
    const img = await open({ layers: [corruptLayer(good, badCrc)] });
    const r = await walkImage(img, walkOpts());
    expect((await r.finalFiles()[0]!.read()).equals(DPKG_STATUS)).toBe(true);
    await r.dispose();
    await img.close();
    const otherData = await buildLayer([{ name: "var/lib/dpkg/status", content: "Package: x\n" }], "gzip");
    const e4 = await walkErr(await open({ layers: [{ ...otherData, diffId: good.diffId }] }));
    expect(e4.code).toBe("DIGEST_MISMATCH");
    expect(e4.message).toMatch(/uncompressed digest sha256:[0-9a-f]{64} does not match the config's diffID/);
  });

  it("names a digest mismatch as the cause when a local blob changed and no longer reads", async () => {
    const good = await buildLayer([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }], "gzip");
    const flipped = Buffer.from(good.blob);
    for (let i = 100; i < 200; i++) flipped[i] = flipped[i]! ^ 0x5a;
    // The manifest still names the original digest: the blob changed after it was written.
    for (const [blob, reason] of [
      [flipped, /reading it failed: corrupt or truncated gzip data/],
      [good.blob.subarray(0, good.blob.length >> 1), /reading it failed: corrupt or truncated gzip data/],
    ] as const) {
      const e = await walkErr(await open({ layers: [{ ...good, blob }] }));
      expect(e.code).toBe("DIGEST_MISMATCH");
      expect(e.message).toMatch(
        new RegExp(
          `^layer 0 \\(${good.digest}\\): blob digest mismatch \\(got ${sha256(Buffer.from(blob))}\\); `,
        ),
      );
      expect(e.message).toMatch(reason);
      expect(e.message).not.toContain("\n");
    }
    // An uncompressed layer that no longer parses, read as a stream (an OCI layout's blob).
    const tar = await tarOf([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }]);
    const plain = layerFromTar(tar, "none");
    const bad = Buffer.from(plain.blob);
    bad[0] = bad[0]! ^ 0xff; // the first header's checksum no longer holds
    const e = await walkErr(await open({ layers: [{ ...plain, blob: bad }] }));
    expect(e.code).toBe("DIGEST_MISMATCH");
    expect(e.message).toMatch(
      /blob digest mismatch \(got sha256:[0-9a-f]{64}\); reading it failed: .*checksum/,
    );
  });

  it("reports a truncated tar, compressed or not", async () => {
    const tar = await tarOf([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }]);
    const cut = tar.subarray(0, 3000);
    for (const c of ["gzip", "zstd", "none"] as const) {
      const l = layerFromTar(cut, c);
      const e = await walkErr(await open({ layers: [l] }));
      expect(e.code, c).toBe("CORRUPT");
      expect(e.message).toMatch(/layer 0 .*(truncated|unexpected end)/i);
    }
    const garbage = layerFromTar(Buffer.from(DPKG_STATUS.subarray(0, 4096)), "gzip");
    const e = await walkErr(await open({ layers: [garbage] }));
    expect(e.code).toBe("CORRUPT");
  });

  for (const c of ["gzip", "zstd", "none"] as const) {
    it(`verifies blob digests and diffIDs (${c})`, async () => {
      const a = await buildLayer([{ name: "etc/os-release", content: OS_RELEASE }], c);
      const b = await buildLayer([{ name: "etc/os-release", content: "ID=evil\n" }], c);
      // The blob stored under a's digest holds b's bytes.
      const e = await walkErr(await open({ layers: [{ ...b, digest: a.digest }] }));
      expect(e.code).toBe("DIGEST_MISMATCH");
      expect(e.message).toContain(`layer 0 (${a.digest})`);
      const e2 = await walkErr(await open({ layers: [a], diffIds: [b.diffId] }));
      expect(e2.code).toBe("DIGEST_MISMATCH");
      expect(e2.message).toMatch(/does not match the config's diffID/);
    });
  }

  /** An uncompressed layer big enough to be hashed in a worker thread, and a copy with one byte flipped. */
  async function bigLayer() {
    const big = readFileSync(process.execPath).subarray(0, 6 * 1024 * 1024);
    const a = await buildLayer(
      [
        { name: "usr/bin/node", content: big },
        { name: "etc/os-release", content: OS_RELEASE },
      ],
      "none",
    );
    const flipped = Buffer.from(a.blob);
    flipped[512 + 1000] = flipped[512 + 1000]! ^ 1; // inside the data of the first file
    return { big, a, bad: { ...a, blob: flipped } };
  }

  it("verifies large uncompressed layers in a worker thread while seeking", async () => {
    const { big, a, bad } = await bigLayer();
    const img = await open({ layers: [a] });
    const r = await walkImage(img, walkOpts());
    expect(r.fileIndex.get("/usr/bin/node")?.size).toBe(big.length);
    expect(r.finalFiles().map((f) => f.path)).toEqual(["/etc/os-release"]);
    await r.dispose();
    await img.close();
    const e = await walkErr(await open({ layers: [bad] }));
    expect(e.code).toBe("DIGEST_MISMATCH");
    expect(e.message).toContain(`layer 0 (${a.digest}): blob digest mismatch`);
  });

  it("with deferred digest checks, returns the walk and rejects `verified` on a mismatch", async () => {
    const { a, bad: badLayer } = await bigLayer();
    const good = await open({ layers: [a] });
    const r = await walkImage(good, walkOpts({ deferDigestChecks: true }));
    await expect(r.verified).resolves.toBeUndefined();
    await r.dispose();
    await good.close();
    const bad = await open({ layers: [badLayer] });
    const r2 = await walkImage(bad, walkOpts({ deferDigestChecks: true }));
    // The headers are intact: the walk itself succeeds; only `verified` knows.
    expect(r2.finalFiles().map((f) => f.path)).toEqual(["/etc/os-release"]);
    const e = await r2.verified.then(
      () => undefined,
      (x: unknown) => x as VigilError,
    );
    expect(e?.code).toBe("DIGEST_MISMATCH");
    expect(e?.message).toContain(`layer 0 (${a.digest}): blob digest mismatch`);
    await r2.dispose();
    await bad.close();
  });

  it("fails the walk when an earlier layer's digest check fails after later layers were read", async () => {
    // The header walk moves on to the next layers while the first one is still being hashed.
    const big = readFileSync(process.execPath).subarray(0, 6 * 1024 * 1024);
    const first = await buildLayer([{ name: "usr/bin/node", content: big }], "none");
    const others = await Promise.all(
      [1, 2, 3].map((n) => buildLayer([{ name: `etc/f${n}`, content: `${n}\n` }], "none")),
    );
    const flipped = Buffer.from(first.blob);
    flipped[512 + 4096] = flipped[512 + 4096]! ^ 1;
    for (const layers of [
      [{ ...first, blob: flipped }, ...others],
      [...others, { ...first, blob: flipped }],
    ]) {
      const e = await walkErr(await open({ layers }), walkOpts({ concurrency: 1 }));
      expect(e.code).toBe("DIGEST_MISMATCH");
      expect(e.message).toContain(`(${first.digest}): blob digest mismatch`);
    }
    const ok = await open({ layers: [first, ...others] });
    const r = await walkImage(ok, walkOpts({ concurrency: 1 }));
    expect(r.finalFiles().map((f) => f.path)).toEqual([]);
    expect(r.fileIndex.get("/etc/f3")?.size).toBe(2);
    await r.dispose();
    await ok.close();
  });

  it("stops a gzip bomb at the ratio limit", async () => {
    const tar = await tarOf([{ name: "zeros", content: Buffer.alloc(64 * 1024 * 1024) }]);
    const bomb = layerFromTar(tar, "gzip");
    expect(bomb.blob.length).toBeLessThan(200_000);
    const e = await walkErr(await open({ layers: [bomb] }));
    expect(e.code).toBe("LIMIT");
    expect(e.message).toMatch(/decompression ratio above 200 \(--max-ratio\)/);
  });

  it("applies the image size, entry count and file size limits", async () => {
    const l = await buildLayer([
      { name: "var/lib/dpkg/status", content: DPKG_STATUS },
      { name: "etc/os-release", content: OS_RELEASE },
      { name: "etc/hostname", content: "vigil\n" },
    ]);
    const e = await walkErr(await open({ layers: [l] }), walkOpts({}, { maxImageSize: 10_000 }));
    expect(e.code).toBe("LIMIT");
    expect(e.message).toMatch(/--max-image-size/);
    const e2 = await walkErr(await open({ layers: [l] }), walkOpts({}, { maxEntries: 2 }));
    expect(e2.code).toBe("LIMIT");
    expect(e2.message).toMatch(/more than 2 tar entries \(--max-entries\)/);
    const logger = silentLogger();
    const img = await open({ layers: [l] });
    const r = await walkImage(img, { ...walkOpts({}, { maxFileSize: 5000 }), logger });
    expect(r.finalFiles().map((f) => f.path)).toEqual(["/etc/os-release"]);
    expect(logger.warnings.join("\n")).toMatch(
      /\/var\/lib\/dpkg\/status is \d+ bytes, above --max-file-size \(5000\)/,
    );
    await r.dispose();
    await img.close();
  });

  it("applies many layers in order with several decompressed at once", async () => {
    const layers: BuiltLayer[] = [];
    for (let i = 0; i < 7; i++) {
      const entries: TarEntrySpec[] = [
        { name: "var/lib/dpkg/status", content: DPKG_STATUS.subarray(0, 1000 * (i + 1)) },
      ];
      if (i % 2 === 0) entries.push({ name: `layer${i}/file`, content: String(i) });
      layers.push(await buildLayer(entries, (["gzip", "zstd", "none"] as const)[i % 3]));
    }
    const img = await open({ layers });
    const r = await walkImage(img, walkOpts({ concurrency: 3 }));
    expect(r.finalFiles()[0]).toMatchObject({ path: "/var/lib/dpkg/status", size: 7000, layerIndex: 6 });
    for (let i = 0; i < 7; i++) expect(r.filesAfterLayer(i)[0]!.size).toBe(1000 * (i + 1));
    expect(r.fileIndex.get("/layer4/file")?.layerIndex).toBe(4);
    await r.dispose();
    await img.close();
  });
});

/** Counts layer reads; fails the test if `forbid` says a layer must not be read. */
function spy(img: OpenedImage, forbid: (i: number) => boolean) {
  const read = new Set<number>();
  const reads = {
    push: (i: number) => read.add(i),
    get list() {
      return [...read].sort();
    },
  };
  const wrapped: OpenedImage = {
    ...img,
    openLayerBlob: (l) => {
      reads.push(l.index);
      if (forbid(l.index)) throw new Error(`layer ${l.index} read despite the cache`);
      return img.openLayerBlob(l);
    },
    layerFile: async (l) => {
      reads.push(l.index);
      if (forbid(l.index)) throw new Error(`layer ${l.index} read despite the cache`);
      return img.layerFile?.(l);
    },
  };
  return { wrapped, reads };
}

describe("per-layer cache", () => {
  it("reads cached layers from the cache and only new layers from the image", async () => {
    await pruneLayerCache();
    const base = await buildLayer(
      [
        { name: "var/lib/dpkg/status", content: DPKG_STATUS },
        { name: "etc/os-release", content: OS_RELEASE },
        { name: "usr/bin/python3.11", content: Buffer.alloc(2 * 1024 * 1024, 1) },
        { name: "usr/bin/python3", type: "link", linkname: "usr/bin/python3.11" },
      ],
      "gzip",
    );
    const mid = await buildLayer([{ name: "etc/a/.wh.gone" }, { name: "etc/a/new", content: "n" }], "gzip");
    const key = "dpkg@1,os@1";
    const o = walkOpts({ layerCacheKey: key });
    const first = await open({ layers: [base, mid] });
    const r1 = await walkImage(first, o);
    expect(r1.stats.layersFromCache).toBe(0);
    const snapshot = async (r: typeof r1) =>
      Promise.all(r.finalFiles().map(async (f) => [f.path, f.layerIndex, sha256(await f.read())]));
    const expected = await snapshot(r1);
    const index1 = [...r1.fileIndex.entries()].sort((a, b) => a.path.localeCompare(b.path));
    await r1.dispose();
    expect((await layerCacheUsage()).entries).toBe(2);

    const { wrapped, reads } = spy(first, () => true);
    const r2 = await walkImage(wrapped, o);
    expect(reads.list).toEqual([]);
    expect(r2.stats.layersFromCache).toBe(2);
    expect(await snapshot(r2)).toEqual(expected);
    expect([...r2.fileIndex.entries()].sort((a, b) => a.path.localeCompare(b.path))).toEqual(index1);
    await r2.dispose();

    // A new image sharing the base layer: only its new layer is read.
    const top = await buildLayer(
      [{ name: "var/lib/dpkg/status", content: DPKG_STATUS.subarray(0, 999) }],
      "gzip",
    );
    const second = await open({ layers: [base, top] });
    const s = spy(second, (i) => i === 0);
    const r3 = await walkImage(s.wrapped, o);
    expect(s.reads.list).toEqual([1]);
    expect(r3.finalFiles().find((f) => f.path === "/var/lib/dpkg/status")?.size).toBe(999);
    expect(r3.filesAfterLayer(0).find((f) => f.path === "/usr/bin/python3")?.size).toBe(2 * 1024 * 1024);
    await r3.dispose();

    // Another cataloger key misses.
    const s4 = spy(first, () => false);
    const r4 = await walkImage(s4.wrapped, walkOpts({ layerCacheKey: "other" }));
    expect(s4.reads.list).toEqual([0, 1]);
    await r4.dispose();

    // A corrupt entry is ignored and rewritten.
    const files = readdirSync(layerCacheDir()).map((f) => join(layerCacheDir(), f));
    const sizes = files.map((f) => statSync(f).size);
    for (const f of files) truncateSync(f, 40);
    writeFileSync(files[0]!, "garbage");
    const s5 = spy(first, () => false);
    const r5 = await walkImage(s5.wrapped, o);
    expect(s5.reads.list).toEqual([0, 1]);
    expect(await snapshot(r5)).toEqual(expected);
    await r5.dispose();
    // Rewritten: the next walk reads nothing again.
    expect(sizes.length).toBe(5);
    const s6 = spy(first, () => true);
    const r6 = await walkImage(s6.wrapped, o);
    expect(s6.reads.list).toEqual([]);
    expect(await snapshot(r6)).toEqual(expected);
    await r6.dispose();
    const freed = await pruneLayerCache();
    expect(freed.entries).toBeGreaterThanOrEqual(2);
    expect((await layerCacheUsage()).entries).toBe(0);
    await first.close();
    await second.close();
  });

  it("round-trips a layer of many entries (header written in pieces), links and modes included", async () => {
    await pruneLayerCache();
    const many = Array.from({ length: 9000 }, (_, i) => ({
      name: `usr/share/doc/pkg-${i % 300}/file-${i}.txt`,
      content: i % 7 === 0 ? `x${i}` : "",
    }));
    const layer = await buildLayer(
      [
        ...many,
        { name: "var/lib/dpkg/status", content: DPKG_STATUS },
        { name: "usr/bin/python3.11", content: "elf" },
        { name: "usr/bin/python3", type: "symlink", linkname: "python3.11" },
        { name: 'usr/share/doc/quoted "name" \u00e9', content: "q" },
      ],
      "gzip",
    );
    const img = await open({ layers: [layer] });
    const o = walkOpts({ layerCacheKey: "many" });
    const r1 = await walkImage(img, o);
    const index1 = [...r1.fileIndex.entries()].sort((a, b) => a.path.localeCompare(b.path));
    expect(index1.length).toBeGreaterThan(9000);
    await r1.dispose();
    const s = spy(img, () => true);
    const r2 = await walkImage(s.wrapped, o);
    expect(s.reads.list).toEqual([]);
    expect([...r2.fileIndex.entries()].sort((a, b) => a.path.localeCompare(b.path))).toEqual(index1);
    expect(r2.finalFiles().map((f) => f.path)).toContain("/var/lib/dpkg/status");
    await r2.dispose();
    await img.close();
    await pruneLayerCache();
  });

  it("does not write layers it walked by seeking a local uncompressed tar", async () => {
    await pruneLayerCache();
    const plain = await buildLayer([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }], "none");
    const packed = await buildLayer([{ name: "etc/os-release", content: OS_RELEASE }], "gzip");
    const img = await open({ layers: [plain, packed] });
    const o = walkOpts({ layerCacheKey: "k" });
    const r1 = await walkImage(img, o);
    await r1.dispose();
    // Only the gzip layer was written; the uncompressed one is read again (cheaply) next time.
    expect((await layerCacheUsage()).entries).toBe(1);
    const s = spy(img, (i) => i === 1);
    const r2 = await walkImage(s.wrapped, o);
    expect(s.reads.list).toEqual([0]);
    expect(r2.stats.layersFromCache).toBe(1);
    expect(
      r2
        .finalFiles()
        .map((f) => f.path)
        .sort(),
    ).toEqual(["/etc/os-release", "/var/lib/dpkg/status"]);
    await r2.dispose();
    await img.close();
    await pruneLayerCache();
  });
});

describe("gzip layers from other compressors", () => {
  it("accepts multi-member gzip", async () => {
    const tar = await tarOf([{ name: "var/lib/dpkg/status", content: DPKG_STATUS }]);
    const half = tar.length >> 1;
    const blob = Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]);
    const l = { ...layerFromTar(tar, "gzip"), blob, digest: sha256(blob) };
    const img = await open({ layers: [l] });
    const r = await walkImage(img, walkOpts());
    expect(r.finalFiles()[0]!.size).toBe(DPKG_STATUS.length);
    await r.dispose();
    await img.close();
  });
});
