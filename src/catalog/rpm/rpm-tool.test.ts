/**
 * Cross-checks the rpm cataloger against rpm itself (Debian package `rpm`: rpm, rpmbuild; and `gpg`):
 * databases rpm reads (the corpus SQLite and BerkeleyDB files) and a database rpm writes here from
 * packages rpmbuild makes (epoch, modularity label, vendor, licence expression, a gpg-pubkey entry,
 * a live write-ahead log). Fails, rather than skips, when the tools are missing.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/logger.js";
import type { Package } from "../../sbom/model.js";
import { memoryFileRef } from "../distro/file-ref.js";
import { pkgdbPath } from "../distro/testing.js";
import type { FileRef } from "../types.js";
import { rpmCataloger } from "./cataloger.js";

const FS = "\x1e";
const LS = "\x1f";
const QF = `${[
  "%{NAME}",
  "%{EPOCH}",
  "%{VERSION}-%{RELEASE}",
  "%{ARCH}",
  "%{SOURCERPM}",
  "%{LICENSE}",
  "%{VENDOR}",
  "%{MODULARITYLABEL}",
  "%{SUMMARY}",
  "%{SIZE}",
  `[%{FILENAMES}${LS}]`,
].join(FS)}\n`;

function which(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** rpm's view of a database directory, one normalised line per package (gpg-pubkey left out). */
function rpmQuery(dbDir: string, backend?: string): string[] {
  const args = [
    "--dbpath",
    dbDir,
    ...(backend ? ["--define", `_db_backend ${backend}`] : []),
    "-qa",
    "--qf",
    QF,
  ];
  const out = execFileSync("rpm", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(FS).map((v) => (v === "(none)" ? "" : v)))
    .filter((f) => f[0] !== "gpg-pubkey")
    .map((f) => {
      f[10] = f[10]!
        .split(LS)
        .filter((x) => x !== "")
        .sort()
        .join(",");
      return f.join(" | ");
    })
    .sort();
}

/** Our view, in the same shape. */
function ours(pkgs: Package[]): string[] {
  return pkgs
    .map((p) =>
      [
        p.name,
        p.epoch === undefined ? "" : String(p.epoch),
        p.version,
        p.arch ?? "",
        p.metadata?.sourceRpm ?? "",
        p.licenses?.[0] ?? "",
        p.metadata?.vendor ?? "",
        p.metadata?.modularityLabel ?? "",
        p.metadata?.summary ?? "",
        p.metadata?.size ?? "",
        [...(p.files ?? [])].sort().join(","),
      ].join(" | "),
    )
    .sort();
}

async function catalog(files: FileRef[]): Promise<Package[]> {
  const r = await rpmCataloger.catalog({ files, exists: () => true, logger: silentLogger() });
  expect(r.warnings).toEqual([]);
  return r.packages;
}

let work: string;
beforeAll(() => {
  for (const tool of ["rpm", "rpmbuild", "gpg"]) {
    if (!which(tool)) throw new Error(`${tool} is required for this test (Debian packages: rpm, gpg)`);
  }
  work = mkdtempSync(join(tmpdir(), "vigil-rpmtool-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("rpm cataloger agrees with rpm 4.18", () => {
  it("on the CBL-Mariner SQLite database: all 129 packages, every field and file", async () => {
    const dir = join(work, "mariner");
    mkdirSync(dir);
    copyFileSync(pkgdbPath("rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"), join(dir, "rpmdb.sqlite"));
    const want = rpmQuery(dir);
    expect(want).toHaveLength(129);
    const got = ours(
      await catalog([memoryFileRef("/var/lib/rpm/rpmdb.sqlite", readFileSync(join(dir, "rpmdb.sqlite")))]),
    );
    expect(got).toEqual(want);
  });

  it.each([
    "rpm/go-rpmdb/libuuid/Packages",
    "rpm/osv-scalibr/Packages_epoch",
    "rpm/syft/syft/pkg/cataloger/redhat/testdata/Packages",
  ])("on the BerkeleyDB database %s (read by rpm's bdb_ro backend)", async (rel) => {
    const dir = join(work, rel.replace(/\W/g, "_"));
    mkdirSync(dir);
    copyFileSync(pkgdbPath(rel), join(dir, "Packages"));
    const want = rpmQuery(dir, "bdb_ro");
    expect(want).toHaveLength(1);
    expect(
      ours(await catalog([memoryFileRef("/var/lib/rpm/Packages", readFileSync(pkgdbPath(rel)))])),
    ).toEqual(want);
  });

  it("on a database rpm writes from packages rpmbuild makes (epoch, modularity label, gpg-pubkey, WAL)", async () => {
    const top = join(work, "build");
    const specs: [string, string][] = [
      [
        "epoch.spec",
        `Name: vigil-test-epoch
Epoch: 3
Version: 1.2.3
Release: 4.module+el8
Summary: test package with an epoch and a modularity label
License: MIT AND (GPL-2.0-or-later OR BSD-3-Clause)
Vendor: Vigil Test Vendor
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/share/vigil-test %{buildroot}/etc
echo hi > %{buildroot}/usr/share/vigil-test/a.txt
echo x > %{buildroot}/etc/vigil-test.conf
%files
/usr/share/vigil-test
%config /etc/vigil-test.conf
`,
      ],
      [
        "plain.spec",
        `Name: vigil-test-plain
Version: 0.9
Release: 1
Summary: plain package
License: ASL 2.0
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\\n' > %{buildroot}/usr/bin/vigil-plain
%files
/usr/bin/vigil-plain
`,
      ],
    ];
    for (const [name, text] of specs) {
      writeFileSync(join(work, name), text);
      const defs = ["--define", `_topdir ${top}`];
      if (name === "epoch.spec")
        defs.push("--define", "modularitylabel perl:5.30:8040020200923213406:466ea64f");
      execFileSync("rpmbuild", [...defs, "-bb", join(work, name)], { stdio: "ignore" });
    }
    const db = join(work, "db");
    mkdirSync(db);
    execFileSync("rpm", ["--dbpath", db, "--initdb"], { stdio: "ignore" });
    const rpms = ["vigil-test-epoch-1.2.3-4.module+el8.noarch.rpm", "vigil-test-plain-0.9-1.noarch.rpm"].map(
      (f) => join(top, "RPMS", "noarch", f),
    );
    for (const f of rpms) expect(existsSync(f)).toBe(true);
    execFileSync("rpm", ["--dbpath", db, "-i", "--justdb", "--nodeps", "--noscripts", ...rpms], {
      stdio: "ignore",
    });
    // A gpg-pubkey entry, from a Debian archive key exported as armour.
    const gnupg = mkdtempSync(join(work, "gnupg-"));
    const key = execFileSync(
      "gpg",
      [
        "--batch",
        "--no-default-keyring",
        "--keyring",
        "/usr/share/keyrings/debian-archive-keyring.gpg",
        "--export",
        "--armor",
      ],
      { env: { ...process.env, GNUPGHOME: gnupg }, stdio: ["ignore", "pipe", "ignore"] },
    );
    expect(key.length).toBeGreaterThan(100);
    writeFileSync(join(work, "key.asc"), key);
    execFileSync("rpm", ["--dbpath", db, "--import", join(work, "key.asc")], { stdio: "ignore" });
    const all = execFileSync("rpm", ["--dbpath", db, "-qa", "--qf", "%{NAME}\n"], { encoding: "utf8" });
    expect(all).toContain("gpg-pubkey");

    const files = [
      memoryFileRef("/usr/lib/sysimage/rpm/rpmdb.sqlite", readFileSync(join(db, "rpmdb.sqlite"))),
    ];
    const wal = join(db, "rpmdb.sqlite-wal");
    if (existsSync(wal))
      files.push(memoryFileRef("/usr/lib/sysimage/rpm/rpmdb.sqlite-wal", readFileSync(wal)));
    const pkgs = await catalog(files);
    expect(ours(pkgs)).toEqual(rpmQuery(db));
    const e = pkgs.find((p) => p.name === "vigil-test-epoch")!;
    expect(e).toMatchObject({
      epoch: 3,
      version: "1.2.3-4.module+el8",
      arch: "noarch",
      sourceName: "vigil-test-epoch",
    });
    expect(e.metadata?.modularityLabel).toBe("perl:5.30:8040020200923213406:466ea64f");
    expect(e.purl).toBe(
      "pkg:rpm/vigil-test-epoch@1.2.3-4.module+el8?arch=noarch&epoch=3&upstream=vigil-test-epoch-1.2.3-4.module%2Bel8.src.rpm",
    );
    expect(pkgs.map((p) => p.name).sort()).toEqual(["vigil-test-epoch", "vigil-test-plain"]);
  });
});
