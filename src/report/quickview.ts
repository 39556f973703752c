/** `vigil quickview`: the one-row summary `Your image  NAME │ 0C 2H 8M 1L` (base rows come with base detection). */
import type { SeverityCounts } from "./model.js";
import { countCells, oneLine } from "./text.js";

export interface QuickviewRow {
  label: string;
  name: string;
  counts: SeverityCounts;
}

export function renderQuickview(rows: QuickviewRow[]): string {
  const labels = rows.map((r) => `${r.label}  ${oneLine(r.name, 120)}`);
  const w = Math.max(...labels.map((l) => l.length));
  const showU = rows.some((r) => r.counts.unspecified > 0);
  const lines = rows.map((r, i) => `  ${labels[i]!.padEnd(w)}  │ ${countCells(r.counts, showU)}`);
  return `\n${lines.join("\n")}\n`;
}
