/**
 * The PyPI cataloger: installed distributions in any `site-packages` or `dist-packages` directory.
 * Evidence: `<name>.dist-info/METADATA` (wheels, pip), `<name>.egg-info/PKG-INFO` (setuptools),
 * a single-file `<name>.egg-info` (distutils, Debian's older python3-* packages), and an egg
 * directory's `EGG-INFO/PKG-INFO`. `RECORD` (dist-info) and `installed-files.txt` (egg-info) give the
 * files the distribution owns (Package.files). The evidence path is the location, so that the indexer
 * can mark a distribution whose metadata file belongs to an OS package (Debian's python3-requests).
 */
import { posix } from "node:path";
import type { Package } from "../../sbom/model.js";
import { buildPurl } from "../../sbom/purl.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { installedFilesPaths, licensesOf, normalizeName, parseHeaders, recordPaths } from "./metadata.js";

const NAME = "python";

function inPackagesDir(path: string): boolean {
  return path.includes("/site-packages/") || path.includes("/dist-packages/");
}

type Role = "metadata" | "record" | "installed-files";

/** What a wanted path is; suffix checks only. */
export function pythonRole(path: string): Role | undefined {
  let role: Role | undefined;
  if (
    path.endsWith(".dist-info/METADATA") ||
    path.endsWith(".egg-info/PKG-INFO") ||
    path.endsWith("/EGG-INFO/PKG-INFO") ||
    path.endsWith(".egg-info")
  ) {
    role = "metadata";
  } else if (path.endsWith(".dist-info/RECORD")) role = "record";
  else if (path.endsWith(".egg-info/installed-files.txt")) role = "installed-files";
  // the substring scan only for the few paths that passed the suffix checks
  return role && inPackagesDir(path) ? role : undefined;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const pythonCataloger: Cataloger = {
  name: NAME,
  version: "1",
  kind: "language",
  attribution: "file",
  wants(path: string): boolean {
    return pythonRole(path) !== undefined;
  },
  async catalog(input: CatalogInput): Promise<CatalogResult> {
    const packages: Package[] = [];
    const warnings: string[] = [];
    const metas: FileRef[] = [];
    const ownedFiles = new Map<string, FileRef>(); // metadata dir → RECORD / installed-files.txt
    for (const f of input.files) {
      const role = pythonRole(f.path);
      if (role === "metadata") metas.push(f);
      else if (role) ownedFiles.set(posix.dirname(f.path), f);
    }
    const seen = new Set<string>();
    for (const file of metas) {
      let text: string;
      try {
        text = (await file.read()).toString("utf8");
      } catch (e) {
        warnings.push(`python: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      const fields = parseHeaders(text);
      const name = fields.get("name")?.[0]?.trim();
      const version = fields.get("version")?.[0]?.trim();
      if (!name || !version) {
        warnings.push(`python: ${file.path}: no Name and Version fields; skipped`);
        continue;
      }
      if (
        name.length > 256 ||
        version.length > 256 ||
        CONTROL.test(name) ||
        CONTROL.test(version) ||
        /\s/.test(version)
      ) {
        warnings.push(`python: ${file.path}: invalid Name or Version; skipped`);
        continue;
      }
      const normalized = normalizeName(name);
      const id = `pypi:${normalized}@${version}:${file.path}`;
      if (seen.has(id)) continue;
      seen.add(id);
      let purl: string;
      try {
        purl = buildPurl({ type: "pypi", name: normalized, version });
      } catch (e) {
        warnings.push(`python: ${file.path}: cannot form a purl (${(e as Error).message}); skipped`);
        continue;
      }
      const pkg: Package = {
        id,
        type: "pypi",
        name,
        version,
        purl,
        locations: [
          file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
        ],
        foundBy: NAME,
      };
      if (file.layerIndex >= 0) pkg.layerIndex = file.layerIndex;
      const licenses = licensesOf(fields);
      if (licenses) pkg.licenses = licenses;
      const metadata: Record<string, string> = {};
      const metaVersion = fields.get("metadata-version")?.[0];
      if (metaVersion) metadata.metadataVersion = metaVersion.slice(0, 32);
      const summary = fields.get("summary")?.[0];
      if (summary) metadata.summary = summary.slice(0, 512);
      // RECORD / installed-files.txt of a metadata directory (a single-file .egg-info has none).
      const dir = posix.dirname(file.path);
      const owned = file.path.endsWith(".egg-info") ? undefined : ownedFiles.get(dir);
      if (owned) {
        try {
          const ownedText = (await owned.read()).toString("utf8");
          const sitePackages = dir.endsWith("/EGG-INFO")
            ? posix.dirname(posix.dirname(dir))
            : posix.dirname(dir);
          pkg.files = owned.path.endsWith("/RECORD")
            ? recordPaths(ownedText, sitePackages)
            : installedFilesPaths(ownedText, dir);
          metadata.filesFrom = owned.path;
        } catch (e) {
          warnings.push(`python: cannot read ${owned.path}: ${(e as Error).message}`);
        }
      }
      if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
      packages.push(pkg);
    }
    return { packages, warnings };
  },
};
