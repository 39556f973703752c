import { lazyModule } from "../../core/lazy.js";
import type { Package } from "../../sbom/model.js";
import { fileRefSource } from "../binary/byte-source.js";
import { isBinaryCandidate } from "../binary/candidates.js";
import { EXECUTABLE_PARTS } from "../binary/partial.js";
import type { Cataloger, CatalogInput, CatalogResult, FileRef } from "../types.js";
import { readAuditableDeps } from "./auditable.js";
import { parseCargoLock } from "./cargo-lock.js";

// A CommonJS dependency, required on first use: an ESM import would also run Node's export lexer over it.
const purlLib = lazyModule<typeof import("packageurl-js")>("packageurl-js");

export function cargoPurl(name: string, version: string): string {
  return new (purlLib().PackageURL)("cargo", undefined, name, version, undefined, undefined).toString();
}

function pkg(file: FileRef, name: string, version: string, metadata: Record<string, string>): Package {
  const p: Package = {
    id: `cargo:${name}@${version}`,
    type: "cargo",
    name,
    version,
    purl: cargoPurl(name, version),
    locations: [
      file.layerIndex >= 0 ? { path: file.path, layerIndex: file.layerIndex } : { path: file.path },
    ],
    foundBy: "cargo",
    metadata,
  };
  if (file.layerIndex >= 0) p.layerIndex = file.layerIndex;
  return p;
}

/** `Cargo.lock` source string → short form ("crates.io", "git", "registry", "local"). */
function lockSource(source: string | undefined): string {
  if (!source) return "local";
  if (
    source === "registry+https://github.com/rust-lang/crates.io-index" ||
    source === "sparse+https://index.crates.io/"
  ) {
    return "crates.io";
  }
  if (source.startsWith("git+")) return "git";
  return "registry";
}

const isLock = (path: string) => path.endsWith("/Cargo.lock");

export function createCargoCataloger(): Cataloger {
  return {
    name: "cargo",
    version: "2",
    kind: "language",
    attribution: "file",
    wants: (path, size, mode) =>
      isLock(path) ? size > 0 && size <= 32 * 1024 ** 2 : isBinaryCandidate(path, size, mode),
    partial: (path) => (isLock(path) ? undefined : EXECUTABLE_PARTS),
    async catalog(input: CatalogInput): Promise<CatalogResult> {
      const packages: Package[] = [];
      const warnings: string[] = [];
      for (const file of input.files) {
        try {
          if (isLock(file.path)) {
            for (const p of parseCargoLock((await file.read()).toString("utf8"))) {
              const meta: Record<string, string> = { source: lockSource(p.source), evidence: "Cargo.lock" };
              if (p.source) meta.sourceUrl = p.source;
              if (p.checksum) meta.checksum = p.checksum;
              packages.push(pkg(file, p.name, p.version, meta));
            }
            continue;
          }
          const deps = await readAuditableDeps(fileRefSource(file));
          if (!deps) continue;
          for (const d of deps) {
            // Build-time-only crates (build scripts, proc macros' deps) are not part of the program.
            if (d.kind === "build") continue;
            const meta: Record<string, string> = { source: d.source, evidence: "cargo-auditable" };
            if (d.root) meta.root = "true";
            packages.push(pkg(file, d.name, d.version, meta));
          }
        } catch (err) {
          warnings.push(`${file.path}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return { packages, warnings };
    },
  };
}

export const cargoCataloger: Cataloger = createCargoCataloger();
