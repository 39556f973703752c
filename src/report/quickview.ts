/** `vigil quickview`: the one-row summary `Your image  NAME │ 0C 2H 8M 1L` with base-image rows and their deltas. */

import { deltaCells } from "./delta.js";
import type { SeverityCounts } from "./model.js";
import { countCells, oneLine } from "./text.js";

export interface QuickviewRow {
  label: string;
  name: string;
  counts: SeverityCounts;
  /** For recommendation rows: the difference from the base image row, printed under it. */
  delta?: SeverityCounts;
}

export function renderQuickview(rows: QuickviewRow[]): string {
  const labels = rows.map((r) => `${r.label}  ${oneLine(r.name, 120)}`);
  const w = Math.max(...labels.map((l) => l.length));
  const showU = rows.some((r) => r.counts.unspecified > 0);
  const lines: string[] = [];
  rows.forEach((r, i) => {
    lines.push(`  ${labels[i]!.padEnd(w)}  │ ${countCells(r.counts, showU)}`.trimEnd());
    if (r.delta) lines.push(`  ${"".padEnd(w)}  │ ${deltaCells(r.delta, showU)}`.trimEnd());
  });
  return `\n${lines.join("\n")}\n`;
}
