import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../core/logger.js";
import type { Package } from "../sbom/model.js";
import {
  imageFromMaterialUri,
  mergeAttestedPackages,
  PREDICATE,
  parseProvenance,
  readAttestations,
} from "./attestations.js";
import { openLocalImage } from "./local-image.js";
import { buildLayer, putBlob, writeImageBlobs } from "./test-helpers/build-image.js";
import { DEFAULT_LIMITS } from "./types.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const statement = (predicateType: string, subjectDigest: string, predicate: unknown) => ({
  _type: "https://in-toto.io/Statement/v0.1",
  predicateType,
  subject: [
    { name: "pkg:docker/shop/app@1?platform=linux%2Famd64", digest: { sha256: subjectDigest.slice(7) } },
  ],
  predicate,
});

const provenanceV02 = {
  builder: { id: "https://github.com/shop/app/actions/runs/1" },
  buildType: "https://mobyproject.org/buildkit@v1",
  materials: [
    { uri: "pkg:docker/docker/dockerfile@1.7", digest: { sha256: "1".repeat(64) } },
    { uri: "pkg:docker/debian@12-slim?platform=linux%2Famd64", digest: { sha256: "2".repeat(64) } },
    { uri: "https://github.com/shop/app.git#main", digest: { sha1: "abc" } },
  ],
  invocation: {
    configSource: {
      uri: "https://github.com/shop/app.git#main",
      digest: { sha1: "d".repeat(40) },
      entryPoint: "Dockerfile",
    },
    parameters: {
      frontend: "dockerfile.v0",
      args: { "build-arg:NODE_ENV": "production", "label:x": "y", source: "z" },
    },
  },
  metadata: {
    "https://mobyproject.org/buildkit@v1#metadata": {
      vcs: { source: "https://github.com/shop/app", revision: "e".repeat(40) },
    },
  },
};

const provenanceV1 = {
  buildDefinition: {
    buildType: "https://mobyproject.org/buildkit@v1",
    externalParameters: {
      configSource: { uri: "https://github.com/shop/app.git", digest: { sha1: "f".repeat(40) } },
      request: { frontend: "dockerfile.v0", args: { "build-arg:VERSION": "1.2.3" } },
    },
    resolvedDependencies: [
      { uri: "pkg:docker/node@20-bookworm?platform=linux%2Famd64", digest: { sha256: "3".repeat(64) } },
      { uri: "pkg:docker/ghcr.io/acme/tools@2?platform=linux%2Famd64", digest: { sha256: "4".repeat(64) } },
    ],
  },
  runDetails: { builder: { id: "buildkit" } },
};

const spdx = {
  spdxVersion: "SPDX-2.3",
  dataLicense: "CC0-1.0",
  SPDXID: "SPDXRef-DOCUMENT",
  name: "sbom",
  documentNamespace: "https://example.invalid/sbom",
  creationInfo: { created: "2024-05-01T10:00:00Z", creators: ["Tool: buildkit"] },
  packages: [
    {
      SPDXID: "SPDXRef-Package-1",
      name: "openssl",
      versionInfo: "3.0.11-1~deb12u2",
      downloadLocation: "NOASSERTION",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
        },
      ],
    },
    {
      SPDXID: "SPDXRef-Package-2",
      name: "left-pad",
      versionInfo: "1.3.0",
      downloadLocation: "NOASSERTION",
      externalRefs: [
        {
          referenceCategory: "PACKAGE-MANAGER",
          referenceType: "purl",
          referenceLocator: "pkg:npm/left-pad@1.3.0",
        },
      ],
    },
  ],
};

describe("attestations", () => {
  it("turns material URIs into image references", () => {
    expect(imageFromMaterialUri("pkg:docker/debian@12-slim?platform=linux%2Famd64")).toBe("debian:12-slim");
    expect(imageFromMaterialUri("pkg:docker/bitnami/redis@7")).toBe("bitnami/redis:7");
    expect(imageFromMaterialUri(`pkg:docker/alpine@sha256:${"a".repeat(64)}`)).toBe(
      `alpine@sha256:${"a".repeat(64)}`,
    );
    expect(imageFromMaterialUri("docker-image://docker.io/library/debian:12")).toBe(
      "docker.io/library/debian:12",
    );
    expect(imageFromMaterialUri("https://github.com/x/y.git")).toBeUndefined();
  });

  it("parses SLSA v0.2 and v1 provenance (bases, args, source, commit), skipping the frontend", () => {
    const p02 = parseProvenance(PREDICATE.slsaV02, provenanceV02)!;
    expect(p02.baseImages).toEqual([{ uri: "debian:12-slim", digest: `sha256:${"2".repeat(64)}` }]);
    expect(p02.buildArgs).toEqual({ NODE_ENV: "production" });
    expect(p02.sourceRepository).toBe("https://github.com/shop/app");
    expect(p02.sourceCommit).toBe("e".repeat(40));
    expect(p02.builderId).toBe("https://github.com/shop/app/actions/runs/1");
    const p1 = parseProvenance(PREDICATE.slsaV1, provenanceV1)!;
    expect(p1.baseImages.map((b) => b.uri)).toEqual(["node:20-bookworm", "ghcr.io/acme/tools:2"]);
    expect(p1.buildArgs).toEqual({ VERSION: "1.2.3" });
    expect(p1.sourceRepository).toBe("https://github.com/shop/app.git");
    expect(p1.sourceCommit).toBe("f".repeat(40));
    expect(parseProvenance(PREDICATE.slsaV1, "garbage")).toBeUndefined();
  });

  it("reads a real multi-platform OCI layout with an attestation manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-att-"));
    dirs.push(dir);
    const layer = await buildLayer([{ name: "etc/os-release", content: readFileSync("/etc/os-release") }]);
    const amd = writeImageBlobs(dir, { layers: [layer] });
    const arm = writeImageBlobs(dir, { layers: [layer], architecture: "arm64", variant: "v8" });
    const layers = [
      [PREDICATE.spdx, statement(PREDICATE.spdx, amd.manifestDigest, spdx)],
      [PREDICATE.slsaV02, statement(PREDICATE.slsaV02, amd.manifestDigest, provenanceV02)],
      [
        PREDICATE.openvex,
        statement(PREDICATE.openvex, amd.manifestDigest, {
          "@context": "https://openvex.dev/ns/v0.2.0",
          statements: [],
        }),
      ],
    ] as const;
    const emptyConfig = Buffer.from("{}");
    const cfgDigest = putBlob(dir, emptyConfig);
    const attLayers = layers.map(([pt, st]) => {
      const b = Buffer.from(JSON.stringify(st));
      return {
        mediaType: "application/vnd.in-toto+json",
        digest: putBlob(dir, b),
        size: b.length,
        annotations: { "in-toto.io/predicate-type": pt },
      };
    });
    const attManifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cfgDigest, size: 2 },
        layers: attLayers,
      }),
    );
    const attDigest = putBlob(dir, attManifest);
    writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: amd.manifestDigest,
            size: amd.manifest.length,
            platform: amd.platform,
          },
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: arm.manifestDigest,
            size: arm.manifest.length,
            platform: arm.platform,
          },
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: attDigest,
            size: attManifest.length,
            platform: { os: "unknown", architecture: "unknown" },
            annotations: {
              "vnd.docker.reference.type": "attestation-manifest",
              "vnd.docker.reference.digest": amd.manifestDigest,
            },
          },
        ],
      }),
    );
    const indexDigest = putBlob(dir, index);
    writeFileSync(
      join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { mediaType: "application/vnd.oci.image.index.v1+json", digest: indexDigest, size: index.length },
        ],
      }),
    );

    const opened = await openLocalImage(`oci-dir://${dir}`, {
      limits: DEFAULT_LIMITS,
      logger: silentLogger(),
    });
    expect(opened.info.digest).toBe(amd.manifestDigest);
    const read = readAttestations(await opened.attestations!(), silentLogger(), "test");
    expect(read.predicateTypes.sort()).toEqual([PREDICATE.openvex, PREDICATE.slsaV02, PREDICATE.spdx].sort());
    expect(read.provenance?.baseImages).toEqual([
      { uri: "debian:12-slim", digest: `sha256:${"2".repeat(64)}` },
    ]);
    expect(read.sbomPackages.map((p) => `${p.type}:${p.name}@${p.version}`).sort()).toEqual([
      "deb:openssl@3.0.11-1~deb12u2",
      "npm:left-pad@1.3.0",
    ]);
    expect(read.sbomPackages.every((p) => p.foundBy === "attestation:spdx")).toBe(true);
    expect(read.vexDocuments).toHaveLength(1);

    const armOpened = await openLocalImage(`oci-dir://${dir}`, {
      limits: DEFAULT_LIMITS,
      logger: silentLogger(),
      platform: "linux/arm64",
    });
    expect(armOpened.info.digest).toBe(arm.manifestDigest);
    expect(await armOpened.attestations!()).toHaveLength(0);
  });

  it("skips malformed statements with a warning", () => {
    const logger = silentLogger();
    const r = readAttestations(
      [{ predicateType: PREDICATE.spdx, statement: { predicate: { nope: 1 } } }],
      logger,
      "img",
    );
    expect(r.sbomPackages).toHaveLength(0);
    expect(logger.warnings[0]).toMatch(
      /img: attestation with predicate https:\/\/spdx.dev\/Document skipped/,
    );
  });

  it("merges attested packages by purl, keeping disk records and adding hidden ones", () => {
    const disk: Package = {
      id: "deb:openssl@3.0.11-1~deb12u2:amd64",
      type: "deb",
      name: "openssl",
      version: "3.0.11-1~deb12u2",
      purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12&arch=amd64",
      locations: [{ path: "/var/lib/dpkg/status", layerIndex: 0 }],
      foundBy: "dpkg",
    };
    const attested: Package[] = [
      {
        ...disk,
        id: "a1",
        purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
        foundBy: "attestation:spdx",
        locations: [],
      },
      {
        id: "a2",
        type: "npm",
        name: "left-pad",
        version: "1.3.0",
        purl: "pkg:npm/left-pad@1.3.0",
        locations: [],
        foundBy: "attestation:spdx",
      },
    ];
    const merged = mergeAttestedPackages([disk], attested);
    expect(merged).toHaveLength(2);
    expect(merged[0]!.metadata?.alsoFoundBy).toBe("attestation:spdx");
    expect(merged[1]!.foundBy).toBe("attestation:spdx");
  });
});
