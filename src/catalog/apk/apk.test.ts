import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import type { Distro } from "../../sbom/model.js";
import { memoryFileRef } from "../distro/file-ref.js";
import { pkgdbPath } from "../distro/testing.js";
import { APK_INSTALLED, apkCataloger } from "./cataloger.js";

const ALPINE: Distro = { id: "alpine", versionId: "3.18.4" };

function run(content: Buffer | string, distro?: Distro) {
  return apkCataloger.catalog({
    files: [memoryFileRef(APK_INSTALLED, content, 2)],
    distro,
    exists: () => false,
    logger: silentLogger(),
  });
}
const db = (rel: string) => readFileSync(pkgdbPath(rel));

describe("apk cataloger on real databases", () => {
  it.each([
    ["apk/osv-scalibr/installed", 15, 0],
    ["apk/trivy/apk", 15, 2], // 16 records, one without V:; no final newline
    ["apk/syft/multiple-2/lib/apk/db/installed", 14, 0],
    ["apk/syft/multiple-1/lib/apk/db/installed", 4, 0],
    ["apk/syft/base", 1, 1], // no final newline
    ["apk/syft/single", 1, 1], // no final newline
    ["apk/syft/corrupt/lib/apk/db/installed", 1, 1],
  ])("%s: %i packages, %i warnings", async (rel, n, w) => {
    const r = await run(db(rel), ALPINE);
    expect(r.packages).toHaveLength(n);
    expect(r.warnings).toHaveLength(w);
    for (const m of r.warnings)
      expect(m).toMatch(
        /^\/lib\/apk\/db\/installed: (record at line \d+ skipped: |the file ends without a newline)/,
      );
  });

  it("fields, files and purl (trivy apk: musl)", async () => {
    const r = await run(db("apk/trivy/apk"), ALPINE);
    const musl = r.packages.find((p) => p.name === "musl")!;
    expect(musl).toMatchObject({
      id: "apk:musl@1.1.14-r10:x86_64",
      type: "apk",
      namespace: "alpine",
      version: "1.1.14-r10",
      arch: "x86_64",
      sourceName: "musl",
      licenses: ["MIT"],
      foundBy: "apk",
      locations: [{ path: APK_INSTALLED, layerIndex: 2 }],
      files: ["/lib/libc.musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"],
    });
    expect(musl.metadata).toMatchObject({
      buildTime: "1466181580",
      commit: "e6c226fbe17bb8f856dce5f0d9bc088b333e6225",
    });
    expect(musl.metadata?.maintainer).toContain("Timo");
    expect(musl.purl).toBe("pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64&distro=alpine-3.18.4");
  });

  it("origin becomes sourceName and the upstream qualifier", async () => {
    const r = await run(db("apk/syft/corrupt/lib/apk/db/installed"), ALPINE);
    const p = r.packages[0]!;
    expect(p.sourceName).toBe("alpine-baselayout");
    expect(p.purl).toBe(
      "pkg:apk/alpine/alpine-baselayout-data@3.2.0-r22?arch=x86_64&distro=alpine-3.18.4&upstream=alpine-baselayout",
    );
    expect(p.files).toContain("/etc/fstab");
  });

  it("no origin: sourceName is the name", async () => {
    const r = await run(db("apk/osv-scalibr/no-origin"));
    expect(r.packages[0]).toMatchObject({
      name: "pkgname",
      sourceName: "pkgname",
      licenses: ["GPL-2.0-only"],
    });
    expect(r.packages[0]!.purl).toBe("pkg:apk/alpine/pkgname@1.2.3?arch=x86_64");
  });

  it("namespace follows the distro (wolfi, chainguard)", async () => {
    for (const id of ["wolfi", "chainguard"]) {
      const r = await run(db("apk/syft/single"), { id, versionId: "20230201" });
      expect(r.packages[0]!.purl).toMatch(new RegExp(`^pkg:apk/${id}/[^?]+\\?.*distro=${id}-20230201`));
      expect(r.packages[0]!.namespace).toBe(id);
    }
  });
});

describe("apk database location", () => {
  it("reads /usr/lib/apk/db/installed (apk-tools 3, /usr-merged) and prefers /lib when both exist", async () => {
    expect(apkCataloger.wants("/usr/lib/apk/db/installed", 1)).toBe(true);
    expect(apkCataloger.wants("/lib/apk/db/installed", 1)).toBe(true);
    expect(apkCataloger.wants("/lib/apk/db/installed.old", 1)).toBe(false);
    const r = await apkCataloger.catalog({
      files: [
        memoryFileRef("/usr/lib/apk/db/installed", db("apk/syft/multiple-2/lib/apk/db/installed"), 1),
        memoryFileRef(APK_INSTALLED, db("apk/syft/multiple-1/lib/apk/db/installed"), 0),
      ],
      exists: () => true,
      logger: silentLogger(),
    });
    expect(r.packages).toHaveLength(4);
    expect(r.packages.every((p) => p.locations[0]!.path === APK_INSTALLED)).toBe(true);
    const usr = await apkCataloger.catalog({
      files: [memoryFileRef("/usr/lib/apk/db/installed", db("apk/syft/multiple-2/lib/apk/db/installed"), 1)],
      exists: () => true,
      logger: silentLogger(),
    });
    expect(usr.packages).toHaveLength(14);
  });
});

describe("apk bad input", () => {
  it("a file cut inside a V: line drops that record, with a warning", async () => {
    const full = db("apk/osv-scalibr/installed").toString();
    const at = full.lastIndexOf("\nV:") + 5;
    const r = await run(full.slice(0, at));
    expect(r.packages).toHaveLength(14);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^\/lib\/apk\/db\/installed: record at line \d+ skipped: the file ends in the middle of its V: line/,
      ),
    ]);
  });

  it("garbage gives a PACKAGE_DB error naming the file", async () => {
    for (const content of [
      db("apk/osv-scalibr/invalid"),
      db("apk/syft/glob-paths/lib/apk/db/installed"),
      Buffer.alloc(99),
    ]) {
      const err = await run(content).catch((e: unknown) => e);
      expect(isVigilError(err) && err.code === "PACKAGE_DB").toBe(true);
      expect((err as Error).message).toContain(APK_INSTALLED);
    }
  });

  it("empty database: no packages", async () => {
    expect((await run(db("apk/osv-scalibr/empty"))).packages).toEqual([]);
  });

  it("truncation keeps the complete records", async () => {
    const full = db("apk/osv-scalibr/installed");
    let last = 0;
    for (const frac of [0.05, 0.3, 0.6, 0.9, 1]) {
      const r = await run(full.subarray(0, Math.floor(full.length * frac))).catch(() => ({ packages: [] }));
      expect(r.packages.length).toBeGreaterThanOrEqual(last);
      last = r.packages.length;
    }
    expect(last).toBe(15);
  });
});

describe("apk cataloger on damaged databases", () => {
  it("skips the records a block of zeros fell into, with a warning each, and keeps the rest", async () => {
    const text = db("apk/osv-scalibr/installed");
    const intact = await run(text);
    const hole = Buffer.from(text);
    const at = hole.indexOf("\nP:", hole.length >> 1) + 10;
    hole.fill(0, at, at + 64);
    const r = await run(hole);
    expect(r.packages.length).toBe(intact.packages.length - 1);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^\/lib\/apk\/db\/installed: record at line \d+ skipped: binary content \(NUL bytes or invalid UTF-8\)$/,
      ),
    ]);
    const all = new Map(intact.packages.map((p) => [p.id, p]));
    for (const p of r.packages) expect(p).toEqual(all.get(p.id));
  });

  it("skips two records that ran together (a lost blank line) with a warning", async () => {
    const text = db("apk/osv-scalibr/installed").toString("utf8");
    const intact = await run(text);
    const gap = text.indexOf("\n\nC:", text.length >> 1);
    const r = await run(`${text.slice(0, gap)}\n${text.slice(gap + 2)}`);
    expect(r.packages).toHaveLength(intact.packages.length - 2);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^\/lib\/apk\/db\/installed: record at line \d+ skipped: line \d+ repeats the P: line \(two records run together\?\)$/,
      ),
    ]);
  });

  it("still refuses a file with nothing but binary content", async () => {
    await expect(run(Buffer.alloc(4096, 0))).rejects.toThrow(/not an apk database \(binary content\)/);
  });
});
