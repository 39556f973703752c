import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { seededRandom } from "../../core/test-helpers/random.js";
import type { Distro } from "../../sbom/model.js";
import { memoryFileRef } from "../distro/file-ref.js";
import { parseTxtar, pkgdbPath, treeFileRefs } from "../distro/testing.js";
import type { FileRef } from "../types.js";
import { DPKG_STATUS, dpkgCataloger, filesFromList } from "./cataloger.js";
import { parseControl } from "./control.js";
import { licensesFromCopyright } from "./copyright.js";

const DEBIAN12: Distro = { id: "debian", versionId: "12", codename: "bookworm" };
const UBUNTU1804: Distro = { id: "ubuntu", versionId: "18.04", codename: "bionic" };

function run(files: FileRef[], distro?: Distro) {
  const wanted = files.filter((f) => dpkgCataloger.wants(f.path, f.size));
  return dpkgCataloger.catalog({ files: wanted, distro, exists: () => false, logger: silentLogger() });
}

function statusOf(rel: string, path = DPKG_STATUS): FileRef {
  return memoryFileRef(path, readFileSync(pkgdbPath(rel)), 3);
}

describe("dpkg cataloger on real status files", () => {
  it.each([
    ["dpkg/claircore/texlive.status", 357],
    ["dpkg/claircore/postgresql.status", 3],
    ["dpkg/claircore/debian-only.status", 1],
    ["dpkg/osv-scalibr/dpkg/valid", 7],
  ])("%s has %i installed packages", async (rel, n) => {
    const r = await run([statusOf(rel)], DEBIAN12);
    expect(r.packages).toHaveLength(n);
    expect(r.warnings).toEqual([]);
    expect(new Set(r.packages.map((p) => p.id)).size).toBe(n);
  });

  it("vcpkg.status: 24 installed stanzas, of which 9 are vcpkg Feature stanzas without a version", async () => {
    const r = await run([statusOf("dpkg/claircore/vcpkg.status")]);
    expect(r.packages).toHaveLength(15);
    expect(r.warnings).toHaveLength(9);
    expect(r.warnings[0]).toMatch(/stanza at line \d+ skipped: package curl has no Version field/);
  });

  it("trivy valid (Ubuntu 18.04, from the txtar): 90 of 91 stanzas installed", async () => {
    const ar = parseTxtar(readFileSync(pkgdbPath("dpkg/trivy/valid.txtar"), "utf8"));
    const text = ar.get("var/lib/dpkg/status") ?? ar.get("/var/lib/dpkg/status");
    expect(text).toBeDefined();
    expect(text).toBe(readFileSync(pkgdbPath("dpkg/trivy/valid.extracted/var/lib/dpkg/status"), "utf8"));
    const r = await run([memoryFileRef(DPKG_STATUS, text!, 0)], UBUNTU1804);
    expect(r.packages).toHaveLength(90);
    const byName = new Map(r.packages.map((p) => [p.name, p]));
    expect(byName.get("base-files")?.version).toBe("10.1ubuntu2.2");
    const libc6 = byName.get("libc6")!;
    expect(libc6).toMatchObject({
      id: "deb:libc6@2.27-3ubuntu1:amd64",
      type: "deb",
      namespace: "ubuntu",
      version: "2.27-3ubuntu1",
      arch: "amd64",
      sourceName: "glibc",
      foundBy: "dpkg",
      locations: [{ path: DPKG_STATUS, layerIndex: 0 }],
    });
    expect(libc6.purl).toBe(
      "pkg:deb/ubuntu/libc6@2.27-3ubuntu1?arch=amd64&distro=ubuntu-18.04&upstream=glibc",
    );
    // Source with a version in parentheses, and an epoch in the binary version.
    const libgcc1 = byName.get("libgcc1")!;
    expect(libgcc1).toMatchObject({
      sourceName: "gcc-8",
      sourceVersion: "8-20180414-1ubuntu2",
      version: "1:8-20180414-1ubuntu2",
      epoch: 1,
    });
    expect(libgcc1.purl).toBe(
      "pkg:deb/ubuntu/libgcc1@1:8-20180414-1ubuntu2?arch=amd64&distro=ubuntu-18.04&upstream=gcc-8",
    );
    expect(byName.get("mount")).toMatchObject({ sourceName: "util-linux", version: "2.31.1-0.4ubuntu3.1" });
    // A package whose source is itself has no upstream qualifier and no sourceVersion.
    const bf = byName.get("base-files")!;
    expect(bf.sourceName).toBe("base-files");
    expect(bf.sourceVersion).toBeUndefined();
    expect(bf.purl).not.toContain("upstream=");
    expect(bf.metadata?.maintainer).toContain("ubuntu");
    expect(bf.metadata?.installedSize).toMatch(/^\d+$/);
  });

  it("only installed states count (statusfield)", async () => {
    const r = await run([statusOf("dpkg/osv-scalibr/dpkg/statusfield")]);
    expect(r.packages.map((p) => p.name).sort()).toEqual([
      "wantdeinstall_installed",
      "wantinstall_installed",
      "wantnostatus",
      "wantpurge_installed",
    ]);
  });

  it("malformed stanzas are skipped with a warning naming file and line (trivy corrupsed)", async () => {
    const r = await run([statusOf("dpkg/trivy/corrupsed.extracted/var/lib/dpkg/status")], UBUNTU1804);
    expect(r.packages.map((p) => p.name)).toEqual([
      "libpam-runtime",
      "libpam-modules-bin",
      "makedev",
      "libgcc1",
    ]);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^\/var\/lib\/dpkg\/status: stanza at line \d+ skipped: .*no Version/);
    expect(r.warnings[1]).toMatch(/invalid version "1:5\.#"/);
  });

  it("a broken line inside a stanza drops only that stanza", async () => {
    const text = readFileSync(pkgdbPath("dpkg/claircore/postgresql.status"), "utf8");
    const lines = text.split("\n");
    const second = lines.findIndex((l, i) => i > 0 && l.startsWith("Package:"));
    lines.splice(second + 1, 0, "this line has no colon");
    const r = await run([memoryFileRef(DPKG_STATUS, lines.join("\n"))]);
    expect(r.packages).toHaveLength(2);
    expect(r.warnings).toEqual([
      `/var/lib/dpkg/status: stanza at line ${second + 1} skipped: line ${second + 2} is not a "Field: value" line`,
    ]);
  });

  it("reads this machine's /var/lib/dpkg/status with info/*.list and copyright licences", async () => {
    expect(existsSync("/var/lib/dpkg/status")).toBe(true);
    const status = readFileSync("/var/lib/dpkg/status");
    const files: FileRef[] = [memoryFileRef(DPKG_STATUS, status, 0)];
    for (const n of readdirSync("/var/lib/dpkg/info")) {
      if (n.endsWith(".list"))
        files.push(memoryFileRef(`/var/lib/dpkg/info/${n}`, readFileSync(`/var/lib/dpkg/info/${n}`)));
    }
    for (const n of readdirSync("/usr/share/doc")) {
      const p = join("/usr/share/doc", n, "copyright");
      if (existsSync(p)) files.push(memoryFileRef(p, readFileSync(p)));
    }
    const r = await run(files, DEBIAN12);
    // Independent count: stanzas whose Status state is "installed".
    const want = status
      .toString()
      .split(/\n\n+/)
      .filter((s) => /^Status: \S+ \S+ installed$/m.test(s)).length;
    expect(want).toBeGreaterThan(50);
    expect(r.packages).toHaveLength(want);
    expect(r.warnings).toEqual([]);
    const withFiles = r.packages.filter((p) => p.files?.length).length;
    expect(withFiles / r.packages.length).toBeGreaterThan(0.95);
    const libc = r.packages.find((p) => p.name === "libc6");
    expect(libc?.files?.some((f) => /\/libc\.so\.6$/.test(f))).toBe(true);
    expect(libc?.sourceName).toBe("glibc");
    if (files.some((f) => f.path.endsWith("/copyright")))
      expect(r.packages.some((p) => p.licenses?.length)).toBe(true);

    // For an earlier layer state (attribution only): the same packages, without file lists or licences.
    const wanted = files.filter((f) => dpkgCataloger.wants(f.path, f.size));
    const ids = await dpkgCataloger.catalog({
      files: wanted,
      distro: DEBIAN12,
      exists: () => false,
      logger: silentLogger(),
      identityOnly: true,
    });
    const strip = ({ files: _f, licenses: _l, ...rest }: (typeof r.packages)[number]) => rest;
    expect(ids.packages).toEqual(r.packages.map(strip));
    expect(ids.packages.some((p) => p.files || p.licenses)).toBe(false);
  });
});

/** dpkg-query's view of a status file: installed packages as "name version arch source source-version". */
function dpkgQuery(status: Buffer): string[] {
  const dir = mkdtempSync(join(tmpdir(), "vigil-dpkgq-"));
  try {
    mkdirSync(join(dir, "updates"));
    mkdirSync(join(dir, "info"));
    writeFileSync(join(dir, "status"), status);
    const out = execFileSync(
      "dpkg-query",
      [
        `--admindir=${dir}`,
        "-W",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format syntax
        "-f=${db:Status-Status} ${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\\n",
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    return out
      .split("\n")
      .filter((l) => /^(installed|triggers-pending|triggers-awaited) /.test(l))
      .map((l) => l.slice(l.indexOf(" ") + 1))
      .sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("dpkg cataloger agrees with dpkg-query", () => {
  it.each([
    ["dpkg/claircore/texlive.status", 357],
    ["dpkg/trivy/valid.extracted/var/lib/dpkg/status", 90],
    ["dpkg/claircore/postgresql.status", 3],
    ["/var/lib/dpkg/status", 50],
  ])("%s", async (rel, atLeast) => {
    const buf = readFileSync(rel.startsWith("/") ? rel : pkgdbPath(rel));
    const want = dpkgQuery(buf);
    expect(want.length).toBeGreaterThanOrEqual(atLeast);
    const r = await run([memoryFileRef(DPKG_STATUS, buf)]);
    const got = r.packages
      .map((p) => `${p.name} ${p.version} ${p.arch} ${p.sourceName} ${p.sourceVersion ?? p.version}`)
      .sort();
    expect(got).toEqual(want);
  });
});

describe("distroless status.d", () => {
  it("libsqlite3-0 with md5sums as its file list and the copyright licences", async () => {
    const r = await run(treeFileRefs(pkgdbPath("dpkg/syft/image-distroless-deb"), 1), {
      ...DEBIAN12,
      versionId: "11",
    });
    expect(r.packages).toHaveLength(1);
    const p = r.packages[0]!;
    expect(p).toMatchObject({
      name: "libsqlite3-0",
      version: "3.34.1-3",
      arch: "arm64",
      sourceName: "sqlite3",
      locations: [{ path: "/var/lib/dpkg/status.d/libsqlite3-0", layerIndex: 1 }],
    });
    expect(p.purl).toBe("pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&distro=debian-11&upstream=sqlite3");
    expect(p.files).toContain("/usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6");
    expect(p.licenses).toEqual(["public-domain", "GPL-2+"]);
  });

  it.each([
    ["multiple", ["tzdata", "util-linux"], 2],
    ["deinstall", ["linux-image-6.14.0-1012-aws"], 0],
    ["single", ["apt"], 0],
    ["corrupt", [], 1],
    ["empty", [], 1],
  ])("status.d/%s", async (name, names, nWarnings) => {
    const f = statusOf(`dpkg/syft/var/lib/dpkg/status.d/${name}`, `/var/lib/dpkg/status.d/${name}`);
    const r = await run([f]);
    expect(r.packages.map((p) => p.name)).toEqual(names);
    expect(r.warnings).toHaveLength(nWarnings);
    for (const w of r.warnings) expect(w).toMatch(new RegExp(`^/var/lib/dpkg/status.d/${name}: `));
  });

  it("coreutils-relationships: 9 packages", async () => {
    const f = statusOf(
      "dpkg/syft/var/lib/dpkg/status.d/coreutils-relationships",
      "/var/lib/dpkg/status.d/coreutils",
    );
    expect((await run([f])).packages).toHaveLength(9);
  });

  it("wants status.d entries but not their maintainer scripts", () => {
    expect(dpkgCataloger.wants("/var/lib/dpkg/status.d/libc6", 1)).toBe(true);
    expect(dpkgCataloger.wants("/var/lib/dpkg/status.d/libc6.md5sums", 1)).toBe(true);
    expect(dpkgCataloger.wants("/var/lib/dpkg/status.d/libc6.preinst", 1)).toBe(false);
    expect(dpkgCataloger.wants("/var/lib/dpkg/info/libc6:amd64.list", 1)).toBe(true);
    expect(dpkgCataloger.wants("/var/lib/dpkg/info/libc6:amd64.md5sums", 1)).toBe(false);
    expect(dpkgCataloger.wants("/usr/share/doc/libc6/copyright", 1)).toBe(true);
    expect(dpkgCataloger.wants("/usr/share/doc/libc6/examples/copyright", 1)).toBe(false);
    expect(dpkgCataloger.wants("/var/lib/dpkg/status-old", 1)).toBe(false);
  });
});

describe("bad input", () => {
  const texlive = readFileSync(pkgdbPath("dpkg/claircore/texlive.status"));

  it("truncated status files give fewer packages, never a crash", async () => {
    let last = 0;
    for (const frac of [0.01, 0.13, 0.5, 0.77, 0.999]) {
      const cut = texlive.subarray(0, Math.floor(texlive.length * frac));
      const r = await run([memoryFileRef(DPKG_STATUS, cut)]);
      expect(r.packages.length).toBeLessThanOrEqual(357);
      expect(r.packages.length).toBeGreaterThanOrEqual(last);
      last = r.packages.length;
    }
    expect(last).toBeGreaterThanOrEqual(355);
  });

  it("a file cut inside a Version or Status line drops that stanza, with a warning naming its line", async () => {
    const text = texlive.toString();
    for (const field of ["Version: ", "Status: "]) {
      const at = text.lastIndexOf(`\n${field}`) + field.length + 3;
      const r = await run([memoryFileRef(DPKG_STATUS, text.slice(0, at))]);
      expect(r.packages).toHaveLength(356);
      expect(r.warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^/var/lib/dpkg/status: stanza at line \\d+ skipped: the file ends in the middle of its ${field.slice(0, -2)} line`,
          ),
        ),
      ]);
    }
    // Cut inside a field the cataloger does not read: the stanza stays.
    const d = text.lastIndexOf("\nDescription: ") + 20;
    const r = await run([memoryFileRef(DPKG_STATUS, text.slice(0, d))]);
    expect(r.packages).toHaveLength(357);
    expect(r.warnings).toEqual([expect.stringContaining("ends without a newline")]);
  });

  it("garbage text and binary content give a PACKAGE_DB error naming the file", async () => {
    const garbage = Buffer.from("asdf\n\nyolo\n");
    const bin = Buffer.alloc(2048, 0);
    for (const buf of [garbage, bin]) {
      const err = await run([memoryFileRef(DPKG_STATUS, buf)]).catch((e: unknown) => e);
      expect(isVigilError(err) && err.code === "PACKAGE_DB").toBe(true);
      expect((err as Error).message).toContain("/var/lib/dpkg/status");
    }
  });

  it("skips the stanzas a block of zeros fell into, with a warning each, and keeps the rest", async () => {
    const text = readFileSync(pkgdbPath("dpkg/claircore/texlive.status"));
    // A 4 KiB block zeroed in the middle of the file, as a crash can leave one.
    const hole = Buffer.from(text);
    const at = hole.indexOf("\nPackage: ", hole.length >> 1) + 100;
    hole.fill(0, at, at + 4096);
    const r = await run([memoryFileRef(DPKG_STATUS, hole)]);
    expect(r.packages.length).toBeGreaterThan(340);
    expect(r.packages.length).toBeLessThan(357);
    expect(r.warnings.length).toBeGreaterThan(0);
    for (const w of r.warnings)
      expect(w).toMatch(
        /^\/var\/lib\/dpkg\/status: stanza at line \d+ skipped: binary content \(NUL bytes or invalid UTF-8\)$/,
      );
    // Every package kept is one of the intact file's, unchanged.
    const all = new Map((await run([memoryFileRef(DPKG_STATUS, text)])).packages.map((p) => [p.id, p]));
    for (const p of r.packages) expect(p).toEqual(all.get(p.id));
    // The same with 0xff bytes (an erased flash block): not UTF-8 for hundreds of bytes.
    const erased = Buffer.from(text);
    erased.fill(0xff, at, at + 600);
    const e = await run([memoryFileRef(DPKG_STATUS, erased)]);
    expect(e.packages.length).toBeLessThan(357);
    expect(e.warnings.length).toBeGreaterThan(0);
    for (const w of e.warnings) expect(w).toMatch(/skipped: binary content/);
    for (const p of e.packages) expect(p).toEqual(all.get(p.id));
    // A maintainer's name in Latin-1 (one byte that is not UTF-8) is legacy text, not damage.
    const latin1 = Buffer.from(
      text.toString("latin1").replace("Maintainer: Ubuntu Developers", "Maintainer: Jos\u00e9 Developers"),
      "latin1",
    );
    const l = await run([memoryFileRef(DPKG_STATUS, latin1)]);
    expect(l.packages).toHaveLength(357);
    expect(l.warnings).toEqual([]);
    // Zeros appended after the last stanza (a file extended but never written): nothing is lost.
    const tail = Buffer.concat([text, Buffer.alloc(8192)]);
    const t = await run([memoryFileRef(DPKG_STATUS, tail)]);
    expect(t.packages).toHaveLength(357);
    expect(t.warnings).toEqual([expect.stringMatching(/stanza at line \d+ skipped: binary content/)]);
  });

  it("skips two stanzas that ran together (a lost blank line) with a warning, not one of them silently", async () => {
    const text = readFileSync(pkgdbPath("dpkg/claircore/texlive.status"), "utf8");
    const intact = await run([memoryFileRef(DPKG_STATUS, text)]);
    const gap = text.indexOf("\n\nPackage: ", text.length >> 1);
    const joined = `${text.slice(0, gap)}\n${text.slice(gap + 2)}`;
    const r = await run([memoryFileRef(DPKG_STATUS, joined)]);
    expect(r.packages).toHaveLength(intact.packages.length - 2);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^\/var\/lib\/dpkg\/status: stanza at line \d+ skipped: line \d+ repeats the Package field \(two stanzas run together\?\)$/,
      ),
    ]);
  });

  it("seeded damage never crashes; a zeroed block only ever removes packages, each with a warning", async () => {
    const text = readFileSync(pkgdbPath("dpkg/claircore/texlive.status"));
    const all = new Map((await run([memoryFileRef(DPKG_STATUS, text)])).packages.map((p) => [p.id, p]));
    const rnd = seededRandom(2024);
    for (let round = 0; round < 60; round++) {
      const b = Buffer.from(text);
      const at = rnd(b.length);
      const kind = round % 3;
      let damaged: Buffer = b;
      if (kind === 0) b.fill(0, at, Math.min(b.length, at + 1 + rnd(4096)));
      else if (kind === 1) for (let k = 0; k < 16; k++) b[rnd(b.length)] = rnd(256);
      else
        damaged = Buffer.concat([
          b.subarray(0, at),
          b.subarray(rnd(b.length), rnd(b.length)),
          b.subarray(at),
        ]);
      const out = await run([memoryFileRef(DPKG_STATUS, damaged)]).catch((e: unknown) => e);
      if (out instanceof Error) {
        expect(isVigilError(out) && out.code === "PACKAGE_DB", String(out)).toBe(true);
        continue;
      }
      const r = out as Awaited<ReturnType<typeof run>>;
      if (kind === 0) {
        for (const p of r.packages) expect(p).toEqual(all.get(p.id));
        if (r.packages.length < all.size) expect(r.warnings.length).toBeGreaterThan(0);
      }
    }
  });

  it("an empty status file is simply empty", async () => {
    expect((await run([memoryFileRef(DPKG_STATUS, "")])).packages).toEqual([]);
    expect((await run([statusOf("dpkg/osv-scalibr/dpkg/empty")])).packages).toEqual([]);
  });

  it("hostile field values are rejected", async () => {
    const r = await run([
      memoryFileRef(
        DPKG_STATUS,
        "Package: ok\nStatus: install ok installed\nVersion: 1.0\n\nPackage: \u001b[31mred\nStatus: install ok installed\nVersion: 1\n",
      ),
    ]);
    expect(r.packages.map((p) => p.name)).toEqual(["ok"]);
    expect(r.warnings[0]).toMatch(/invalid package name/);
  });
});

describe("helpers", () => {
  it("filesFromList drops directories that only hold listed paths", () => {
    expect(filesFromList("/.\n/usr\n/usr/bin\n/usr/bin/tar\n/usr/share/empty-dir\n/etc/x\n")).toEqual([
      "/usr/bin/tar",
      "/usr/share/empty-dir",
      "/etc/x",
    ]);
  });

  it("parseControl keeps continuation lines only for requested fields", () => {
    const { stanzas } = parseControl(
      "Package: a\nDescription: x\n more\nConffiles:\n /etc/a 1\nDepends: b\n",
      { multiline: new Set(["Conffiles"]), fields: new Set(["Package", "Description", "Conffiles"]) },
    );
    expect(stanzas[0]!.fields.get("Description")).toBe("x");
    expect(stanzas[0]!.fields.get("Conffiles")).toBe("\n/etc/a 1");
    expect(stanzas[0]!.fields.has("Depends")).toBe(false);
  });

  it("licences from the corpus copyright files", () => {
    const read = (rel: string) => readFileSync(pkgdbPath(rel), "utf8");
    expect(licensesFromCopyright(read("dpkg/trivy/common-license-copyright"))).toEqual(
      expect.arrayContaining(["GPL-2"]),
    );
    expect(
      licensesFromCopyright(read("dpkg/syft/image-dpkg/usr/share/doc/libpam-runtime/copyright")),
    ).toEqual(expect.arrayContaining(["GPL-2"]));
    expect(licensesFromCopyright(read("dpkg/trivy/no-license-copyright"))).toEqual([]);
  });
});
