/**
 * `--format list`: a readable table of packages (name, version, type, layer), sorted by name, laid out
 * like Docker Scout's `sbom --format list` with one more column naming the layer that introduced each
 * package.
 */

import { collate } from "../../core/collate.js";
import { sanitizeTerminal } from "../../core/logger.js";
import type { Package, Sbom } from "../model.js";

export interface ListOptions {
  /** Only packages of these types (`--only-package-type`). */
  onlyTypes?: readonly string[];
}

function layerCell(pkg: Package): string {
  if (pkg.layerIndex === undefined) return "-";
  const diff = pkg.layerDiffId ? ` ${pkg.layerDiffId.replace(/^sha256:/, "").slice(0, 12)}` : "";
  return `${pkg.layerIndex}${diff}`;
}

/** Compare packages for display: displayed name, then version, then type, then arch. */
export function comparePackages(a: Package, b: Package): number {
  return (
    collate(displayName(a), displayName(b)) ||
    collate(a.version, b.version) ||
    collate(a.type, b.type) ||
    collate(a.arch ?? "", b.arch ?? "") ||
    collate(a.id, b.id)
  );
}

/** Display name: `namespace/name` for namespaced language packages (npm scope, Maven group). */
function displayName(pkg: Package): string {
  const isOs = pkg.type === "deb" || pkg.type === "apk" || pkg.type === "rpm";
  if (!pkg.namespace || isOs) return pkg.name;
  if (pkg.type === "npm") return `@${pkg.namespace.replace(/^@/, "")}/${pkg.name}`;
  if (pkg.type === "maven") return `${pkg.namespace}:${pkg.name}`;
  return `${pkg.namespace}/${pkg.name}`;
}

export function renderList(sbom: Sbom, options: ListOptions = {}): string {
  const only = options.onlyTypes?.length ? new Set(options.onlyTypes.map((t) => t.toLowerCase())) : undefined;
  const pkgs = sbom.packages.filter((p) => !only || only.has(p.type)).sort(comparePackages);
  const headers = ["Name", "Version", "Type", "Layer"];
  const rows = pkgs.map((p) => [
    sanitizeTerminal(displayName(p)),
    sanitizeTerminal(p.version),
    p.type,
    layerCell(p),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (cells: string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()}`;
  const head = `  ${headers
    .map((h, i) => {
      const w = widths[i]!;
      const left = Math.floor((w - h.length) / 2);
      return (" ".repeat(left) + h).padEnd(w);
    })
    .join("  ")
    .trimEnd()}`;
  const rule = "─".repeat(widths.reduce((s, w) => s + w, 0) + 2 * widths.length + 2);
  const lines = ["", head, rule, ...rows.map(pad), ""];
  if (rows.length === 0) lines.splice(3, 0, "  (no packages)");
  return `${lines.join("\n")}\n`;
}
