/**
 * SBOM output formats, one module each, pure functions from an Sbom to text. The CLI imports the
 * module it needs lazily (`formatModule`), so that `list` does not load the CycloneDX library.
 */
import type { Sbom } from "../model.js";

export const SBOM_FORMATS = ["list", "json", "cyclonedx", "spdx"] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export interface RenderOptions {
  /** `--only-package-type` (list format). */
  onlyTypes?: readonly string[];
  /** Keep owned-file lists in Vigil JSON. */
  includeFiles?: boolean;
}

export function isSbomFormat(text: string): text is SbomFormat {
  return (SBOM_FORMATS as readonly string[]).includes(text);
}

/** Render an SBOM in one of the formats (loads that format's module on first use). */
export async function renderSbom(
  sbom: Sbom,
  format: SbomFormat,
  options: RenderOptions = {},
): Promise<string> {
  switch (format) {
    case "list":
      return (await import("./list.js")).renderList(sbom, { onlyTypes: options.onlyTypes });
    case "json":
      return (await import("./json.js")).renderJson(sbom, { includeFiles: options.includeFiles });
    case "cyclonedx":
      return (await import("./cyclonedx.js")).renderCycloneDx(sbom);
    case "spdx":
      return (await import("./spdx.js")).renderSpdx(sbom);
  }
}
