import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { filesFromDir, runCataloger, type VirtualFile } from "../language-a-testing.js";
import { pythonCataloger, pythonRole } from "./cataloger.js";
import { licensesOf, normalizeName, parseHeaders, recordPaths } from "./metadata.js";

const corpus = fileURLToPath(new URL("../../../../shared/corpus/pkgdb/python/", import.meta.url));
const SP = "/usr/local/lib/python3.11/site-packages";
const VENV = "/opt/venv/lib/python3.8/site-packages";

const file = (path: string, rel: string, layerIndex = 0): VirtualFile => ({
  path,
  source: join(corpus, rel),
  layerIndex,
});

describe("python wants", () => {
  it("takes metadata, RECORD and installed-files only inside site-packages/dist-packages", () => {
    expect(pythonRole(`${SP}/pip-22.2.2.dist-info/METADATA`)).toBe("metadata");
    expect(pythonRole(`${SP}/pip-22.2.2.dist-info/RECORD`)).toBe("record");
    expect(pythonRole("/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO")).toBe("metadata");
    expect(pythonRole("/usr/lib/python3/dist-packages/six-1.16.0.egg-info")).toBe("metadata");
    expect(pythonRole(`${SP}/foo-1.0-py3.8.egg/EGG-INFO/PKG-INFO`)).toBe("metadata");
    expect(pythonRole(`${SP}/a.egg-info/installed-files.txt`)).toBe("installed-files");
    expect(pythonRole("/src/app/pip-22.2.2.dist-info/METADATA")).toBeUndefined();
    expect(pythonRole(`${SP}/pip/__init__.py`)).toBeUndefined();
  });
});

describe("python metadata parsing", () => {
  it("names normalise per PEP 503", () => {
    expect(normalizeName("Foo.Bar__baz-")).toBe("foo-bar-baz");
    expect(normalizeName("backports.ssl_match_hostname")).toBe("backports-ssl-match-hostname");
    expect(normalizeName("PyYAML")).toBe("pyyaml");
  });
  it("licences from License-Expression, License and classifiers", () => {
    expect(
      licensesOf(parseHeaders("Name: a\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n")),
    ).toEqual(["MIT OR Apache-2.0"]);
    expect(
      licensesOf(
        parseHeaders("Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n"),
      ),
    ).toEqual(["MIT"]);
    const setuptools = readFileSync(
      join(corpus, "trivy/classifier-license-dist/setuptools-51.3.3.dist-info/METADATA"),
      "utf8",
    );
    expect(licensesOf(parseHeaders(setuptools))).toEqual(["MIT"]);
    expect(licensesOf(parseHeaders(readFileSync(join(corpus, "osv-scalibr/egginfo"), "utf8")))).toEqual([
      "GPLv2+",
    ]);
  });
  it("RECORD paths resolve against site-packages", () => {
    const text = readFileSync(join(corpus, "syft/site-packages/nested/dist-name/dist-info/RECORD"), "utf8");
    const paths = recordPaths(text, SP);
    expect(paths).toContain("/usr/local/bin/pygmentize");
    expect(paths).toContain(`${SP}/Pygments-2.6.1.dist-info/RECORD`);
    expect(recordPaths('"a,b.py",sha256=x,1\n', "/sp")).toEqual(["/sp/a,b.py"]);
  });
});

describe("python cataloger on corpus files", () => {
  it("reads dist-info, egg-info dirs, single-file egg-info, case-insensitive keys and bad files", async () => {
    const files: VirtualFile[] = [
      file(`${SP}/pip-22.2.2.dist-info/METADATA`, "osv-scalibr/distinfo_meta", 2),
      file(`${SP}/pycups-2.0.1.egg-info`, "osv-scalibr/egginfo", 2),
      file(`${SP}/httplib2-1.0.dist-info/METADATA`, "osv-scalibr/mixed_case", 2),
      file(`${SP}/backports.ssl_match_hostname-3.5.0.1.dist-info/METADATA`, "osv-scalibr/special_chars", 2),
      file(`${SP}/passlib-1.7.4.egg-info/PKG-INFO`, "osv-scalibr/malformed_pkginfo", 2),
      file(`${SP}/root-1.0.0.dist-info/METADATA`, "osv-scalibr/repeated_pkginfo", 2),
      file(`${SP}/empty.dist-info/METADATA`, "osv-scalibr/empty", 2),
      file(`${SP}/distlib-0.3.1.dist-info/METADATA`, "trivy/happy-dist/distlib-0.3.1.dist-info/METADATA", 2),
      file(
        `${SP}/setuptools-51.3.3.egg-info/PKG-INFO`,
        "trivy/classifier-license-egg/setuptools-51.3.3.egg-info/PKG-INFO",
        2,
      ),
      file(
        `${SP}/typing_extensions-4.4.0.dist-info/METADATA`,
        "trivy/license-file-dist/typing_extensions-4.4.0.dist-info/METADATA",
        2,
      ),
    ];
    const res = await runCataloger(pythonCataloger, files);
    expect(res.packages.map((p) => p.purl).sort()).toEqual([
      "pkg:pypi/backports-ssl-match-hostname@3.5.0.1",
      "pkg:pypi/distlib@0.3.1",
      "pkg:pypi/httplib2@1.0",
      "pkg:pypi/passlib@1.7.4",
      "pkg:pypi/pip@22.2.2",
      "pkg:pypi/pycups@2.0.1",
      "pkg:pypi/root@1.0.0",
      "pkg:pypi/setuptools@51.3.3",
      "pkg:pypi/typing-extensions@4.4.0",
    ]);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain(`${SP}/empty.dist-info/METADATA`);
    const pip = res.packages.find((p) => p.name === "pip");
    expect(pip?.licenses).toEqual(["MIT"]);
    expect(pip?.locations).toEqual([{ path: `${SP}/pip-22.2.2.dist-info/METADATA`, layerIndex: 2 }]);
    expect(pip?.id).toBe(`pypi:pip@22.2.2:${SP}/pip-22.2.2.dist-info/METADATA`);
    expect(res.packages.find((p) => p.name === "backports.ssl_match_hostname")?.type).toBe("pypi");
  });
  it("syft fixtures: RECORD files become owned paths; malformed RECORD lines are skipped", async () => {
    const d = "syft/site-packages";
    const files: VirtualFile[] = [
      file(`${SP}/Pygments-2.6.1.dist-info/METADATA`, `${d}/nested/dist-name/dist-info/METADATA`),
      file(`${SP}/Pygments-2.6.1.dist-info/RECORD`, `${d}/nested/dist-name/dist-info/RECORD`),
      file(`${VENV}/Pygments-2.6.1.dist-info/METADATA`, `${d}/malformed-record/dist-info/METADATA`),
      file(`${VENV}/Pygments-2.6.1.dist-info/RECORD`, `${d}/malformed-record/dist-info/RECORD`),
      file(`${SP}/requests-2.22.0.egg-info/PKG-INFO`, `${d}/nested/egg-name/egg-info/PKG-INFO`),
      file(`${SP}/no_version-py3.8.egg-info`, `${d}/no-version/no-version-py3.8.egg-info`),
      file(`${SP}/partial.dist-info/METADATA`, `${d}/partial.dist-info/METADATA`),
      file(`${SP}/test.egg-info`, `${d}/test/test.egg-info`),
    ];
    const res = await runCataloger(pythonCataloger, files);
    const pygments = res.packages.find((p) => p.name === "Pygments" && p.locations[0]?.path.startsWith(SP));
    expect(pygments?.files).toContain("/usr/local/bin/pygmentize");
    expect(pygments?.files).toContain(`${SP}/Pygments-2.6.1.dist-info/RECORD`);
    expect(pygments?.metadata?.filesFrom).toBe(`${SP}/Pygments-2.6.1.dist-info/RECORD`);
    const venv = res.packages.find((p) => p.locations[0]?.path.startsWith(VENV));
    expect(venv?.id).toBe(`pypi:pygments@2.6.1:${VENV}/Pygments-2.6.1.dist-info/METADATA`);
    expect(venv?.files).toContain(`${VENV}/flask/json/tag.py`);
    expect(venv?.files?.some((f) => f.includes("<<<<") || f.includes("===="))).toBe(false);
    expect(res.packages.every((p) => p.version.length > 0)).toBe(true);
    // files without a version give warnings naming them, not exceptions
    for (const w of res.warnings)
      expect(w).toMatch(/^python: \/usr\/local\/lib\/python3.11\/site-packages\//);
    expect(res.warnings.some((w) => w.includes("no_version-py3.8.egg-info"))).toBe(true);
  });
  it("hostile and huge metadata", async () => {
    const huge = `Name: big\nVersion: 1.0\nSummary: ${"x".repeat(5_000_000)}\n\n${"body ".repeat(1_000_000)}`;
    const files: VirtualFile[] = [
      { path: `${SP}/big-1.0.dist-info/METADATA`, source: Buffer.from(huge) },
      { path: `${SP}/evil-1.dist-info/METADATA`, source: Buffer.from("Name: ev\u001b[2Jil\nVersion: 1\n") },
      { path: `${SP}/bin.dist-info/METADATA`, source: Buffer.from([0xff, 0xfe, 0, 1, 2, 3]) },
    ];
    const res = await runCataloger(pythonCataloger, files);
    expect(res.packages.map((p) => p.purl)).toEqual(["pkg:pypi/big@1.0"]);
    expect(res.packages[0]?.metadata?.summary?.length).toBe(512);
    expect(res.warnings).toHaveLength(2);
  });
});

/** Debian packages fetched with `apt-get download`, extracted with `dpkg-deb -x`, cached under os.tmpdir(). */
const DEBS = ["python3-requests", "python3-packaging"];
const CACHE_VERSION = "2";
/** Upstream version of a Debian version: "1:2.28.1+dfsg-1" → "2.28.1". */
function upstream(debVersion: string): string {
  const noEpoch = debVersion.slice(debVersion.indexOf(":") + 1);
  const dash = noEpoch.lastIndexOf("-");
  const up = dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
  const plus = up.indexOf("+");
  return plus > 0 ? up.slice(0, plus) : up;
}

function debianRoot(): { root: string; lists: Map<string, string[]>; versions: Map<string, string> } {
  const dir = join(tmpdir(), `vigil-python-debs-${CACHE_VERSION}-${DEBS.join("_")}`);
  if (!existsSync(join(dir, "done"))) {
    const work = `${dir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, "root"), { recursive: true });
    execFileSync("apt-get", ["download", ...DEBS], { cwd: work, stdio: "pipe", timeout: 120_000 });
    for (const deb of readdirSync(work).filter((f) => f.endsWith(".deb"))) {
      execFileSync("dpkg-deb", ["-x", deb, "root"], { cwd: work });
      const list = execFileSync("dpkg-deb", ["-c", deb], { cwd: work, encoding: "utf8" })
        .split("\n")
        .map((l) => l.slice(l.indexOf("./") + 1).replace(/\/$/, ""))
        .filter((l) => l.startsWith("/"));
      writeFileSync(join(work, `${deb.split("_")[0]}.list`), list.join("\n"));
      const version = execFileSync("dpkg-deb", ["-f", deb, "Version"], {
        cwd: work,
        encoding: "utf8",
      }).trim();
      writeFileSync(join(work, `${deb.split("_")[0]}.version`), version);
    }
    writeFileSync(join(work, "done"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  }
  const lists = new Map<string, string[]>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".list"))) {
    lists.set(f.slice(0, -5), readFileSync(join(dir, f), "utf8").split("\n"));
  }
  const versions = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".version"))) {
    versions.set(f.slice(0, -8), upstream(readFileSync(join(dir, f), "utf8")));
  }
  return { root: join(dir, "root"), lists, versions };
}

describe("python cataloger on Debian's python3-* packages", () => {
  it("finds requests (egg-info) and packaging (dist-info with RECORD); evidence paths are in the debs' file lists", async () => {
    const { root, lists, versions } = debianRoot();
    const res = await runCataloger(pythonCataloger, filesFromDir(root, "/", 1));
    // the upstream versions the debs declare (bookworm: 2.28.1 and 23.0)
    const rv = versions.get("python3-requests");
    const pv = versions.get("python3-packaging");
    expect(res.packages.map((p) => p.purl).sort()).toEqual([
      `pkg:pypi/packaging@${pv}`,
      `pkg:pypi/requests@${rv}`,
    ]);
    const requests = res.packages.find((p) => p.name === "requests");
    expect(requests?.locations[0]?.path).toMatch(
      /^\/usr\/lib\/python3\/dist-packages\/requests-[\d.]+\.(egg|dist)-info/,
    );
    expect(requests?.licenses?.length).toBe(1);
    // The indexer links ownership by evidence path: each evidence file is in its deb's file list.
    expect(lists.get("python3-requests")).toContain(requests?.locations[0]?.path);
    const packaging = res.packages.find((p) => p.name === "packaging");
    expect(lists.get("python3-packaging")).toContain(packaging?.locations[0]?.path);
    expect(packaging?.files).toContain("/usr/lib/python3/dist-packages/packaging/version.py");
    expect(res.warnings).toEqual([]);
  }, 120_000);
});
