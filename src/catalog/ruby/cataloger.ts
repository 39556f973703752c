/**
 * The RubyGems cataloger. Evidence:
 *  - installed gems: `…/specifications/<name>-<version>.gemspec` (GEM_HOME/specifications, Bundler's
 *    vendor/bundle/ruby/<v>/specifications, Debian's /usr/share/rubygems-integration/…/specifications,
 *    and Ruby's default gems in specifications/default/);
 *  - Gemfile.lock / gems.locked, used ONLY when the image holds no installed gem specification other
 *    than Ruby's default gems (a source tree without installed gems). Otherwise the installed specs are
 *    what is there, and the lockfile may list gems of groups that were never installed.
 */
import type { Package } from "../../sbom/model.js";
import { buildPurl } from "../../sbom/purl.js";
import { insideInstalledTree } from "../language-a-lockfiles.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { parseGemfileLock } from "./gemfile-lock.js";
import { parseGemspec } from "./gemspec.js";

const NAME = "ruby";

function isGemspec(path: string): boolean {
  return path.endsWith(".gemspec") && path.includes("/specifications/");
}
function isLockfile(path: string): boolean {
  return (path.endsWith("/Gemfile.lock") || path.endsWith("/gems.locked")) && !insideInstalledTree(path);
}

const BAD = /[\s\u0000-\u001f\u007f-\u009f]/;

function gemPackage(
  name: string,
  version: string,
  platform: string | undefined,
  file: FileRef,
  where: string,
  extra: Record<string, string>,
): Package {
  const pkg: Package = {
    id: `gem:${name}@${version}${platform ? `-${platform}` : ""}:${where}`,
    type: "gem",
    name,
    version,
    purl: buildPurl({ type: "gem", name, version, qualifiers: { platform } }),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy: NAME,
  };
  if (file.layerIndex >= 0) pkg.layerIndex = file.layerIndex;
  const metadata = { ...extra };
  if (platform) metadata.platform = platform;
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return pkg;
}

export const rubyCataloger: Cataloger = {
  name: NAME,
  version: "2",
  kind: "language",
  attribution: "file",
  wants(path: string): boolean {
    return isGemspec(path) || isLockfile(path);
  },
  async catalog(input: CatalogInput): Promise<CatalogResult> {
    const packages: Package[] = [];
    const warnings: string[] = [];
    const lockfiles: FileRef[] = [];
    let installedNonDefault = 0;
    for (const file of input.files) {
      if (isLockfile(file.path)) {
        lockfiles.push(file);
        continue;
      }
      if (!isGemspec(file.path)) continue;
      let spec: ReturnType<typeof parseGemspec>;
      try {
        spec = parseGemspec((await file.read()).toString("utf8"));
      } catch (e) {
        warnings.push(`ruby: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      if (!spec) {
        warnings.push(`ruby: ${file.path}: no literal name and version; skipped`);
        continue;
      }
      if (
        BAD.test(spec.name) ||
        BAD.test(spec.version) ||
        spec.name.length > 256 ||
        spec.version.length > 128
      ) {
        warnings.push(`ruby: ${file.path}: invalid name or version; skipped`);
        continue;
      }
      const isDefault = file.path.includes("/specifications/default/");
      if (!isDefault) installedNonDefault++;
      const pkg = gemPackage(
        spec.name,
        spec.version,
        spec.platform,
        file,
        file.path,
        isDefault ? { defaultGem: "true" } : {},
      );
      if (spec.licenses) pkg.licenses = spec.licenses.filter((l) => l.length <= 256).slice(0, 32);
      packages.push(pkg);
    }
    if (installedNonDefault === 0) {
      for (const file of lockfiles) {
        let parsed: ReturnType<typeof parseGemfileLock>;
        try {
          parsed = parseGemfileLock((await file.read()).toString("utf8"));
        } catch (e) {
          warnings.push(`ruby: cannot read ${file.path}: ${(e as Error).message}`);
          continue;
        }
        for (const w of parsed.warnings) warnings.push(`ruby: ${file.path}: ${w}`);
        const seen = new Set<string>();
        for (const g of parsed.gems) {
          if (BAD.test(g.name) || BAD.test(g.version)) {
            warnings.push(`ruby: ${file.path}: invalid gem entry; skipped`);
            continue;
          }
          const key = `${g.name}@${g.version}-${g.platform ?? ""}`;
          if (seen.has(key)) continue;
          seen.add(key);
          packages.push(
            gemPackage(g.name, g.version, g.platform, file, file.path, {
              evidence: "lockfile",
              source: g.source,
            }),
          );
        }
      }
    }
    return { packages, warnings };
  },
};
