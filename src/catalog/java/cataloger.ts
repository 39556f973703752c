import { lazyModule } from "../../core/lazy.js";
import type { Package } from "../../sbom/model.js";
import { fileRefSource } from "../binary/byte-source.js";
import type { Cataloger, CatalogInput, CatalogResult } from "../types.js";
import {
  DEFAULT_JAVA_LIMITS,
  JAVA_ARCHIVE_RE,
  type JavaArtifact,
  type JavaLimits,
  scanJavaArchive,
} from "./archive.js";

// A CommonJS dependency, required on first use: an ESM import would also run Node's export lexer over it.
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

export function mavenPurl(groupId: string, artifactId: string, version: string): string {
  return new (purlLib().PackageURL)("maven", groupId, artifactId, version, undefined, undefined).toString();
}

function toPackage(a: JavaArtifact, layerIndex: number, foundBy: string): Package {
  const metadata: Record<string, string> = { evidence: a.evidence };
  if (a.evidenceEntry) metadata.evidenceEntry = a.evidenceEntry;
  if (a.groupIdInferred) metadata.groupIdInferred = "true";
  const pkg: Package = {
    id: `maven:${a.groupId}/${a.artifactId}@${a.version}`,
    type: "maven",
    namespace: a.groupId,
    name: a.artifactId,
    version: a.version,
    purl: mavenPurl(a.groupId, a.artifactId, a.version),
    locations: [layerIndex >= 0 ? { path: a.archivePath, layerIndex } : { path: a.archivePath }],
    foundBy,
    metadata,
  };
  if (layerIndex >= 0) pkg.layerIndex = layerIndex;
  return pkg;
}

/** Merge packages with the same id: one package, every location (layer = earliest location's). */
export function mergeById(packages: Package[]): Package[] {
  const byId = new Map<string, Package>();
  for (const p of packages) {
    const seen = byId.get(p.id);
    if (!seen) {
      byId.set(p.id, p);
      continue;
    }
    for (const loc of p.locations) {
      if (!seen.locations.some((l) => l.path === loc.path)) seen.locations.push(loc);
    }
    if (p.layerIndex !== undefined && (seen.layerIndex === undefined || p.layerIndex < seen.layerIndex)) {
      seen.layerIndex = p.layerIndex;
    }
  }
  return [...byId.values()];
}

export function createJavaCataloger(limits: JavaLimits = DEFAULT_JAVA_LIMITS): Cataloger {
  return {
    name: "java",
    version: "1",
    kind: "language",
    attribution: "file",
    wants(path, size) {
      return size >= 22 && JAVA_ARCHIVE_RE.test(path);
    },
    async catalog(input: CatalogInput): Promise<CatalogResult> {
      const packages: Package[] = [];
      const warnings: string[] = [];
      for (const file of input.files) {
        if (!JAVA_ARCHIVE_RE.test(file.path)) continue;
        const scan = await scanJavaArchive(fileRefSource(file), file.path, limits);
        warnings.push(...scan.warnings);
        for (const a of scan.artifacts) packages.push(toPackage(a, file.layerIndex, "java"));
      }
      return { packages: mergeById(packages), warnings };
    },
  };
}

export const javaCataloger: Cataloger = createJavaCataloger();
