/** What one layer contributes, independent of the layers below it (also what the layer cache stores). */
import type { Content } from "./content.js";
import type { EntryType } from "./fs-tree.js";

export interface SummaryEntry {
  /** Normalised absolute path; for "whiteout" the deleted path, for "opaque" the directory. */
  path: string;
  type: EntryType | "whiteout" | "opaque";
  size: number;
  mode?: number;
  /** Symlink target as stored; hard link target as a normalised absolute path. */
  linkTarget?: string;
}

export interface LayerSummary {
  entries: SummaryEntry[];
  /** Contents of the wanted files this layer wrote (hard links to wanted files included). */
  captured: Map<string, Content>;
  /** Wanted hard links whose target lies in a lower layer: path → target. */
  lowerLinks: Map<string, string>;
  /** Uncompressed bytes of the layer tar. */
  bytes: number;
}

export function emptySummary(): LayerSummary {
  return { entries: [], captured: new Map(), lowerLinks: new Map(), bytes: 0 };
}
