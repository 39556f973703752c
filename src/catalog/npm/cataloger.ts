/**
 * The npm cataloger. Evidence, in order of strength:
 *  1. installed packages: `…/node_modules/<name>/package.json` (every nested and hoisted copy counts);
 *  2. lockfiles (package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml), used ONLY when the
 *     lockfile's directory has no `node_modules` at all (a source tree copied without installing). A
 *     lockfile next to a node_modules adds nothing: what is installed is what node_modules holds.
 * Lockfile-only packages marked dev (package-lock `dev`, pnpm `dev: true`) are left out; for yarn.lock,
 * which has no dev marks, only what the project package.json's dependencies/optionalDependencies reach
 * is kept (all entries when there is no readable package.json next to it).
 * Private packages inside node_modules are workspace links/copies and are skipped, as is any
 * package.json outside node_modules (a project's own manifest).
 */
import { posix } from "node:path";
import type { Package } from "../../sbom/model.js";
import { insideInstalledTree } from "../language-a-lockfiles.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { type NpmRecord, toPackage } from "./model.js";
import { isInstalledManifest, parseInstalledManifest } from "./package-json.js";
import { type LockParse, parsePackageLock } from "./package-lock.js";
import { parsePnpmLock } from "./pnpm-lock.js";
import { parseYarnLock, yarnProductionSubset } from "./yarn-lock.js";

const NAME = "npm";
const LOCKFILES: Record<string, (text: string) => LockParse> = {
  "package-lock.json": parsePackageLock,
  "npm-shrinkwrap.json": parsePackageLock,
  "yarn.lock": parseYarnLock,
  "pnpm-lock.yaml": parsePnpmLock,
};

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A project's own package.json (outside node_modules): read only to tell yarn.lock's dev packages apart. */
function isProjectManifest(path: string): boolean {
  return path.endsWith("/package.json") && !path.includes("/node_modules/");
}

function isLockfile(path: string): boolean {
  return (
    (path.endsWith("/package-lock.json") ||
      path.endsWith("/npm-shrinkwrap.json") ||
      path.endsWith("/yarn.lock") ||
      path.endsWith("/pnpm-lock.yaml")) &&
    !insideInstalledTree(path)
  );
}

async function readText(file: FileRef): Promise<string> {
  const buf = await file.read();
  // Strip a UTF-8 BOM: some Windows-authored manifests carry one and JSON.parse rejects it.
  return buf.toString("utf8").replace(/^\uFEFF/, "");
}

export const npmCataloger: Cataloger = {
  name: NAME,
  version: "2",
  kind: "language",
  attribution: "file",
  wants(path: string): boolean {
    return isInstalledManifest(path) || isLockfile(path) || isProjectManifest(path);
  },
  async catalog(input: CatalogInput): Promise<CatalogResult> {
    const packages: Package[] = [];
    const warnings: string[] = [];
    const lockfiles: FileRef[] = [];
    const projectManifests = new Map<string, FileRef>();
    for (const file of input.files) {
      if (isLockfile(file.path)) {
        lockfiles.push(file);
        continue;
      }
      if (isProjectManifest(file.path)) {
        projectManifests.set(file.path, file);
        continue;
      }
      if (!isInstalledManifest(file.path)) continue;
      let text: string;
      try {
        text = await readText(file);
      } catch (e) {
        warnings.push(`npm: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      const installPath = posix.dirname(file.path);
      const res = parseInstalledManifest(text, installPath);
      if (res.kind === "error") warnings.push(`npm: ${file.path}: ${res.message}; skipped`);
      else if (res.kind === "package") packages.push(toPackage(res.record, file, installPath, NAME));
    }
    for (const file of lockfiles) {
      const dir = posix.dirname(file.path);
      if (input.exists(dir === "/" ? "/node_modules" : `${dir}/node_modules`)) continue;
      const parse = LOCKFILES[baseName(file.path)];
      if (!parse) continue;
      let text: string;
      try {
        text = await readText(file);
      } catch (e) {
        warnings.push(`npm: cannot read ${file.path}: ${(e as Error).message}`);
        continue;
      }
      const res = parse(text);
      for (const w of res.warnings) warnings.push(`npm: ${file.path}: ${w}`);
      let records = res.records;
      const manifest = projectManifests.get(dir === "/" ? "/package.json" : `${dir}/package.json`);
      if (file.path.endsWith("/yarn.lock") && manifest) {
        // yarn.lock does not mark dev packages: keep what the manifest's production dependencies reach.
        try {
          records = yarnProductionSubset(records, await readText(manifest)) ?? records;
        } catch (e) {
          warnings.push(`npm: cannot read ${manifest.path}: ${(e as Error).message}`);
        }
      }
      const seen = new Set<string>();
      for (const rec of records) {
        if (rec.dev) continue;
        const where = rec.installPath ? `${file.path}#${rec.installPath}` : file.path;
        if (seen.has(`${rec.name}@${rec.version}@${where}`)) continue;
        seen.add(`${rec.name}@${rec.version}@${where}`);
        const r: NpmRecord = { ...rec, metadata: { ...rec.metadata, evidence: "lockfile" } };
        delete r.installPath;
        delete r.descriptors;
        delete r.requires;
        if (rec.installPath) r.metadata = { ...r.metadata, lockPath: rec.installPath };
        packages.push(toPackage(r, file, where, NAME));
      }
    }
    return { packages, warnings };
  },
};
