import { spawnSync } from "node:child_process";
import { existsSync, mkdtemp, readdirSync, readFileSync, rm } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../core/logger.js";
import { buildLayer, type TarEntrySpec, writeOciLayout } from "../image/test-helpers/build-image.js";
import type { Package } from "../sbom/model.js";
import { indexImage, linkOwnedPackages } from "./indexer.js";

const CORPUS = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../examples/debian-app", import.meta.url));

let work: string;
beforeAll(async () => {
  work = await promisify(mkdtemp)(join(tmpdir(), "vigil-indexer-test-"));
  process.env.VIGIL_CACHE_DIR = join(work, "cache");
});
afterAll(() => promisify(rm)(work, { recursive: true, force: true }));

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    progress: (m) => void lines.push(`✓ ${m}`),
    warn: (m) => {
      warnings.push(m);
      lines.push(`! ${m}`);
    },
    debug: () => {},
  };
}

/** Raw stanzas of a real dpkg status file, by package name. */
function stanzas(path: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of readFileSync(path, "utf8").split(/\n\s*\n/)) {
    const m = /^Package: (.+)$/m.exec(block);
    if (m && /^Status: install ok installed$/m.test(block)) out.set(m[1]!, block.trim());
  }
  return out;
}
const version = (stanza: string) => /^Version: (.+)$/m.exec(stanza)![1]!;

const OS_RELEASE = 'NAME="Ubuntu"\nVERSION_ID="18.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=bionic\n';

describe("indexer on the bundled example image", () => {
  it("finds the Debian and npm packages, the distro, and the layer that introduced each version", async () => {
    const logger = recordingLogger();
    const sbom = await indexImage(`oci-dir://${EXAMPLE}`, { logger, cacheDir: join(work, "c1") });
    const byName = new Map(sbom.packages.map((p) => [p.name, p]));
    expect(sbom.distro).toMatchObject({ id: "debian", versionId: "12", codename: "bookworm" });
    expect(sbom.packages.filter((p) => p.type === "deb")).toHaveLength(14);
    expect(
      sbom.packages
        .filter((p) => p.type === "npm")
        .map((p) => `${p.name}@${p.version}`)
        .sort(),
    ).toEqual(["lodash@4.17.15", "minimist@1.2.5"]);
    // Unchanged in layer 1's rewrite of the status file: stays in layer 0.
    expect(byName.get("libc6")?.layerIndex).toBe(0);
    expect(byName.get("zlib1g")?.layerIndex).toBe(0);
    // Upgraded and newly installed in layer 1.
    expect(byName.get("libssl3")).toMatchObject({ version: "3.0.22-1~deb12u2", layerIndex: 1 });
    expect(byName.get("tzdata")?.layerIndex).toBe(1);
    expect(byName.get("openssl")?.layerIndex).toBe(1);
    expect(byName.get("minimist")?.layerIndex).toBe(2);
    expect(byName.get("libssl3")?.layerDiffId).toBe(sbom.image.layers[1]!.diffId);
    expect(byName.get("libssl3")?.purl).toBe(
      "pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
    );
    expect(byName.get("libssl3")?.sourceName).toBe("openssl");
    expect(byName.get("libssl3")?.locations[0]).toMatchObject({
      path: "/var/lib/dpkg/status",
      layerIndex: 1,
    });
    expect(sbom.image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(sbom.image.layers).toHaveLength(3);
    expect(logger.lines).toEqual(["✓ OCI directory read", "✓ Indexed 16 packages"]);
  });

  it("answers from the SBOM cache the second time, and ignores a corrupt entry", async () => {
    const dir = join(work, "c2");
    const first = await indexImage(EXAMPLE, { logger: recordingLogger(), cacheDir: dir });
    const logger = recordingLogger();
    const second = await indexImage(EXAMPLE, { logger, cacheDir: dir });
    expect(logger.lines).toContain("✓ SBOM of image already cached, 16 packages indexed");
    expect(second.packages).toEqual(first.packages);
    // Corrupt every cached entry: the next run indexes again.
    const { listCachedSboms } = await import("../sbom/cache.js");
    for (const e of await listCachedSboms(join(dir, "sboms"))) await writeFile(e.path, "{ not json");
    const logger3 = recordingLogger();
    const third = await indexImage(EXAMPLE, { logger: logger3, cacheDir: dir });
    expect(logger3.lines).toContain("✓ Indexed 16 packages");
    expect(third.packages.length).toBe(16);
    // --no-cache: no cache read.
    const logger4 = recordingLogger();
    await indexImage(EXAMPLE, { logger: logger4, cacheDir: dir, sbomCache: false });
    expect(logger4.lines).toContain("✓ Indexed 16 packages");
  });
});

describe("digest checks and the catalogers", () => {
  // An uncompressed layer large enough to be hashed in a worker thread while the catalogers run.
  const BIG = readFileSync(process.execPath).subarray(0, 6 * 1024 * 1024);
  const HOST_STATUS = readFileSync("/var/lib/dpkg/status", "utf8");
  async function image(name: string, status: string | Buffer, flip: boolean): Promise<string> {
    const layer = await buildLayer(
      [
        { name: "usr/bin/big", content: BIG },
        { name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
        { name: "var/lib/dpkg/status", content: status },
      ],
      "none",
    );
    const blob = Buffer.from(layer.blob);
    if (flip) blob[512 + 4096] = blob[512 + 4096]! ^ 1; // inside usr/bin/big: the tar stays readable
    const dir = join(work, name);
    writeOciLayout(dir, { layers: [{ ...layer, blob }] });
    return `oci-dir://${dir}`;
  }
  const badStanza = `${HOST_STATUS.trimEnd()}\n\nPackage: no-version\nStatus: install ok installed\n`;

  it("prints cataloger warnings and caches the SBOM only once the digests have passed", async () => {
    const { listCachedSboms } = await import("../sbom/cache.js");
    const good = recordingLogger();
    const sbom = await indexImage(await image("dg-good", badStanza, false), {
      logger: good,
      cacheDir: join(work, "dg1"),
    });
    expect(sbom.packages.some((p) => p.type === "deb")).toBe(true);
    expect(good.warnings.filter((w) => w.includes("no-version"))).toHaveLength(1);
    expect(await listCachedSboms(join(work, "dg1", "sboms"))).toHaveLength(1);

    const bad = recordingLogger();
    const e = await indexImage(await image("dg-bad", badStanza, true), {
      logger: bad,
      cacheDir: join(work, "dg2"),
    }).catch((x) => x);
    expect(e.code).toBe("DIGEST_MISMATCH");
    expect(e.message).toMatch(/layer 0 .*blob digest mismatch/);
    expect(bad.warnings).toEqual([]);
    expect(bad.lines.some((l) => l.startsWith("✓ Indexed"))).toBe(false);
    expect(await listCachedSboms(join(work, "dg2", "sboms"))).toEqual([]);
    // An entry staged while the digests were checked (when the catalogers finished first) is gone too:
    // nothing at all is left behind.
    const sboms = join(work, "dg2", "sboms");
    expect(existsSync(sboms) ? readdirSync(sboms) : []).toEqual([]);
  });

  it("reports the mismatch of a small layer hashed before the walk, not the checks it aborted", async () => {
    // The small layer is hashed before any header is read (inline, or by this thread while the worker
    // starts), so its mismatch is known first and aborts the large layer's check in the worker. The
    // error must be the mismatch (exit code of DIGEST_MISMATCH), not the aborted check's "aborted".
    const big = await buildLayer([{ name: "usr/bin/big", content: BIG }], "none");
    const small = await buildLayer(
      [
        { name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
        { name: "var/lib/dpkg/status", content: HOST_STATUS },
      ],
      "none",
    );
    const blob = Buffer.from(small.blob);
    blob[600] = blob[600]! ^ 1; // inside etc/os-release's data: the tar stays readable
    const dir = join(work, "dg-small-first");
    writeOciLayout(dir, { layers: [big, { ...small, blob }] });
    for (let round = 0; round < 3; round++) {
      const e = await indexImage(`oci-dir://${dir}`, { cacheDir: join(work, `dg4-${round}`) }).catch(
        (x) => x,
      );
      expect(e.code).toBe("DIGEST_MISMATCH");
      expect(e.message).toMatch(/^layer 1 .*blob digest mismatch/);
    }
  });

  it("reports the digest mismatch, not the cataloger's error on the same corrupt bytes", async () => {
    const binary = Buffer.concat([Buffer.from("Package: x\n"), Buffer.alloc(8), Buffer.from("\n")]);
    const intact = await indexImage(await image("dg-bin", binary, false), {
      cacheDir: join(work, "dg3"),
    }).catch((x) => x);
    expect(intact.code).toBe("PACKAGE_DB");
    const flipped = await indexImage(await image("dg-bin-bad", binary, true), {
      cacheDir: join(work, "dg3"),
    }).catch((x) => x);
    expect(flipped.code).toBe("DIGEST_MISMATCH");
  });
});

describe("the same image as a docker-save tarball", () => {
  it("gives the same packages and layers as the OCI layout (skopeo makes the tarball)", async () => {
    const tar = join(work, "debian-app.tar");
    const r = spawnSync(
      "skopeo",
      ["copy", "--quiet", `oci:${EXAMPLE}:1.0`, `docker-archive:${tar}:vigil/debian-app:1.0`],
      {
        encoding: "utf8",
      },
    );
    expect(r.error, "skopeo is needed (apt-get install skopeo)").toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const fromOci = await indexImage(`oci-dir://${EXAMPLE}`, { cacheDir: join(work, "c5") });
    const logger = recordingLogger();
    const fromTar = await indexImage(`archive://${tar}`, { cacheDir: join(work, "c5"), logger });
    expect(logger.lines[0]).toBe("✓ Archive read");
    const ids = (s: typeof fromOci) => s.packages.map((p) => `${p.id}@${p.layerIndex}`).sort();
    expect(ids(fromTar)).toEqual(ids(fromOci));
    expect(fromTar.image.layers.map((l) => l.diffId)).toEqual(fromOci.image.layers.map((l) => l.diffId));
  });
});

describe("layer attribution across remove, re-add and upgrade (real Ubuntu 18.04 stanzas)", () => {
  it("attributes each package to the layer that introduced its current version", async () => {
    const old = stanzas(`${CORPUS}pkgdb/dpkg/trivy/valid.extracted/var/lib/dpkg/status`);
    const newer = stanzas(`${CORPUS}pkgdb/dpkg/claircore/texlive.status`);
    expect(version(old.get("perl-base")!)).not.toBe(version(newer.get("perl-base")!));
    expect(version(old.get("libudev1")!)).not.toBe(version(newer.get("libudev1")!));
    const status = (m: Map<string, string>) => `${[...m.values()].join("\n\n")}\n`;

    const s0 = new Map(old);
    const s1 = new Map(s0);
    s1.delete("fdisk"); // removed
    s1.set("perl-base", newer.get("perl-base")!); // upgraded
    s1.set("texlive-base", newer.get("texlive-base")!); // new
    const s2 = new Map([...s1].reverse()); // status rewritten, same package set
    const s3 = new Map(s2);
    s3.set("fdisk", old.get("fdisk")!); // re-added at the same version it had in layer 0
    s3.set("libudev1", newer.get("libudev1")!); // upgraded later

    const file = (name: string, content: string): TarEntrySpec => ({ name, content });
    const layers = [
      await buildLayer([file("etc/os-release", OS_RELEASE), file("var/lib/dpkg/status", status(s0))]),
      await buildLayer([file("var/lib/dpkg/status", status(s1))]),
      await buildLayer([file("var/lib/dpkg/status", status(s2)), file("etc/motd", "hello\n")]),
      await buildLayer([file("etc/hostname", "x\n")]),
      await buildLayer([file("var/lib/dpkg/status", status(s3))]),
    ];
    const dir = join(work, "attr");
    await mkdir(dir, { recursive: true });
    writeOciLayout(dir, { layers });
    const sbom = await indexImage(`oci-dir://${dir}`, { cacheDir: join(work, "c3") });
    const layerOf = (name: string) => sbom.packages.find((p) => p.name === name)?.layerIndex;
    expect(sbom.packages).toHaveLength(s3.size);
    expect(layerOf("fdisk")).toBe(4);
    expect(layerOf("perl-base")).toBe(1);
    expect(layerOf("texlive-base")).toBe(1);
    expect(layerOf("libudev1")).toBe(4);
    expect(layerOf("base-files")).toBe(0);
    expect(layerOf("libc6")).toBe(0);
    const counts = new Map<number | undefined, number>();
    for (const p of sbom.packages) counts.set(p.layerIndex, (counts.get(p.layerIndex) ?? 0) + 1);
    expect(counts.get(0)).toBe(s3.size - 4);
    expect(counts.get(2)).toBeUndefined();
    expect(counts.get(3)).toBeUndefined();
    expect(sbom.packages.find((p) => p.name === "perl-base")?.version).toBe(version(newer.get("perl-base")!));
    expect(sbom.distro).toMatchObject({ id: "ubuntu", versionId: "18.04" });
  });

  it("indexes an unpacked root filesystem (fs://) without layers", async () => {
    const root = join(work, "rootfs");
    await mkdir(join(root, "var/lib/dpkg"), { recursive: true });
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "etc/os-release"), OS_RELEASE);
    await writeFile(
      join(root, "var/lib/dpkg/status"),
      readFileSync(`${CORPUS}pkgdb/dpkg/claircore/postgresql.status`),
    );
    const logger = recordingLogger();
    const sbom = await indexImage(`fs://${root}`, { logger, cacheDir: join(work, "c4") });
    expect(sbom.packages).toHaveLength(3);
    expect(sbom.packages.every((p) => p.layerIndex === undefined && p.layerDiffId === undefined)).toBe(true);
    expect(logger.lines[0]).toBe("✓ File system read");
  });
});

describe("ownedBy", () => {
  const pkg = (over: Partial<Package>): Package => ({
    id: "x",
    type: "deb",
    name: "x",
    version: "1",
    purl: "",
    locations: [],
    foundBy: "dpkg",
    ...over,
  });
  it("links a language package to the OS package listing its evidence file", () => {
    const six = pkg({
      id: "pypi:six@1.16.0",
      type: "pypi",
      name: "six",
      foundBy: "python",
      locations: [{ path: "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA" }],
    });
    const own = pkg({
      id: "deb:python3-six@1.16.0-4:all",
      name: "python3-six",
      files: ["/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"],
    });
    const free = pkg({
      id: "npm:a@1",
      type: "npm",
      foundBy: "npm",
      locations: [{ path: "/app/node_modules/a/package.json" }],
    });
    expect(linkOwnedPackages([own, six, free], new Set(["dpkg"]))).toBe(1);
    expect(six.ownedBy).toBe(own.id);
    expect(free.ownedBy).toBeUndefined();
  });
});

describe("bad references", () => {
  it("names the problem", async () => {
    await expect(indexImage(join(work, "nope"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(indexImage(`oci-dir://${join(work, "nope")}`)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(indexImage("sbom://")).rejects.toMatchObject({ code: "REFERENCE" });
    await expect(indexImage("ftp://x")).rejects.toMatchObject({ code: "REFERENCE" });
  });
});
