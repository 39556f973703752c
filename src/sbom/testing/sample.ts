/**
 * Test support: SBOMs built from real package data (a dpkg status file of the shared corpus), so that
 * format and cache tests run on realistic names, versions and source packages. Not used at run time.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PackageURL } from "packageurl-js";
import { type Package, SBOM_SCHEMA_VERSION, type Sbom } from "../model.js";

export const CORPUS = fileURLToPath(new URL("../../../../shared/corpus/", import.meta.url));

/** Minimal stanza reader for fixtures only (the real parser lives in src/catalog/). */
export function readStanzas(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const rec: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
        if (m) rec[m[1]!] = m[2]!;
      }
      return rec;
    })
    .filter((r) => r.Package && r.Version && /installed$/.test(r.Status ?? ""));
}

const LAYER0 = `sha256:${"a".repeat(64)}`;
const LAYER1 = `sha256:${"b".repeat(64)}`;

/** A sample Sbom: the Ubuntu packages of corpus `claircore/texlive.status` plus a few npm packages. */
export function sampleSbom(): Sbom {
  const status = readFileSync(`${CORPUS}pkgdb/dpkg/claircore/texlive.status`, "utf8");
  const distro = { id: "ubuntu", versionId: "18.04", codename: "bionic", prettyName: "Ubuntu 18.04.6 LTS" };
  const licenses = [["MIT"], ["GPL-2+"], ["Apache-2.0 OR MIT"], ["LGPL-2.1-or-later", "BSD-like"], []];
  const packages: Package[] = readStanzas(status).map((r, i) => {
    const src = /^(\S+)(?:\s+\((.+)\))?$/.exec(r.Source ?? "");
    const arch = r.Architecture;
    return {
      id: `deb:${r.Package}@${r.Version}:${arch}`,
      type: "deb",
      name: r.Package!,
      namespace: "ubuntu",
      version: r.Version!,
      purl: new PackageURL("deb", "ubuntu", r.Package!, r.Version, {
        arch: arch ?? "",
        distro: "ubuntu-18.04",
        ...(src?.[1] ? { upstream: src[1] } : {}),
      }).toString(),
      sourceName: src?.[1] ?? r.Package,
      sourceVersion: src?.[2],
      arch,
      licenses: licenses[i % licenses.length],
      locations: [{ path: "/var/lib/dpkg/status", layerIndex: i % 2, layerDiffId: i % 2 ? LAYER1 : LAYER0 }],
      layerIndex: i % 2,
      layerDiffId: i % 2 ? LAYER1 : LAYER0,
      files: [`/usr/share/doc/${r.Package}/copyright`],
      foundBy: "dpkg",
    };
  });
  packages.push(
    {
      id: "npm:minimist@1.2.5",
      type: "npm",
      name: "minimist",
      version: "1.2.5",
      purl: "pkg:npm/minimist@1.2.5",
      licenses: ["MIT"],
      locations: [{ path: "/app/node_modules/minimist/package.json", layerIndex: 1, layerDiffId: LAYER1 }],
      layerIndex: 1,
      layerDiffId: LAYER1,
      foundBy: "npm",
    },
    {
      id: "npm:@babel/core@7.0.0",
      type: "npm",
      name: "core",
      namespace: "babel",
      version: "7.0.0",
      purl: "pkg:npm/%40babel/core@7.0.0",
      licenses: ["(MIT OR Apache-2.0)"],
      locations: [{ path: "/app/node_modules/@babel/core/package.json", layerIndex: 1, layerDiffId: LAYER1 }],
      layerIndex: 1,
      layerDiffId: LAYER1,
      foundBy: "npm",
      ownedBy: packages[0]!.id,
      metadata: { note: "evil \u001b[31mred\u001b[0m text" },
    },
  );
  return {
    schemaVersion: SBOM_SCHEMA_VERSION,
    generator: { name: "vigil", version: "0.1.0", indexerVersion: "test" },
    createdAt: "2026-01-02T03:04:05.678Z",
    image: {
      reference: "oci-dir://examples/sample",
      name: "docker.io/library/sample:1.0",
      digest: `sha256:${"c".repeat(64)}`,
      configDigest: `sha256:${"d".repeat(64)}`,
      platform: { os: "linux", architecture: "amd64" },
      layers: [
        { index: 0, diffId: LAYER0, size: 1000 },
        { index: 1, diffId: LAYER1, size: 2000, createdBy: "RUN npm ci" },
      ],
    },
    distro,
    packages,
  };
}
