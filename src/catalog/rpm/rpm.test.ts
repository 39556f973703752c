import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { seededRandom } from "../../core/test-helpers/random.js";
import type { Distro } from "../../sbom/model.js";
import { memoryFileRef } from "../distro/file-ref.js";
import { pkgdbPath } from "../distro/testing.js";
import type { FileRef } from "../types.js";
import { readBdbHash } from "./bdb.js";
import { rpmCataloger, splitSourceRpm } from "./cataloger.js";
import { parseRpmHeader } from "./header.js";
import { readNdb } from "./ndb.js";

const SLE: Distro = { id: "sles", versionId: "15.3" };
const MARINER: Distro = { id: "mariner", versionId: "2.0" };

const BDB_LIBUUID = "rpm/go-rpmdb/libuuid/Packages";
const BDB_DIVE = "rpm/syft/syft/pkg/cataloger/redhat/testdata/Packages";
const BDB_EPOCH = "rpm/osv-scalibr/Packages_epoch";
const NDB_SLE = "rpm/go-rpmdb/sle15-bci/Packages.db";
const SQLITE_MARINER = "rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite";

function run(files: FileRef[], distro?: Distro) {
  return rpmCataloger.catalog({ files, distro, exists: () => false, logger: silentLogger() });
}
const read = (rel: string) => readFileSync(pkgdbPath(rel));
const ref = (path: string, rel: string | Buffer, layer = 0) =>
  memoryFileRef(path, typeof rel === "string" ? read(rel) : rel, layer);

async function expectPackageDbError(p: Promise<unknown>, path: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isVigilError(err) && err.code === "PACKAGE_DB", String(err)).toBe(true);
  expect((err as Error).message).toContain(path);
}

describe("rpm NDB (SLE 15 BCI)", () => {
  it("35 packages equal to go-rpmdb's expected list, field by field, in database order", async () => {
    const r = await run([ref("/var/lib/rpm/Packages.db", NDB_SLE)], SLE);
    const tsv = readFileSync(
      new URL(
        "../../../../shared/corpus/expected/go-rpmdb/sle15-bci-Packages.db.expected.tsv",
        import.meta.url,
      ),
      "utf8",
    )
      .trimEnd()
      .split("\n");
    const header = tsv.shift()!.split("\t");
    expect(header).toEqual([
      "epoch",
      "name",
      "version",
      "release",
      "arch",
      "sourcerpm",
      "size",
      "license",
      "vendor",
      "modularitylabel",
      "summary",
      "sigmd5",
    ]);
    expect(r.warnings).toEqual([]);
    expect(r.packages).toHaveLength(35);
    expect(tsv).toHaveLength(35);
    tsv.forEach((line, i) => {
      const [epoch, name, version, release, arch, srpm, size, license, vendor, mod, summary, sigmd5] =
        line.split("\t");
      const p = r.packages[i]!;
      expect({
        epoch: p.epoch === undefined ? "" : String(p.epoch),
        name: p.name,
        version: p.version,
        arch: p.arch,
        srpm: p.metadata?.sourceRpm,
        size: p.metadata?.size,
        license: p.licenses?.[0],
        vendor: p.metadata?.vendor ?? "",
        mod: p.metadata?.modularityLabel ?? "",
        summary: p.metadata?.summary,
        sigmd5: p.metadata?.sigmd5,
      }).toEqual({
        epoch,
        name,
        version: `${version}-${release}`,
        arch,
        srpm,
        size,
        license,
        vendor,
        mod,
        summary,
        sigmd5,
      });
    });
    const bash = r.packages.find((p) => p.name === "bash");
    expect(bash?.purl).toMatch(/^pkg:rpm\/sles\/bash@[^?]+\?arch=x86_64&distro=sles-15.3&upstream=bash-/);
    expect(bash?.files).toContain("/usr/bin/bash");
  });
});

describe("rpm SQLite (CBL-Mariner 2.0)", () => {
  it("129 packages, curl 7.76.0-6.cm2 with its fields and purl", async () => {
    const r = await run([ref("/var/lib/rpm/rpmdb.sqlite", SQLITE_MARINER, 4)], MARINER);
    expect(r.warnings).toEqual([]);
    expect(r.packages).toHaveLength(129);
    const curl = r.packages.find((p) => p.name === "curl")!;
    expect(curl).toMatchObject({
      id: "rpm:curl@7.76.0-6.cm2:x86_64",
      type: "rpm",
      namespace: "mariner",
      version: "7.76.0-6.cm2",
      arch: "x86_64",
      sourceName: "curl",
      licenses: ["MIT"],
      foundBy: "rpm",
      locations: [{ path: "/var/lib/rpm/rpmdb.sqlite", layerIndex: 4 }],
    });
    expect(curl.metadata).toMatchObject({
      vendor: "Microsoft Corporation",
      sourceRpm: "curl-7.76.0-6.cm2.src.rpm",
    });
    expect(curl.purl).toBe(
      "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0&upstream=curl-7.76.0-6.cm2.src.rpm",
    );
    expect(curl.files).toContain("/usr/bin/curl");
    // Independent check against the table itself.
    const dir = mkdtempSync(join(tmpdir(), "vigil-rpm-test-"));
    try {
      const db = new Database(pkgdbPath(SQLITE_MARINER), { readonly: true, fileMustExist: true });
      const n = (db.prepare("SELECT count(*) AS n FROM Packages").get() as { n: number }).n;
      db.close();
      expect(n).toBe(129);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads through a write-ahead log (-wal) that holds uncheckpointed changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-rpm-wal-"));
    try {
      const path = join(dir, "rpmdb.sqlite");
      const db = new Database(path);
      db.exec(`ATTACH '${pkgdbPath(SQLITE_MARINER)}' AS src`);
      db.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
      db.exec("INSERT INTO Packages SELECT hnum, blob FROM src.Packages");
      db.exec("DETACH src");
      db.pragma("journal_mode = WAL");
      db.pragma("wal_autocheckpoint = 0");
      const curlRow = db.prepare("SELECT hnum, blob FROM Packages").all() as { hnum: number; blob: Buffer }[];
      const curl = curlRow.find((row) => (parseRpmHeader(row.blob) as { name: string }).name === "curl")!;
      db.prepare("DELETE FROM Packages WHERE hnum = ?").run(curl.hnum);
      const main = readFileSync(path);
      const wal = readFileSync(`${path}-wal`);
      expect(wal.length).toBeGreaterThan(0);
      const r = await run(
        [ref("/usr/lib/sysimage/rpm/rpmdb.sqlite", main), ref("/usr/lib/sysimage/rpm/rpmdb.sqlite-wal", wal)],
        MARINER,
      );
      db.close();
      expect(r.packages).toHaveLength(128);
      expect(r.packages.find((p) => p.name === "curl")).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("no_packages.sqlite (no Packages table) is a PACKAGE_DB error; empty.sqlite (0 bytes) is empty", async () => {
    const p = "/var/lib/rpm/rpmdb.sqlite";
    await expectPackageDbError(run([ref(p, "rpm/claircore/sqlite/testdata/no_packages.sqlite")]), p);
    const r = await run([ref(p, "rpm/osv-scalibr/empty.sqlite")]);
    expect(r.packages).toEqual([]);
    expect(r.warnings).toEqual([`${p}: empty rpm database`]);
  });
});

describe("rpm BerkeleyDB", () => {
  it("libuuid 2.32.1-42.el8_8 (RHEL 8)", async () => {
    const r = await run([ref("/var/lib/rpm/Packages", BDB_LIBUUID)], { id: "rhel", versionId: "8.8" });
    expect(r.packages).toHaveLength(1);
    const p = r.packages[0]!;
    expect(p).toMatchObject({
      name: "libuuid",
      version: "2.32.1-42.el8_8",
      arch: "x86_64",
      sourceName: "util-linux",
      licenses: ["BSD"],
      namespace: "redhat",
    });
    expect(p.metadata).toMatchObject({
      vendor: "Red Hat, Inc.",
      sourceRpm: "util-linux-2.32.1-42.el8_8.src.rpm",
    });
    expect(p.purl).toBe(
      "pkg:rpm/redhat/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8&upstream=util-linux-2.32.1-42.el8_8.src.rpm",
    );
    expect(p.files).toContain("/usr/lib64/libuuid.so.1");
  });

  it("dive 0.9.2-1 (syft fixture, also read from /usr/lib/sysimage/rpm)", async () => {
    const r = await run([ref("/usr/lib/sysimage/rpm/Packages", BDB_DIVE)]);
    expect(r.packages.map((p) => `${p.name} ${p.version}`)).toEqual(["dive 0.9.2-1"]);
    expect(r.packages[0]!.purl).toBe("pkg:rpm/dive@0.9.2-1?arch=x86_64&upstream=dive-0.9.2-1.src.rpm");
  });

  it("hello with epoch 1 (Fedora 32)", async () => {
    const r = await run([ref("/var/lib/rpm/Packages", BDB_EPOCH)], { id: "fedora", versionId: "32" });
    const p = r.packages[0]!;
    expect(p).toMatchObject({
      id: "rpm:hello@1:0.0.1-rls:x86_64",
      name: "hello",
      version: "0.0.1-rls",
      epoch: 1,
    });
    expect(p.purl).toBe(
      "pkg:rpm/fedora/hello@0.0.1-rls?arch=x86_64&distro=fedora-32&epoch=1&upstream=hello-0.0.1-rls.src.rpm",
    );
  });

  it("an overflow chain that loops is reported, not followed forever", () => {
    const buf = Buffer.from(read(BDB_LIBUUID));
    const pageSize = buf.readUInt32LE(20);
    // Point every overflow page's next_pgno at itself.
    for (let pg = 1; pg * pageSize < buf.length; pg++) {
      if (buf[pg * pageSize + 25] === 7) buf.writeUInt32LE(pg, pg * pageSize + 16);
    }
    const r = readBdbHash(buf);
    expect(r.values.filter((v) => v.value.length > 8)).toEqual([]);
    expect(r.errors.some((e) => /link back|used twice/.test(e))).toBe(true);
  });
});

describe("rpm database selection", () => {
  it("prefers sqlite over NDB over BerkeleyDB and ignores gpg-pubkey", async () => {
    const r = await run([
      ref("/var/lib/rpm/Packages", BDB_LIBUUID),
      ref("/var/lib/rpm/Packages.db", NDB_SLE),
    ]);
    expect(r.packages).toHaveLength(35);
    expect(r.packages.every((p) => p.name !== "gpg-pubkey")).toBe(true);
    expect(r.packages.every((p) => p.locations[0]!.path === "/var/lib/rpm/Packages.db")).toBe(true);
  });

  it("wants exactly the database paths", () => {
    for (const p of [
      "/var/lib/rpm/Packages",
      "/var/lib/rpm/Packages.db",
      "/var/lib/rpm/rpmdb.sqlite",
      "/var/lib/rpm/rpmdb.sqlite-wal",
      "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    ])
      expect(rpmCataloger.wants(p, 1)).toBe(true);
    for (const p of ["/var/lib/rpm/Name", "/var/lib/rpm/rpmdb.sqlite-shm", "/var/lib/rpm/Packages.bak"])
      expect(rpmCataloger.wants(p, 1)).toBe(false);
  });
});

describe("rpm bad input", () => {
  const cases: [string, string][] = [
    ["/var/lib/rpm/Packages", BDB_LIBUUID],
    ["/var/lib/rpm/Packages.db", NDB_SLE],
    ["/var/lib/rpm/rpmdb.sqlite", SQLITE_MARINER],
  ];

  for (const [path, rel] of cases) {
    it(`truncated ${rel}: fewer packages with warnings, or a PACKAGE_DB error`, async () => {
      const full = read(rel);
      for (const frac of [0.001, 0.02, 0.1, 0.35, 0.5, 0.9, 0.999]) {
        const cut = full.subarray(0, Math.max(1, Math.floor(full.length * frac)));
        const out = await run([ref(path, cut)]).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (out instanceof Error) {
          expect(isVigilError(out) && out.code === "PACKAGE_DB", String(out)).toBe(true);
          expect(out.message).toContain(path);
        } else {
          const r = out as Awaited<ReturnType<typeof run>>;
          expect(r.packages.length).toBeLessThanOrEqual(path.endsWith("sqlite") ? 129 : 35);
        }
      }
    });

    it(`garbage at ${path} is a PACKAGE_DB error`, async () => {
      const junk = Buffer.alloc(64 * 1024);
      for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
      await expectPackageDbError(run([ref(path, junk)]), path);
      await expectPackageDbError(run([ref(path, Buffer.from("hello, not a database\n"))]), path);
    });

    it(`random byte flips in ${rel} never crash`, async () => {
      const full = read(rel);
      const rnd = seededRandom(12345);
      for (let round = 0; round < 40; round++) {
        const buf = Buffer.from(full);
        for (let k = 0; k < 64; k++) buf[rnd(buf.length)] = rnd(256);
        const out = await run([ref(path, buf)]).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (out instanceof Error)
          expect(isVigilError(out) && out.code === "PACKAGE_DB", String(out)).toBe(true);
      }
    });
  }

  it("bytes inserted into a BerkeleyDB file (every later page shifted) are an error, not an empty list", async () => {
    const full = read(BDB_LIBUUID);
    // 3,154 bytes of the file copied in at offset 5,893: no page after the first lines up any more.
    const shifted = Buffer.concat([
      full.subarray(0, 5893),
      full.subarray(74065, 74065 + 3154),
      full.subarray(5893),
    ]);
    const err = await run([ref("/var/lib/rpm/Packages", shifted)]).catch((e: unknown) => e);
    expect(isVigilError(err) && err.code === "PACKAGE_DB", String(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /^\/var\/lib\/rpm\/Packages: no readable package in the rpm database \(.*shifted or corrupt data/,
    );
    // A hash page whose header names another page number is skipped with a warning.
    const moved = Buffer.from(full);
    const pageSize = moved.readUInt32LE(20);
    const hashPage = [...Array(Math.floor(moved.length / pageSize)).keys()].find(
      (p) => p > 0 && moved[p * pageSize + 25] === 13,
    )!;
    moved.writeUInt32LE(hashPage + 7, hashPage * pageSize + 8);
    const out = await run([ref("/var/lib/rpm/Packages", moved)]).catch((e: unknown) => e);
    const text = isVigilError(out) ? out.message : (out as { warnings: string[] }).warnings.join("\n");
    expect(text).toContain(`hash page ${hashPage} says it is page ${hashPage + 7} (shifted or corrupt data)`);
  });

  it("a header whose bytes no longer match rpm's own SHA-256 of it is skipped, not read as another version", async () => {
    const intact = await run([ref("/var/lib/rpm/Packages.db", NDB_SLE)], SLE);
    const buf = Buffer.from(read(NDB_SLE));
    const blob = readNdb(buf).values[5]!.value;
    const at = blob.byteOffset - buf.byteOffset;
    const name = parseRpmHeader(blob);
    if (typeof name === "string") throw new Error(name);
    // Change the version's first digit inside the stored header (a damaged disk block would).
    const v = buf.indexOf(Buffer.from(`\0${name.version}\0`), at) + 1;
    expect(v).toBeGreaterThan(at);
    buf[v] = buf[v] === 0x39 ? 0x38 : 0x39;
    const r = await run([ref("/var/lib/rpm/Packages.db", buf)], SLE);
    expect(r.packages).toHaveLength(intact.packages.length - 1);
    expect(r.packages.map((p) => p.name)).not.toContain(name.name);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^\/var\/lib\/rpm\/Packages\.db: package \d+ skipped: header SHA-256 mismatch \(damaged database\)$/,
      ),
    ]);
  });

  it("a damaged header blob in NDB skips that package only, with a warning naming it", async () => {
    const buf = Buffer.from(read(NDB_SLE));
    const first = readNdb(buf).values[3]!;
    const at = first.value.byteOffset - buf.byteOffset;
    buf.writeUInt32BE(0x7fffffff, at + 4); // data length far beyond the blob
    const r = await run([ref("/var/lib/rpm/Packages.db", buf)]);
    expect(r.packages).toHaveLength(34);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^\/var\/lib\/rpm\/Packages\.db: package \d+ skipped: bad header data length/),
    ]);
  });
});

describe("rpm header and helpers", () => {
  it("parses claircore's raw package.header blob", () => {
    const h = parseRpmHeader(read("rpm/claircore/rpmdb/testdata/package.header"));
    expect(typeof h).toBe("object");
    const hh = h as Exclude<typeof h, string>;
    expect(hh.name.length).toBeGreaterThan(0);
    expect(hh.version.length).toBeGreaterThan(0);
    expect(hh.files.length).toBeGreaterThan(0);
  });

  it("rejects hostile headers without reading out of range", () => {
    const b = Buffer.alloc(8 + 16 + 4);
    b.writeUInt32BE(1, 0);
    b.writeUInt32BE(4, 4);
    b.writeUInt32BE(1000, 8); // NAME
    b.writeUInt32BE(6, 12); // STRING
    b.writeUInt32BE(0, 16);
    b.writeUInt32BE(1, 20);
    b.write("abcd", 24); // no NUL terminator
    expect(parseRpmHeader(b)).toMatch(/unterminated string/);
    expect(parseRpmHeader(Buffer.alloc(3))).toMatch(/too short/);
    const big = Buffer.alloc(8);
    big.writeUInt32BE(0x10000, 0);
    expect(parseRpmHeader(big)).toMatch(/bad header index count/);
  });

  it("splitSourceRpm", () => {
    expect(splitSourceRpm("curl-7.76.0-6.cm2.src.rpm")).toEqual({ name: "curl", version: "7.76.0-6.cm2" });
    expect(splitSourceRpm("util-linux-2.32.1-42.el8_8.src.rpm")).toEqual({
      name: "util-linux",
      version: "2.32.1-42.el8_8",
    });
    expect(splitSourceRpm("weird.nosrc.rpm")).toEqual({ name: "weird" });
  });
});

describe("rpm SQLite input buffer", () => {
  it("is left unchanged (the WAL header bytes are restored)", async () => {
    const buf = read(SQLITE_MARINER);
    const before = Buffer.from(buf);
    expect(buf[18]).toBe(2);
    const r = await run([ref("/var/lib/rpm/rpmdb.sqlite", buf)]);
    expect(r.packages).toHaveLength(129);
    expect(buf.equals(before)).toBe(true);
  });
});
