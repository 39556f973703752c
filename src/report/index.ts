/** Renderers: one module per output format, pure functions from a VulnReport to text. */
import { renderCycloneDxVex } from "./cyclonedx.js";
import { renderGitlab } from "./gitlab.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import type { RenderOptions, VulnReport } from "./model.js";
import { renderOnlyPackages } from "./only-packages.js";
import { renderPackages } from "./packages.js";
import { renderSarif } from "./sarif.js";

export type CvesFormat = "packages" | "only-packages" | "sarif" | "markdown" | "json" | "gitlab" | "sbom";

export const CVES_FORMATS: Record<CvesFormat, (r: VulnReport, o: RenderOptions) => string> = {
  packages: renderPackages,
  "only-packages": renderOnlyPackages,
  sarif: (r) => renderSarif(r),
  markdown: (r) => renderMarkdown(r),
  json: (r) => renderJson(r),
  gitlab: (r) => renderGitlab(r),
  sbom: (r) => renderCycloneDxVex(r),
};

export { buildReport, countFindings, type RenderOptions, type VulnReport } from "./model.js";
export { detectedLine } from "./packages.js";
export { renderQuickview } from "./quickview.js";
