import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VigilError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { openLocalImage } from "./local-image.js";
import {
  type BuiltLayer,
  buildLayer,
  putBlob,
  sha256,
  tarOf,
  writeImageBlobs,
  writeOciLayout,
} from "./test-helpers/build-image.js";
import { DEFAULT_LIMITS, type OpenOptions } from "./types.js";
import { walkImage } from "./walk/walk.js";

const OS_RELEASE = readFileSync("/etc/os-release");
const DPKG_STATUS = readFileSync("/var/lib/dpkg/status");
const tmp = mkdtempSync(join(tmpdir(), "vigil-local-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const opts = (platform?: string): OpenOptions => ({
  limits: DEFAULT_LIMITS,
  logger: silentLogger(),
  platform,
});
const wants = (p: string) => p === "/etc/os-release" || p === "/var/lib/dpkg/status";

async function expectError(p: Promise<unknown>, code: string, re: RegExp) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VigilError);
  expect((e as VigilError).code).toBe(code);
  expect((e as VigilError).message).toMatch(re);
}

let base: BuiltLayer;
let app: BuiltLayer;
let baseTar: BuiltLayer;
let appTar: BuiltLayer;
beforeAll(async () => {
  const baseEntries = [
    { name: "etc/os-release", content: OS_RELEASE },
    { name: "var/lib/dpkg/status", content: DPKG_STATUS },
  ];
  const appEntries = [{ name: "app/README", content: "hello from the app layer\n" }];
  base = await buildLayer(baseEntries, "gzip", "ADD file:0a1b in / ");
  app = await buildLayer(appEntries, "gzip", "COPY . /app");
  baseTar = await buildLayer(baseEntries, "none", "ADD file:0a1b in / ");
  appTar = await buildLayer(appEntries, "none", "COPY . /app");
});

async function readAll(ref: string, platform?: string) {
  const img = await openLocalImage(ref, opts(platform));
  const res = await walkImage(img, { wants, limits: DEFAULT_LIMITS, logger: silentLogger() });
  const files = Object.fromEntries(
    await Promise.all(res.finalFiles().map(async (f) => [f.path, (await f.read()).length] as const)),
  );
  await res.dispose();
  await img.close();
  return { img, files, res };
}

describe("oci-dir://", () => {
  it("fills ImageInfo from the manifest and config", async () => {
    const dir = join(tmp, "oci-info");
    const built = writeOciLayout(dir, { layers: [base, app], labels: { maintainer: "vigil tests" } }, "1.0");
    const img = await openLocalImage(`oci-dir://${dir}`, opts());
    expect(img.info.digest).toBe(built.manifestDigest);
    expect(img.info.configDigest).toBe(built.configDigest);
    expect(img.info.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(img.info.labels).toEqual({ maintainer: "vigil tests" });
    expect(img.info.cmd).toEqual(["bash"]);
    expect(img.info.env?.[0]).toMatch(/^PATH=/);
    expect(img.info.created).toBe("2024-05-01T10:00:01Z");
    expect(img.info.layers.map((l) => l.createdBy)).toEqual(["ADD file:0a1b in / ", "COPY . /app"]);
    expect(img.info.layers.map((l) => l.diffId)).toEqual([base.diffId, app.diffId]);
    expect(img.info.size).toBe(base.blob.length + app.blob.length);
    expect(img.info.history?.length).toBe(4);
    expect(img.layers[0]!.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    await img.close();
  });

  it("is detected from a bare path", async () => {
    const dir = join(tmp, "oci-bare");
    writeOciLayout(dir, { layers: [base] });
    const { files } = await readAll(dir);
    expect(files).toEqual({
      "/etc/os-release": OS_RELEASE.length,
      "/var/lib/dpkg/status": DPKG_STATUS.length,
    });
  });

  it("follows descriptors that omit their media type", async () => {
    const dir = join(tmp, "no-media-types");
    const img = writeImageBlobs(dir, { layers: [base] });
    const nested = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ digest: img.manifestDigest, size: img.manifest.length }],
      }),
    );
    const nestedDigest = putBlob(dir, nested);
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({ schemaVersion: 2, manifests: [{ digest: nestedDigest, size: nested.length }] }),
    );
    const opened = await openLocalImage(`oci-dir://${dir}`, opts());
    expect(opened.info.digest).toBe(img.manifestDigest);
    expect(opened.info.indexDigest).toBe(nestedDigest);
    await opened.close();
  });

  it("reports a missing index.json", async () => {
    const dir = join(tmp, "no-index");
    writeOciLayout(dir, { layers: [base] });
    rmSync(join(dir, "index.json"));
    await expectError(openLocalImage(`oci-dir://${dir}`, opts()), "IMAGE_FORMAT", /missing index\.json/);
  });

  it("reports a manifest whose bytes do not match its digest", async () => {
    const dir = join(tmp, "bad-manifest");
    const built = writeOciLayout(dir, { layers: [base] });
    writeFileSync(
      join(dir, "blobs/sha256", built.manifestDigest.slice(7)),
      built.manifest.toString().replace("2", "2 "),
    );
    await expectError(openLocalImage(`oci-dir://${dir}`, opts()), "DIGEST_MISMATCH", /manifest sha256:/);
  });

  it("reports a missing layer blob when the walk reaches it, and wrong kinds of path", async () => {
    const dir = join(tmp, "missing-layer");
    writeOciLayout(dir, { layers: [base, app] });
    rmSync(join(dir, "blobs/sha256", app.digest.slice(7)));
    const img = await openLocalImage(dir, opts());
    const e = await walkImage(img, { wants, limits: DEFAULT_LIMITS, logger: silentLogger() }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(VigilError);
    expect((e as VigilError).code).toBe("NOT_FOUND");
    expect((e as VigilError).message).toContain(`layer blob ${app.digest} is missing`);
    await img.close();
    await expectError(
      openLocalImage(`fs://${join(dir, "index.json")}`, opts()),
      "IMAGE_FORMAT",
      /not a directory/,
    );
    await expectError(openLocalImage(`archive://${dir}`, opts()), "IMAGE_FORMAT", /not a file/);
    await expectError(openLocalImage("alpine:3.19", opts()), "REFERENCE", /not a local image reference/);
    rmSync(join(dir, "index.json"));
    await expectError(openLocalImage(dir, opts()), "IMAGE_FORMAT", /missing index\.json/);
  });

  it("reports a missing path", async () => {
    await expectError(openLocalImage(`oci-dir://${tmp}/nope`, opts()), "NOT_FOUND", /no such file/);
  });

  describe("multi-platform index with nested index and attestations", () => {
    let dir: string;
    let amd: ReturnType<typeof writeImageBlobs>;
    let arm: ReturnType<typeof writeImageBlobs>;
    beforeAll(async () => {
      dir = join(tmp, "multi");
      amd = writeImageBlobs(dir, { layers: [base, app] });
      const armLayer = await buildLayer([{ name: "etc/os-release", content: "ID=debian\nARCH=arm64\n" }]);
      arm = writeImageBlobs(dir, { layers: [armLayer], architecture: "arm64", variant: "v8" });
      const statement = Buffer.from(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v0.1",
          predicateType: "https://slsa.dev/provenance/v0.2",
          subject: [{ name: "pkg:docker/x@1", digest: { sha256: amd.manifestDigest.slice(7) } }],
          predicate: { builder: { id: "https://mobyproject.org/buildkit@v1" } },
        }),
      );
      const stDigest = putBlob(dir, statement);
      const attCfg = Buffer.from("{}");
      const attCfgDigest = putBlob(dir, attCfg);
      const attManifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: attCfgDigest, size: 2 },
          layers: [
            {
              mediaType: "application/vnd.in-toto+json",
              digest: stDigest,
              size: statement.length,
              annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
            },
          ],
        }),
      );
      const attDigest = putBlob(dir, attManifest);
      const desc = (d: string, size: number, platform: object, annotations?: object) => ({
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: d,
        size,
        platform,
        ...(annotations ? { annotations } : {}),
      });
      const nested = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            desc(amd.manifestDigest, amd.manifest.length, { os: "linux", architecture: "amd64" }),
            desc(arm.manifestDigest, arm.manifest.length, {
              os: "linux",
              architecture: "arm64",
              variant: "v8",
            }),
            desc(
              attDigest,
              attManifest.length,
              { os: "unknown", architecture: "unknown" },
              {
                "vnd.docker.reference.type": "attestation-manifest",
                "vnd.docker.reference.digest": amd.manifestDigest,
              },
            ),
          ],
        }),
      );
      const nestedDigest = putBlob(dir, nested);
      writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
      writeFileSync(
        join(dir, "index.json"),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: "application/vnd.oci.image.index.v1+json",
              digest: nestedDigest,
              size: nested.length,
              annotations: { "io.containerd.image.name": "docker.io/library/vigil-test:1" },
            },
          ],
        }),
      );
    });

    it("defaults to linux/amd64 and skips the attestation manifest", async () => {
      const img = await openLocalImage(`oci-dir://${dir}`, opts());
      expect(img.info.digest).toBe(amd.manifestDigest);
      expect(img.info.indexDigest).toMatch(/^sha256:/);
      const att = await img.attestations!();
      expect(att).toHaveLength(1);
      expect(att[0]!.predicateType).toBe("https://slsa.dev/provenance/v0.2");
      await img.close();
    });

    it("chooses --platform linux/arm64 (variant v8 implied)", async () => {
      const img = await openLocalImage(`oci-dir://${dir}`, opts("linux/arm64"));
      expect(img.info.digest).toBe(arm.manifestDigest);
      expect(img.info.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
      expect(await img.attestations!()).toEqual([]);
      await img.close();
    });

    it("lists the available platforms when the requested one is missing", async () => {
      await expectError(
        openLocalImage(`oci-dir://${dir}`, opts("linux/s390x")),
        "NOT_FOUND",
        /no image for platform linux\/s390x \(available: linux\/amd64, linux\/arm64\/v8\)/,
      );
      await expectError(openLocalImage(`oci-dir://${dir}`, opts("linux")), "USAGE", /os\/arch/);
    });
  });
});

/** Write a tarball from [name, bytes] members. */
async function writeTar(file: string, members: [string, Buffer | string][]) {
  writeFileSync(file, await tarOf(members.map(([name, content]) => ({ name, content }))));
}

describe("archive://", () => {
  it("reads a legacy docker save tarball (<id>/layer.tar) by seeking", async () => {
    const dir = join(tmp, "legacy");
    const built = writeImageBlobs(dir, { layers: [baseTar, appTar] });
    const file = join(tmp, "legacy.tar");
    const ids = ["a".repeat(64), "b".repeat(64)];
    await writeTar(file, [
      [`${built.configDigest.slice(7)}.json`, built.config],
      [`${ids[0]}/VERSION`, "1.0"],
      [`${ids[0]}/layer.tar`, baseTar.tar],
      [`${ids[1]}/layer.tar`, appTar.tar],
      [
        "manifest.json",
        JSON.stringify([
          {
            Config: `${built.configDigest.slice(7)}.json`,
            RepoTags: ["vigil/legacy:1"],
            Layers: ids.map((i) => `${i}/layer.tar`),
          },
        ]),
      ],
      ["repositories", JSON.stringify({ "vigil/legacy": { "1": ids[1] } })],
    ]);
    const img = await openLocalImage(`archive://${file}`, opts());
    expect(img.info.configDigest).toBe(built.configDigest);
    expect(img.info.tags).toEqual(["vigil/legacy:1"]);
    expect(img.layers.map((l) => l.digest)).toEqual([baseTar.diffId, appTar.diffId]);
    const range = await img.layerFile!(img.layers[0]!);
    expect(range?.length).toBe(baseTar.tar.length);
    await img.close();
    const { files, res } = await readAll(file);
    expect(files).toEqual({
      "/etc/os-release": OS_RELEASE.length,
      "/var/lib/dpkg/status": DPKG_STATUS.length,
    });
    expect(res.fileIndex.get("/app/README")?.layerIndex).toBe(1);
  });

  it("reads the OCI-in-docker layout (docker save since Docker 25)", async () => {
    const dir = join(tmp, "oci-in-docker");
    const built = writeOciLayout(dir, { layers: [baseTar, appTar] });
    const file = join(tmp, "oci-in-docker.tar");
    const blob = (d: string): [string, Buffer] => [
      `blobs/sha256/${d.slice(7)}`,
      readFileSync(join(dir, "blobs/sha256", d.slice(7))),
    ];
    await writeTar(file, [
      blob(baseTar.digest),
      blob(appTar.digest),
      blob(built.configDigest),
      blob(built.manifestDigest),
      ["index.json", readFileSync(join(dir, "index.json"))],
      ["oci-layout", readFileSync(join(dir, "oci-layout"))],
      [
        "manifest.json",
        JSON.stringify([
          {
            Config: `blobs/sha256/${built.configDigest.slice(7)}`,
            RepoTags: ["vigil/ocidocker:2"],
            Layers: [baseTar.digest, appTar.digest].map((d) => `blobs/sha256/${d.slice(7)}`),
          },
        ]),
      ],
    ]);
    const img = await openLocalImage(file, opts());
    expect(img.info.digest).toBe(built.manifestDigest);
    expect(img.info.tags).toContain("vigil/ocidocker:2");
    expect(await img.layerFile!(img.layers[1]!)).toMatchObject({ path: file, length: appTar.tar.length });
    await img.close();
    const { files } = await readAll(`archive://${file}`);
    expect(files["/var/lib/dpkg/status"]).toBe(DPKG_STATUS.length);
  });

  it("reads OCI archives and docker archives written by skopeo", async () => {
    const dir = join(tmp, "for-skopeo");
    writeOciLayout(dir, { layers: [base, app] });
    const ociArchive = join(tmp, "skopeo-oci.tar");
    const dockerArchive = join(tmp, "skopeo-docker.tar");
    execFileSync("skopeo", ["copy", "-q", `oci:${dir}:latest`, `oci-archive:${ociArchive}:latest`]);
    execFileSync("skopeo", [
      "copy",
      "-q",
      `oci:${dir}:latest`,
      `docker-archive:${dockerArchive}:vigil/skopeo:3`,
    ]);
    for (const ref of [`archive://${ociArchive}`, `archive://${dockerArchive}`]) {
      const { files, img } = await readAll(ref);
      expect(files).toEqual({
        "/etc/os-release": OS_RELEASE.length,
        "/var/lib/dpkg/status": DPKG_STATUS.length,
      });
      expect(img.info.layers.map((l) => l.diffId)).toEqual([base.diffId, app.diffId]);
    }
    const docker = await openLocalImage(`archive://${dockerArchive}`, opts());
    expect(docker.info.tags).toEqual(["docker.io/vigil/skopeo:3"]);
    await docker.close();
  });

  it("reads gzip- and zstd-compressed archives through a temp file", async () => {
    const dir = join(tmp, "gz");
    writeOciLayout(dir, { layers: [base] });
    const members: [string, Buffer][] = ["index.json", "oci-layout"].map((n) => [
      n,
      readFileSync(join(dir, n)),
    ]);
    for (const d of execFileSync("ls", [join(dir, "blobs/sha256")])
      .toString()
      .trim()
      .split("\n")) {
      members.push([`blobs/sha256/${d}`, readFileSync(join(dir, "blobs/sha256", d))]);
    }
    const tar = await tarOf(members.map(([name, content]) => ({ name, content })));
    const file = join(tmp, "image.tar.gz");
    writeFileSync(file, gzipSync(tar));
    const { files } = await readAll(file);
    expect(files["/etc/os-release"]).toBe(OS_RELEASE.length);
    const zst = join(tmp, "image.tar.zst");
    writeFileSync(zst, execFileSync("zstd", ["-q", "-c"], { input: tar }));
    expect((await readAll(`archive://${zst}`)).files["/etc/os-release"]).toBe(OS_RELEASE.length);
    const cut = join(tmp, "cut.tar.gz");
    writeFileSync(cut, gzipSync(tar).subarray(0, 5000));
    await expectError(openLocalImage(cut, opts()), "CORRUPT", /cut\.tar\.gz: corrupt gzip data/);
    // No digest covers a tarball's index.json or manifest.json: here gzip's CRC-32 is checked.
    const badCrc = gzipSync(tar);
    badCrc[badCrc.length - 8] = badCrc[badCrc.length - 8]! ^ 0xff;
    const crc = join(tmp, "crc.tar.gz");
    writeFileSync(crc, badCrc);
    await expectError(
      openLocalImage(crc, opts()),
      "CORRUPT",
      /crc\.tar\.gz: corrupt gzip data \(incorrect data check\)/,
    );
  });

  it("rejects a tarball that is not an image, and a corrupt one", async () => {
    const file = join(tmp, "plain.tar");
    await writeTar(file, [["hello.txt", "hi"]]);
    await expectError(
      openLocalImage(`archive://${file}`, opts()),
      "IMAGE_FORMAT",
      /no index\.json or manifest\.json/,
    );
    const bad = join(tmp, "bad.tar");
    const tar = await tarOf([{ name: "index.json", content: "{}" }]);
    tar[10] = tar[10]! ^ 0xff;
    writeFileSync(bad, tar);
    await expectError(openLocalImage(`archive://${bad}`, opts()), "CORRUPT", /checksum/);
    const trunc = join(tmp, "trunc.tar");
    writeFileSync(trunc, (await tarOf([{ name: "index.json", content: DPKG_STATUS }])).subarray(0, 3000));
    await expectError(openLocalImage(`archive://${trunc}`, opts()), "CORRUPT", /truncated/);
  });
});

describe("fs://", () => {
  it("walks a root filesystem without following links out of it", async () => {
    const root = join(tmp, "rootfs");
    mkdirSync(join(root, "etc"), { recursive: true });
    mkdirSync(join(root, "usr/lib"), { recursive: true });
    mkdirSync(join(root, "var/lib/dpkg"), { recursive: true });
    writeFileSync(join(root, "usr/lib/os-release"), OS_RELEASE);
    symlinkSync("../usr/lib/os-release", join(root, "etc/os-release"));
    writeFileSync(join(root, "var/lib/dpkg/status"), DPKG_STATUS);
    symlinkSync("/etc", join(root, "hostetc"));
    symlinkSync("../../../../../../etc/passwd", join(root, "escape"));
    for (const ref of [`fs://${root}`, root]) {
      const img = await openLocalImage(ref, opts());
      expect(img.rootDir).toBe(root);
      const res = await walkImage(img, { wants, limits: DEFAULT_LIMITS, logger: silentLogger() });
      const files = res.finalFiles();
      expect(files.map((f) => f.path).sort()).toEqual(["/etc/os-release", "/var/lib/dpkg/status"]);
      expect((await files.find((f) => f.path === "/etc/os-release")!.read()).equals(OS_RELEASE)).toBe(true);
      expect(files[0]!.layerIndex).toBe(-1);
      expect(res.fileIndex.get("/hostetc")?.type).toBe("symlink");
      // Absolute links resolve inside the root; `..` past the root is an escape.
      expect(res.fileIndex.resolve("/hostetc/os-release")?.path).toBe("/usr/lib/os-release");
      expect(res.fileIndex.resolve("/escape")).toBeUndefined();
      expect(res.fileIndex.has("/passwd")).toBe(false);
      await res.dispose();
      await img.close();
    }
    expect(sha256(OS_RELEASE)).toMatch(/^sha256:/);
  });
});
