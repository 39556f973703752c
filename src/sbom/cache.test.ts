import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  listCachedSboms,
  pruneSboms,
  readCachedSbom,
  sbomCachePath,
  stageCachedSbom,
  stageFileAtomic,
  writeCachedSbom,
  writeFileAtomic,
} from "./cache.js";
import { humanBytes, pruneCaches, renderCacheUsage } from "./cache-usage.js";
import { sampleSbom } from "./testing/sample.js";

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "vigil-cache-test-"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const sbom = {
  ...sampleSbom(),
  generator: { name: "vigil" as const, version: "0.1.0", indexerVersion: "0.1.0+abc" },
};
const key = { imageDigest: sbom.image.digest!, indexerVersion: "0.1.0+abc" };

describe("SBOM cache", () => {
  it("misses, then hits after a write, keyed by digest and indexer version", async () => {
    const dir = join(base, "sboms");
    expect(await readCachedSbom(key, { dir })).toBeUndefined();
    await writeCachedSbom(key, sbom, { dir });
    const hit = await readCachedSbom(key, { dir });
    expect(hit?.packages).toHaveLength(sbom.packages.length);
    expect(hit?.packages[0]).toEqual(sbom.packages[0]);
    // Another indexer version is another entry.
    expect(await readCachedSbom({ ...key, indexerVersion: "0.2.0+def" }, { dir })).toBeUndefined();
    // Another digest too.
    expect(
      await readCachedSbom({ ...key, imageDigest: `sha256:${"e".repeat(64)}` }, { dir }),
    ).toBeUndefined();
    const entries = await listCachedSboms(dir);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.imageDigest).toBe(key.imageDigest);
    expect(entries[0]!.indexerVersion).toBe("0.1.0+abc");
    expect(await readdir(dir)).toHaveLength(1); // no temp files left behind
  });

  it("ignores and removes corrupt or mismatched entries", async () => {
    const dir = join(base, "sboms");
    const path = sbomCachePath(key, dir)!;
    await writeFileAtomic(path, '{"schemaVersion": "1.0", "packages": [');
    const ignored: string[] = [];
    expect(
      await readCachedSbom(key, { dir, onIgnored: (p, why) => ignored.push(`${p}: ${why}`) }),
    ).toBeUndefined();
    expect(ignored[0]).toContain("not valid JSON");
    await expect(readFile(path)).rejects.toThrow();
    // A valid SBOM of another image stored under this key is not trusted.
    const other = {
      ...sbom,
      image: { ...sbom.image, digest: `sha256:${"f".repeat(64)}`, configDigest: undefined },
    };
    await writeFileAtomic(path, JSON.stringify(other));
    expect(await readCachedSbom(key, { dir })).toBeUndefined();
    // What a crash can leave of an entry written without fsync: an empty file, or zeros.
    for (const left of ["", "\0".repeat(4096)]) {
      await writeFileAtomic(path, left);
      expect(await readCachedSbom(key, { dir })).toBeUndefined();
      await expect(readFile(path)).rejects.toThrow();
    }
  });

  it("refuses keys that are not digests (no path tricks)", async () => {
    expect(sbomCachePath({ imageDigest: "../../etc/passwd", indexerVersion: "1" }, base)).toBeUndefined();
    expect(
      await writeCachedSbom({ imageDigest: "sha256:../x", indexerVersion: "1" }, sbom, { dir: base }),
    ).toBe(undefined);
    const p = sbomCachePath({ imageDigest: key.imageDigest, indexerVersion: "../../x" }, base)!;
    expect(p.startsWith(base)).toBe(true);
    expect(p.slice(base.length + 1)).not.toContain("/");
  });

  it("df lists entries with sizes and prune removes them", async () => {
    await writeCachedSbom(key, sbom, { dir: join(base, "sboms") });
    await writeFileAtomic(join(base, "layers", "sha256-0123.json"), "x".repeat(2500));
    const df = await renderCacheUsage(base);
    expect(df).toContain(key.imageDigest);
    expect(df).toContain("Size of SBOM");
    expect(df).toContain("sha256-0123");
    expect(df).toContain("2.5 kB");
    const r = await pruneCaches(base, { sboms: false });
    expect(r.layerEntries).toBe(1);
    expect(await listCachedSboms(join(base, "sboms"))).toHaveLength(1);
    expect(await pruneSboms(join(base, "sboms"))).toBe(1);
    expect(await renderCacheUsage(base)).toContain("No cached SBOMs");
  });

  it("writeFileAtomic replaces content whole", async () => {
    const p = join(base, "a", "b.txt");
    await writeFileAtomic(p, "one");
    await writeFileAtomic(p, "two");
    expect(await readFile(p, "utf8")).toBe("two");
    expect(await readdir(join(base, "a"))).toEqual(["b.txt"]);
    await writeFile(join(base, "dir-as-file"), "");
    await expect(writeFileAtomic(join(base, "dir-as-file", "x"), "y")).rejects.toThrow();
  });

  it("stages a file under a temporary name: commit renames it over the target, discard removes it", async () => {
    const dir = join(base, "s");
    const p = join(dir, "b.txt");
    await writeFileAtomic(p, "old");
    const staged = await stageFileAtomic(p, "new");
    expect(await readFile(p, "utf8")).toBe("old"); // not visible before commit
    const names = await readdir(dir);
    expect(names).toHaveLength(2);
    expect(names.find((n) => n !== "b.txt")).toMatch(/^b\.txt\.\d+\.[0-9a-f]{8}\.tmp$/);
    await staged.commit();
    expect(await readFile(p, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["b.txt"]);
    await expect(staged.commit()).rejects.toThrow(/already committed or discarded/);
    await expect(staged.discard()).rejects.toThrow(/already committed or discarded/);

    const dropped = await stageFileAtomic(p, "never");
    await dropped.discard();
    expect(await readFile(p, "utf8")).toBe("new");
    expect(await readdir(dir)).toEqual(["b.txt"]);
    await expect(dropped.commit()).rejects.toThrow(/already committed or discarded/);
  });

  it("stages an SBOM cache entry that readers see only once committed", async () => {
    const dir = join(base, "sboms");
    const staged = await stageCachedSbom(key, sbom, { dir });
    expect(staged?.path).toBe(sbomCachePath(key, dir));
    expect(await readCachedSbom(key, { dir })).toBeUndefined();
    expect(await listCachedSboms(dir)).toEqual([]);
    await staged!.commit();
    expect((await readCachedSbom(key, { dir }))?.packages).toEqual(sbom.packages);
    expect(await stageCachedSbom({ ...key, imageDigest: "sha256:../../x" }, sbom, { dir })).toBeUndefined();
  });

  it("formats sizes like docker scout", () => {
    expect(humanBytes(999)).toBe("999 B");
    expect(humanBytes(21_000)).toBe("21 kB");
    expect(humanBytes(1_000_000)).toBe("1.0 MB");
    expect(humanBytes(4_200_000_000)).toBe("4.2 GB");
  });
});

describe("writeFileAtomic on special files", () => {
  it("writes into a FIFO in place instead of replacing it with a regular file (as /dev/null must survive)", async () => {
    const { execFileSync, spawn } = await import("node:child_process");
    const { statSync } = await import("node:fs");
    const dir = await mkdtemp(join(tmpdir(), "vigil-fifo-"));
    const fifo = join(dir, "out");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("cat", [fifo]);
    let got = "";
    reader.stdout.on("data", (b: Buffer) => {
      got += b.toString();
    });
    const done = new Promise((r) => reader.on("close", r));
    await writeFileAtomic(fifo, "through the pipe\n");
    await done;
    expect(got).toBe("through the pipe\n");
    expect(statSync(fifo).isFIFO()).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});
