/** `--format only-packages`: Scout's table of packages with per-package severity counts. */

import { collate } from "../core/collate.js";
import type { RenderOptions, SeverityCounts, VulnReport } from "./model.js";
import { emptyCounts } from "./model.js";
import { countCells, oneLine } from "./text.js";

export function renderOnlyPackages(r: VulnReport, opts: RenderOptions = {}): string {
  const counts = new Map<string, SeverityCounts>();
  for (const g of r.groups) counts.set(g.package.id, g.counts);
  const rows = r.allPackages
    .map((p) => ({ p, c: counts.get(p.id) ?? emptyCounts() }))
    .filter(({ p }) => !opts.onlyVulnPackages || counts.has(p.id))
    .sort((a, b) => collate(a.p.name, b.p.name) || collate(a.p.version, b.p.version));
  const name = (s: string) => oneLine(s, 80);
  const nw = Math.max(4, ...rows.map(({ p }) => name(p.name).length));
  const vw = Math.max(7, ...rows.map(({ p }) => name(p.version).length));
  const tw = Math.max(4, ...rows.map(({ p }) => p.type.length));
  const header = `  ${"Name".padEnd(nw)}  ${"Version".padEnd(vw)}  ${"Type".padEnd(tw)}  Vulnerabilities`;
  const lines = ["", header, "─".repeat(Math.max(header.length + 12, 60))];
  for (const { p, c } of rows)
    lines.push(
      `  ${name(p.name).padEnd(nw)}  ${name(p.version).padEnd(vw)}  ${p.type.padEnd(tw)}  ${countCells(c)}`,
    );
  if (rows.length === 0) lines.push("  No packages");
  return `${lines.join("\n")}\n`;
}
