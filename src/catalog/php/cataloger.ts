/**
 * The Composer cataloger. Evidence:
 *  - `<project>/vendor/composer/installed.json`: every package Composer installed into vendor/ (dev
 *    packages too when they were installed; they carry metadata.dev = "true");
 *  - `<project>/composer.lock`, used ONLY when `<project>/vendor/composer/installed.json` does not
 *    exist (a source tree without vendor/); then `packages-dev` is left out (not installed by
 *    `composer install --no-dev`, the production norm).
 * purl: pkg:composer/<vendor>/<name>@<version> (the version as Composer records it, "v1.8.1" included).
 */
import { posix } from "node:path";
import type { Package } from "../../sbom/model.js";
import { buildPurl } from "../../sbom/purl.js";
import { insideInstalledTree } from "../language-a-lockfiles.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { type ComposerRecord, parseComposerLock, parseInstalledJson } from "./composer.js";

const NAME = "composer";
const INSTALLED = "/vendor/composer/installed.json";

function isInstalled(path: string): boolean {
  return path.endsWith(INSTALLED);
}
function isLock(path: string): boolean {
  return path.endsWith("/composer.lock") && !insideInstalledTree(path);
}

function toPackage(rec: ComposerRecord, file: FileRef): Package {
  const slash = rec.name.indexOf("/");
  const namespace = rec.name.slice(0, slash);
  const name = rec.name.slice(slash + 1);
  const pkg: Package = {
    id: `composer:${rec.name}@${rec.version}:${file.path}`,
    type: "composer",
    namespace,
    name,
    version: rec.version,
    purl: buildPurl({ type: "composer", namespace, name, version: rec.version }),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy: NAME,
  };
  if (file.layerIndex >= 0) pkg.layerIndex = file.layerIndex;
  if (rec.licenses) pkg.licenses = rec.licenses;
  if (Object.keys(rec.metadata).length) pkg.metadata = rec.metadata;
  return pkg;
}

export const composerCataloger: Cataloger = {
  name: NAME,
  version: "2",
  kind: "language",
  attribution: "file",
  wants(path: string): boolean {
    return isInstalled(path) || isLock(path);
  },
  async catalog(input: CatalogInput): Promise<CatalogResult> {
    const packages: Package[] = [];
    const warnings: string[] = [];
    for (const file of input.files) {
      const installed = isInstalled(file.path);
      if (!installed && !isLock(file.path)) continue;
      if (!installed) {
        const dir = posix.dirname(file.path);
        if (input.exists(`${dir === "/" ? "" : dir}${INSTALLED}`)) continue;
      }
      let text: string;
      try {
        text = (await file.read()).toString("utf8").replace(/^\uFEFF/, "");
      } catch (e) {
        warnings.push(`composer: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      const res = installed ? parseInstalledJson(text) : parseComposerLock(text);
      for (const w of res.warnings) warnings.push(`composer: ${file.path}: ${w}`);
      const seen = new Set<string>();
      for (const rec of res.records) {
        if (!installed && rec.dev) continue;
        const key = `${rec.name}@${rec.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!installed) rec.metadata.evidence = "lockfile";
        packages.push(toPackage(rec, file));
      }
    }
    return { packages, warnings };
  },
};
