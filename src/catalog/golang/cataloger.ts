import { lazyModule } from "../../core/lazy.js";
import type { Package } from "../../sbom/model.js";
import { fileRefSource } from "../binary/byte-source.js";
import { isBinaryCandidate } from "../binary/candidates.js";
import { EXECUTABLE_PARTS } from "../binary/partial.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { type GoBuildInfo, type GoModule, readGoBuildInfo } from "./buildinfo.js";

// A CommonJS dependency, required on first use: an ESM import would also run Node's export lexer over it.
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

/** `pkg:golang/github.com/x/y@v1.2.3`: the module path's last element is the purl name. */
export function golangPurl(modulePath: string, version: string | undefined): string {
  const slash = modulePath.lastIndexOf("/");
  const ns = slash > 0 ? modulePath.slice(0, slash) : undefined;
  const name = slash > 0 ? modulePath.slice(slash + 1) : modulePath;
  return new (purlLib().PackageURL)(
    "golang",
    ns,
    name,
    version || undefined,
    undefined,
    undefined,
  ).toString();
}

/** "go1.22.1" → "1.22.1"; "go1.21rc2 X:boringcrypto" → "1.21rc2"; "devel …" → undefined. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)/.exec(goVersion.trim());
  return m?.[1];
}

/**
 * Pseudo-version for a "(devel)" main module built from a VCS checkout:
 * v0.0.0-YYYYMMDDhhmmss-<12 hex of the revision> (as `go` writes for untagged commits).
 */
export function develPseudoVersion(settings: [string, string][]): string | undefined {
  const get = (k: string) => settings.find(([key]) => key === k)?.[1];
  const rev = get("vcs.revision");
  const time = get("vcs.time");
  if (!rev || !time || !/^[0-9a-f]{12,}$/.test(rev)) return undefined;
  const t = new Date(time);
  if (Number.isNaN(t.getTime())) return undefined;
  const stamp = t.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dirty = get("vcs.modified") === "true" ? "+dirty" : "";
  return `v0.0.0-${stamp}-${rev.slice(0, 12)}${dirty}`;
}

function isLocalPath(p: string): boolean {
  return p.startsWith("./") || p.startsWith("../") || p.startsWith("/") || /^[A-Za-z]:\\/.test(p);
}

function pkg(
  file: FileRef,
  name: string,
  version: string,
  purlVersion: string | undefined,
  metadata: Record<string, string>,
): Package {
  const p: Package = {
    id: `golang:${name}@${version}`,
    type: "golang",
    name,
    version,
    purl: golangPurl(name, purlVersion),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy: "go-binary",
    metadata,
  };
  if (file.layerIndex >= 0) p.layerIndex = file.layerIndex;
  return p;
}

/** Packages of one Go program: main module, every dependency (replacements applied) and `stdlib`. */
export function packagesFromBuildInfo(info: GoBuildInfo, file: FileRef): Package[] {
  const out: Package[] = [];
  const common = { goVersion: info.goVersion };
  const moduleVersion = (
    m: GoModule,
  ): { name: string; version: string; purlVersion?: string; meta: Record<string, string> } => {
    const meta: Record<string, string> = { ...common };
    if (m.sum) meta.h1 = m.sum;
    if (m.replace) {
      meta.replaces = `${m.path}@${m.version}`;
      if (isLocalPath(m.replace.path) || !m.replace.version) {
        // Replaced by a local directory: the code is not the module's published version.
        meta.replacement = m.replace.path;
        return { name: m.path, version: "(devel)", meta };
      }
      if (m.replace.sum) meta.h1 = m.replace.sum;
      else delete meta.h1;
      return { name: m.replace.path, version: m.replace.version, purlVersion: m.replace.version, meta };
    }
    if (!m.version || m.version === "(devel)") return { name: m.path, version: "(devel)", meta };
    return { name: m.path, version: m.version, purlVersion: m.version, meta };
  };

  if (info.main?.path) {
    const v = moduleVersion(info.main);
    v.meta.mainModule = "true";
    if (info.path) v.meta.mainPackage = info.path;
    for (const [k, val] of info.settings) v.meta[`build:${k}`] = val;
    if (v.version === "(devel)" && !info.main.replace) {
      const pseudo = develPseudoVersion(info.settings);
      if (pseudo) {
        v.version = pseudo;
        v.purlVersion = pseudo;
        v.meta.versionFrom = "vcs";
      }
    }
    out.push(pkg(file, v.name, v.version, v.purlVersion, v.meta));
  }
  for (const d of info.deps) {
    const v = moduleVersion(d);
    out.push(pkg(file, v.name, v.version, v.purlVersion, v.meta));
  }
  const std = stdlibVersion(info.goVersion);
  if (std) out.push(pkg(file, "stdlib", std, std, { ...common }));
  return out;
}

export function createGoBinaryCataloger(): Cataloger {
  return {
    name: "go-binary",
    version: "2",
    kind: "language",
    attribution: "file",
    wants: (path, size, mode) => isBinaryCandidate(path, size, mode),
    partial: () => EXECUTABLE_PARTS,
    async catalog(input: CatalogInput): Promise<CatalogResult> {
      const packages: Package[] = [];
      const warnings: string[] = [];
      for (const file of input.files) {
        let info: GoBuildInfo | undefined;
        try {
          info = await readGoBuildInfo(fileRefSource(file));
        } catch (err) {
          warnings.push(
            `${file.path}: unreadable Go build info (${err instanceof Error ? err.message : String(err)})`,
          );
          continue;
        }
        if (info) packages.push(...packagesFromBuildInfo(info, file));
      }
      return { packages, warnings };
    },
  };
}

export const goBinaryCataloger: Cataloger = createGoBinaryCataloger();
