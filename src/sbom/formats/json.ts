/**
 * `--format json`: Vigil's own SBOM document, the `Sbom` model serialised (documented in
 * docs/sbom-json.md, JSON Schema in ../schema/vigil-sbom.schema.json). Owned-file lists are left out
 * unless asked for: they are large and only the indexer needs them.
 */
import type { Package, Sbom } from "../model.js";

export interface JsonOptions {
  /** Keep `packages[].files` (every file an OS package owns). */
  includeFiles?: boolean;
  /** Indentation (default 2; 0 = compact). */
  indent?: number;
}

export function toVigilJson(sbom: Sbom, options: JsonOptions = {}): Sbom {
  if (options.includeFiles) return sbom;
  return {
    ...sbom,
    packages: sbom.packages.map((p): Package => {
      if (!p.files) return p;
      const { files: _files, ...rest } = p;
      return rest;
    }),
  };
}

export function renderJson(sbom: Sbom, options: JsonOptions = {}): string {
  return `${JSON.stringify(toVigilJson(sbom, options), null, options.indent ?? 2)}\n`;
}
