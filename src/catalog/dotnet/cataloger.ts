/**
 * The NuGet cataloger. Evidence:
 *  - `*.deps.json` of built or published .NET apps (libraries of type package / runtimepack);
 *  - `packages.lock.json`, used ONLY when the image has no `*.deps.json` at all (a source tree that
 *    was never built in the image): otherwise the deps.json files say what the apps actually carry.
 * purl: pkg:nuget/<Name>@<Version> (the package id's case as recorded).
 */
import type { Package } from "../../sbom/model.js";
import { buildPurl } from "../../sbom/purl.js";
import { insideInstalledTree } from "../language-a-lockfiles.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { type NugetRecord, parseDepsJson, parsePackagesLock } from "./nuget.js";

const NAME = "nuget";

function isDeps(path: string): boolean {
  return path.endsWith(".deps.json");
}
function isLock(path: string): boolean {
  return path.endsWith("/packages.lock.json") && !insideInstalledTree(path);
}

function toPackage(rec: NugetRecord, file: FileRef): Package {
  const pkg: Package = {
    id: `nuget:${rec.name}@${rec.version}:${file.path}`,
    type: "nuget",
    name: rec.name,
    version: rec.version,
    purl: buildPurl({ type: "nuget", name: rec.name, version: rec.version }),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy: NAME,
  };
  if (file.layerIndex >= 0) pkg.layerIndex = file.layerIndex;
  if (Object.keys(rec.metadata).length) pkg.metadata = rec.metadata;
  return pkg;
}

export const nugetCataloger: Cataloger = {
  name: NAME,
  version: "2",
  kind: "language",
  attribution: "file",
  wants(path: string): boolean {
    return isDeps(path) || isLock(path);
  },
  async catalog(input: CatalogInput): Promise<CatalogResult> {
    const packages: Package[] = [];
    const warnings: string[] = [];
    const hasDeps = input.files.some((f) => isDeps(f.path));
    for (const file of input.files) {
      const deps = isDeps(file.path);
      if (!deps && (!isLock(file.path) || hasDeps)) continue;
      let text: string;
      try {
        text = (await file.read()).toString("utf8").replace(/^\uFEFF/, "");
      } catch (e) {
        warnings.push(`nuget: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      const res = deps ? parseDepsJson(text) : parsePackagesLock(text);
      for (const w of res.warnings) warnings.push(`nuget: ${file.path}: ${w}`);
      const seen = new Set<string>();
      for (const rec of res.records) {
        const key = `${rec.name}@${rec.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!deps) rec.metadata.evidence = "lockfile";
        packages.push(toPackage(rec, file));
      }
    }
    return { packages, warnings };
  },
};
